"""A small, pure model of sourdough bulk fermentation: how long it takes and when to stop.

Temperatures are in °C, rise in % of the starting height of the aliquot jar, starter in
baker's % (starter weight / flour weight x 100, the starter's own flour not counted), times in
hours from mixing. Nothing here talks to Telegram or to the database.

Reasoning
=========

**Target rise.** Warm dough keeps fermenting after it is shaped and while the fridge cools it,
so warmer dough should end bulk at a lower rise. `target_rise_pct` interpolates The Sourdough
Journey table (18 °C -> 100 %, 21 °C -> 75 %, 24 °C -> 50 %, 27 °C -> 30 %), which bakers
summarise as ``240 - 7.83 T``. Outside 18-27 °C it is clamped gently: +5 %/°C below 18 °C up to
120 %, -2 %/°C above 27 °C down to 25 %. It is continuous and never increases with temperature.

**Bulk time.** Fermentation is microbial growth. With ``s`` = starter fraction, the
gas-producing population grows from the inoculum roughly as ``s * exp(mu * t)`` after a lag,
and the gas it has made (hence the rise) is proportional to what has grown since mixing.
The jar cannot rise forever, so rise saturates towards ``R_MAX``:

    G(t)   = K * s * (exp(mu * x(t)) - exp(mu * x(0)))      x(t) = softplus(tau(t) - LAG)
    rise   = R_MAX * (1 - exp(-G / R_MAX))
    tau(t) = t * speed(T)                                    "reference hours" at 24 °C

Inverting it gives `predict_bulk_hours`: ``tau = LAG + ln(1 + G(rise) / (K s)) / mu`` (with the
smooth lag), so halving the starter adds a roughly constant number of hours, as bakers
observe, rather than doubling the time.

Temperature enters only through ``speed(T)``, the square-root (Ratkowsky) model of microbial
growth, ``speed = ((T - T_MIN) / (24 - T_MIN))**2``. With ``T_MIN = -2 °C`` its Q10 is about
2.5 at 15-25 °C, 2.25 at 18-28 °C and 2.0 at 22-32 °C (steeper in the cold, as the published
models suggest: "2x per 10 °C" in some calculators, "2x per 5 °C" in others); it makes a 4 °C
fridge ~19x slower than 24 °C, in line with "nearly stops below 4 °C". The fit preferred an
even flatter curve (the published charts pair warm dough with low targets, which hides the
temperature effect), so T_MIN was held at the value where Q10 stays >= 2 over 15-32 °C.

**Constants** were fitted in log-time least squares to the "fit" rows of
``bench/data/bulk_times.csv`` with physical bounds (mu 0.15-0.4 /h, lag 0.3-2.5 h):
``LAG = 2.0 h``, ``MU = 0.15 /h`` (bound; smaller values make time linear in 1/starter),
``K = 320``, ``R_MAX = 300 %`` (fixed: a jar rarely triples before collapsing). The resulting
pace: 20 % starter at 24 °C reaches 50 % in ~6.1 h, 10 % starter in ~8.6 h; the curve is
convex (20 % starter at 24 °C: ~3 % after 2 h, ~22 % after 4 h, ~80 % after 8 h).
Bench: MAPE 8.6 % on the 13 fit rows, 10.1 % on the 22 rows whose source states the starter %,
16.4 % on all 27; the quick-reference chart (no starter % given, 20 % assumed) runs 20-60 %
faster than every source that does state one. Flour (white ~20 % slower than whole grain) and
starter vigour are left to the per-baker calibration (schedules.calibration).

**Estimator.** A baker's dough runs at its own pace (starter vigour, flour, a drifting room), so
`estimate_bulk_end` fits one time-scale factor ``k`` (``rise(t) = predicted_rise_pct(t / k)``) to
the aliquot-jar readings: a Huber (robust) loss on residuals scaled by the jar's noise
(~3 points + 5 %), recent readings weighted more, and a log-normal prior on ``k`` (sd 0.20,
the model's typical +-20 % error, centred on the a-priori or calibrated time) that dominates
while readings are few and early. The band is +-1 sd in log time: the fit's curvature (Laplace)
combined with a shape term that shrinks as the readings approach the target, never wider than
the prior's. Early in bulk the jar has barely moved (the lag), so readings then say little; the
ETA sharpens as the rise gets under way (see bench/bench_fermentation.py). A lower reading is
data, not an error; a clear drop after a peak flags over-fermentation; once a reading reaches
the target, the crossing time is interpolated.

**Starter peak.** Feed ratio sets how far the culture is diluted; peak time grows with the log
of the dilution. `starter_peak_hours` interpolates the published midpoints at 22-24 °C
(1:1:1 -> 5 h, 1:2:2 -> 7 h, 1:5:5 -> 11 h, 1:10:10 -> 12 h) in ``ln(total / starter)`` and
scales by the same ``speed(T)``.

**Cold proof.** 12-16 h is the classic range (Hamelman); 8-24 h is common practice. Dough that
goes in warm keeps fermenting while it cools, so warmer, further-risen or faster dough gets less.

Sources
=======
- /work/shared/sourdough.md (the project's collected facts).
- The Sourdough Journey (T. Cucuzza): temperature -> target rise table, 2023; "Post-Pandemic
  Sourdough for Busy People" bulk timetables (as transcribed in github.com/RichardAtCT/sourdoughr).
- r/Sourdough "The Bulk Fermentation Equation" (reddit.com/r/Sourdough/comments/1bgvi1a):
  target % = 240 - 7.83 T, 18-27 °C.
- "Sourdough temperature vs rise chart" (20 % starter, 1:1:1 starter doubling in ~4 h).
- The Bread Code (hendricius/the-bread-code): inoculation by kitchen temperature, 8-12 h bulk.
- The Perfect Loaf, "Beginner's Sourdough Bread" (20 % levain, 78 °F, ~4 h, 20-50 % rise).
- C. Robertson, Tartine Bread, "Basic Country Bread" (20 % leaven, 78-82 °F, 3-4 h, 20-30 %).
- J. Hamelman, Bread: cold retard 12-16 h; bwraith (The Fresh Loaf) "Sourdough Rise Time Table":
  white flour ~20 % slower than whole grain.
- Ratkowsky et al. (1982), square-root model of bacterial growth vs temperature.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "BulkEstimate",
    "Reading",
    "StarterPeak",
    "estimate_bulk_end",
    "predict_bulk_hours",
    "predicted_rise_pct",
    "starter_peak_hours",
    "suggest_cold_proof_hours",
    "target_rise_pct",
]

# ---------------------------------------------------------------------------------------------
# Constants (see the module docstring for where they come from)
# ---------------------------------------------------------------------------------------------

T_REF_C = 24.0  # reference temperature of the "reference hours" time-scale
T_MIN_C = -2.0  # Ratkowsky notional minimum growth temperature
LAG_H = 2.0  # lag before growth, in reference hours
LAG_SMOOTH_H = 0.5  # softness of the lag's corner
MU_PER_H = 0.15  # specific growth rate at T_REF_C
K_GAS = 320.0  # rise points produced per unit of (starter fraction x growth)
R_MAX_PCT = 300.0  # the jar's asymptotic rise

STARTER_RANGE_PCT = (1.0, 50.0)
TEMP_RANGE_C = (15.0, 32.0)
RISE_RANGE_PCT = (10.0, 200.0)

PRIOR_LOG_SD = 0.20  # spread of a dough's pace around the model (log scale), i.e. +-20 %

# The Sourdough Journey table: dough temperature -> target rise at the end of bulk.
_TARGET_TABLE: tuple[tuple[float, float], ...] = ((18.0, 100.0), (21.0, 75.0), (24.0, 50.0), (27.0, 30.0))
_TARGET_COLD_SLOPE = 5.0  # % per °C below 18 °C
_TARGET_COLD_MAX = 120.0
_TARGET_HOT_SLOPE = 2.0  # % per °C above 27 °C
_TARGET_HOT_MIN = 25.0

# Starter feed: ln(total mass / starter) -> peak hours at 22-24 °C (published midpoints).
_STARTER_TEMP_C = 23.0
_PEAK_TABLE: tuple[tuple[float, float], ...] = (
    (math.log(3.0), 5.0),  # 1:1:1   -> 4-6 h
    (math.log(5.0), 7.0),  # 1:2:2   -> 6-8 h
    (math.log(11.0), 11.0),  # 1:5:5 -> 10-12 h
    (math.log(21.0), 12.0),  # 1:10:10 -> about 12 h
)
_PEAK_HALF_WIDTH_H = 1.0  # the published ranges are about +-1 h around the midpoint
_PEAK_MIN_H = 1.0


def _clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def _finite(x: float) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def _interp(x: float, table: Sequence[tuple[float, float]]) -> float:
    """Piecewise-linear interpolation, extrapolating with the end segments' slopes."""
    segments = list(itertools.pairwise(table))
    (x0, y0), (x1, y1) = segments[-1]
    for seg in segments:
        if x <= seg[1][0]:
            (x0, y0), (x1, y1) = seg
            break
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


# ---------------------------------------------------------------------------------------------
# Target rise
# ---------------------------------------------------------------------------------------------


def target_rise_pct(dough_temp_c: float) -> float:
    """Default rise (%) to end bulk at, for dough at `dough_temp_c` (°C)."""
    t = float(dough_temp_c)
    if not math.isfinite(t):
        raise ValueError("dough temperature must be a finite number")
    lo_t, lo_r = _TARGET_TABLE[0]
    hi_t, hi_r = _TARGET_TABLE[-1]
    if t <= lo_t:
        return min(_TARGET_COLD_MAX, lo_r + _TARGET_COLD_SLOPE * (lo_t - t))
    if t >= hi_t:
        return max(_TARGET_HOT_MIN, hi_r - _TARGET_HOT_SLOPE * (t - hi_t))
    return _interp(t, _TARGET_TABLE)


_default_target = target_rise_pct  # reachable where a parameter shadows the name


# ---------------------------------------------------------------------------------------------
# The growth model
# ---------------------------------------------------------------------------------------------


def _speed(temp_c: float) -> float:
    """Fermentation speed relative to T_REF_C (Ratkowsky square-root model), range-clamped."""
    t = _clamp(temp_c, *TEMP_RANGE_C)
    return ((t - T_MIN_C) / (T_REF_C - T_MIN_C)) ** 2


def _softplus(x: float) -> float:
    z = x / LAG_SMOOTH_H
    if z > 30.0:
        return x
    return LAG_SMOOTH_H * math.log1p(math.exp(z))


def _inv_softplus(y: float) -> float:
    z = y / LAG_SMOOTH_H
    if z > 30.0:
        return y + LAG_SMOOTH_H * math.log1p(-math.exp(-z))
    return LAG_SMOOTH_H * math.log(math.expm1(z))


_X0 = _softplus(-LAG_H)
_E0 = math.exp(MU_PER_H * _X0)


def _gas_for_rise(rise_pct: float) -> float:
    r = _clamp(rise_pct, 0.0, 0.999 * R_MAX_PCT)
    return -R_MAX_PCT * math.log1p(-r / R_MAX_PCT)


def _rise_at_ref_hours(tau: float, starter_frac: float) -> float:
    x = _softplus(max(tau, 0.0) - LAG_H)
    gas = K_GAS * starter_frac * (math.exp(min(MU_PER_H * x, 700.0)) - _E0)
    return R_MAX_PCT * -math.expm1(-gas / R_MAX_PCT)


def _ref_hours_for_rise(rise_pct: float, starter_frac: float) -> float:
    gas = _gas_for_rise(rise_pct)
    x = math.log(gas / (K_GAS * starter_frac) + _E0) / MU_PER_H
    return LAG_H + _inv_softplus(x)


def _starter_frac(starter_pct: float) -> float:
    return _clamp(float(starter_pct), *STARTER_RANGE_PCT) / 100.0


def predict_bulk_hours(starter_pct: float, dough_temp_c: float, target_rise_pct: float) -> float:
    """Expected hours from mixing until the aliquot jar shows `target_rise_pct`.

    Starter near peak; `starter_pct` is baker's % of flour. Inputs are clamped to
    starter 1-50 %, dough 15-32 °C, target 10-200 %.
    """
    for v in (starter_pct, dough_temp_c, target_rise_pct):
        if not _finite(v):
            raise ValueError("inputs must be finite numbers")
    s = _starter_frac(starter_pct)
    r = _clamp(float(target_rise_pct), *RISE_RANGE_PCT)
    return _ref_hours_for_rise(r, s) / _speed(float(dough_temp_c))


def predicted_rise_pct(hours: float, starter_pct: float, dough_temp_c: float) -> float:
    """The model's rise curve: rise (%) after `hours` from mixing. Inverse of predict_bulk_hours."""
    for v in (hours, starter_pct, dough_temp_c):
        if not _finite(v):
            raise ValueError("inputs must be finite numbers")
    tau = max(float(hours), 0.0) * _speed(float(dough_temp_c))
    return _rise_at_ref_hours(tau, _starter_frac(starter_pct))


# ---------------------------------------------------------------------------------------------
# Estimating the end of bulk from aliquot-jar readings
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    hours: float  # since mixing
    rise_pct: float  # aliquot jar rise, %


@dataclass(frozen=True)
class BulkEstimate:
    target_rise_pct: float
    eta_hours: float  # hours from mixing when the target is (or was) reached; best guess
    low_hours: float  # uncertainty band (about +-1 sd; never wider than the prior's +-20 %)
    high_hours: float
    passed: bool  # readings already at/over the target
    over_fermented: bool  # well past the target, or collapsing after a peak
    basis: str  # "prior" or "readings"
    readings_used: int
    pace_factor: float = 1.0  # fitted time-scale vs the uncalibrated model (1.3 = 30 % slower)


_NOISE_ABS = 3.0  # aliquot readings: a few points of noise...
_NOISE_REL = 0.05  # ...plus a few percent of the reading
_HUBER_C = 1.5
_Z_BAND = 1.0  # band = +-1 sd in log time (the prior band is then about +-20 %)
_SHAPE_LOG_SD = 0.15  # curve-shape uncertainty far from the target, shrinking as it nears
_OVER_FACTOR = 1.3
_COLLAPSE_ABS = 10.0
_COLLAPSE_REL = 0.15
_MIN_PEAK_FOR_COLLAPSE = 20.0
_K_BOUNDS = (0.2, 5.0)


def _usable(readings: Sequence[Reading]) -> list[Reading]:
    out = []
    for r in readings:
        h, v = getattr(r, "hours", None), getattr(r, "rise_pct", None)
        if h is None or v is None or not _finite(h) or not _finite(v):
            continue
        if h <= 0.0 or h > 96.0 or v < -50.0 or v > 500.0:
            continue
        out.append(Reading(float(h), float(v)))
    out.sort(key=lambda r: r.hours)
    return out


def _noise(r: float) -> float:
    return _NOISE_ABS + _NOISE_REL * abs(r)


def _collapsed(rs: Sequence[Reading]) -> bool:
    """A clear drop after a peak, bigger than the jar's noise, still visible at the end."""
    if len(rs) < 2:
        return False
    peak_i = max(range(len(rs)), key=lambda i: rs[i].rise_pct)
    peak = rs[peak_i].rise_pct
    if peak_i == len(rs) - 1 or peak < _MIN_PEAK_FOR_COLLAPSE:
        return False
    drop = peak - rs[-1].rise_pct
    return drop >= max(_COLLAPSE_ABS, _COLLAPSE_REL * peak)


def _over_target(rs: Sequence[Reading], target: float) -> bool:
    limit = _OVER_FACTOR * target
    above = [r for r in rs if r.rise_pct >= limit]
    if not above:
        return False
    return len(above) >= 2 or rs[-1].rise_pct >= limit or max(r.rise_pct for r in above) >= limit + 5.0


def _crossing(rs: Sequence[Reading], target: float) -> tuple[float, float, float] | None:
    """(eta, low, high) of the first credible crossing of the target, if any."""
    for i, r in enumerate(rs):
        if r.rise_pct < target:
            continue
        later = rs[i + 1 :]
        margin = max(3.0, 0.05 * target)
        isolated_spike = (
            bool(later)
            and all(x.rise_pct < target - margin for x in later)
            and later[-1].rise_pct >= later[0].rise_pct
            and not _collapsed(rs)
        )
        if isolated_spike:
            continue  # one noisy high reading, and the dough is still climbing below target
        t_prev, r_prev = (rs[i - 1].hours, rs[i - 1].rise_pct) if i > 0 else (0.0, 0.0)
        if r.rise_pct > r_prev and r_prev < target:
            eta = t_prev + (target - r_prev) / (r.rise_pct - r_prev) * (r.hours - t_prev)
        else:
            eta = r.hours
        return eta, min(t_prev, eta), r.hours
    return None


FIT_READINGS = 12


def _fit_pace(
    rs: Sequence[Reading], starter_pct: float, temp_c: float, prior_log_k: float
) -> tuple[float, float]:
    """Robust MAP fit of the log time-scale u (rise(t) = model(t / e^u)); returns (u, sd_u).

    It runs on every reading, so it stays cheap: the most recent FIT_READINGS readings (older
    ones already weigh little), and the model's curve with its factors computed once."""
    rs = rs[-FIT_READINGS:]
    t_last = rs[-1].hours
    speed, frac = _speed(temp_c), _starter_frac(starter_pct)
    data = [(r.hours * speed, r.rise_pct, 1.0 / _noise(r.rise_pct), 0.4 + 0.6 * r.hours / t_last) for r in rs]

    def objective(u: float) -> float:
        k = math.exp(u)
        total = 0.5 * ((u - prior_log_k) / PRIOR_LOG_SD) ** 2
        for tau, y, inv_sd, w in data:
            z = abs((y - _rise_at_ref_hours(tau / k, frac)) * inv_sd)
            total += w * (0.5 * z * z if z <= _HUBER_C else _HUBER_C * (z - 0.5 * _HUBER_C))
        return total

    # A coarse grid finds the basin, golden-section search polishes it: 22 steps shrink the
    # bracket ~4e-5 times, far below what the readings can tell (it runs on every reading).
    lo, hi = math.log(_K_BOUNDS[0]), math.log(_K_BOUNDS[1])
    n = 32
    grid = [lo + (hi - lo) * i / n for i in range(n + 1)]
    vals = [objective(u) for u in grid]
    i = min(range(len(grid)), key=vals.__getitem__)
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, n)]
    g = (math.sqrt(5.0) - 1.0) / 2.0
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = objective(c), objective(d)
    for _ in range(22):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = objective(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = objective(d)
    u = (a + b) / 2.0
    h = 1e-3
    curv = (objective(u + h) - 2.0 * objective(u) + objective(u - h)) / (h * h)
    curv = max(curv, 1.0 / PRIOR_LOG_SD**2)
    return u, 1.0 / math.sqrt(curv)


def estimate_bulk_end(
    readings: Sequence[Reading],
    target_rise_pct: float,
    *,
    starter_pct: float = 20.0,
    dough_temp_c: float | None = None,
    prior_hours: float | None = None,
) -> BulkEstimate:
    """When will (or did) this dough reach `target_rise_pct`?

    With fewer than two usable readings: the a-priori model (or `prior_hours`, e.g. a calibrated
    prediction) with a band of about +-20 % (x/÷ e^0.2). Otherwise the bake's own pace is fitted
    to the readings.
    `dough_temp_c` defaults to 24 °C.
    """
    if not _finite(target_rise_pct) or target_rise_pct <= 0:
        raise ValueError("target rise must be a positive number")
    if not _finite(starter_pct) or starter_pct <= 0:
        raise ValueError("starter percentage must be a positive number")
    target = float(target_rise_pct)
    temp = T_REF_C if dough_temp_c is None or not _finite(dough_temp_c) else float(dough_temp_c)
    model_h = predict_bulk_hours(starter_pct, temp, target)
    prior_h = model_h
    if prior_hours is not None and _finite(prior_hours) and prior_hours > 0:
        prior_h = float(prior_hours)
    prior_log_k = math.log(_clamp(prior_h / model_h, *_K_BOUNDS))

    rs = _usable(readings)
    n = len(rs)
    over = _over_target(rs, target) or _collapsed(rs)
    crossing = _crossing(rs, target)

    if crossing is not None:
        eta, low, high = crossing
        return BulkEstimate(
            target_rise_pct=target,
            eta_hours=eta,
            low_hours=low,
            high_hours=high,
            passed=True,
            over_fermented=over,
            basis="readings" if n >= 2 else "prior",
            readings_used=n,
            pace_factor=eta / model_h if n >= 2 else prior_h / model_h,
        )

    if n < 2:
        eta = prior_h
        if rs:
            eta = max(eta, rs[-1].hours)
        spread = math.exp(_Z_BAND * PRIOR_LOG_SD)  # the model's typical error, about +-20 %
        return BulkEstimate(
            target_rise_pct=target,
            eta_hours=eta,
            low_hours=max(eta / spread, rs[-1].hours if rs else 0.0),
            high_hours=eta * spread,
            passed=False,
            over_fermented=over,
            basis="prior",
            readings_used=n,
            pace_factor=prior_h / model_h,
        )

    t_last = rs[-1].hours
    if _collapsed(rs):
        # It peaked below the target and is falling: the moment to end bulk was the peak.
        peak = max(rs, key=lambda r: r.rise_pct)
        return BulkEstimate(
            target_rise_pct=target,
            eta_hours=peak.hours,
            low_hours=peak.hours,
            high_hours=peak.hours,
            passed=False,
            over_fermented=True,
            basis="readings",
            readings_used=n,
            pace_factor=peak.hours / model_h,
        )

    u, sd_fit = _fit_pace(rs, starter_pct, temp, prior_log_k)
    k = math.exp(u)
    eta = k * model_h
    # Shape uncertainty: large when extrapolating from early readings, small near the target.
    level = predicted_rise_pct(t_last / k, starter_pct, temp)
    progress = _clamp(level / target, 0.0, 1.0)
    sd = min(math.hypot(sd_fit, _SHAPE_LOG_SD * (1.0 - progress)), PRIOR_LOG_SD)
    floor = t_last + 1.0 / 60.0  # the last reading was below the target
    if eta < floor:
        eta = floor
    low = min(max(t_last, eta * math.exp(-_Z_BAND * sd)), eta)
    high = eta * math.exp(_Z_BAND * sd)
    return BulkEstimate(
        target_rise_pct=target,
        eta_hours=eta,
        low_hours=low,
        high_hours=max(high, eta),
        passed=False,
        over_fermented=over,
        basis="readings",
        readings_used=n,
        pace_factor=k,
    )


# ---------------------------------------------------------------------------------------------
# Starter peak
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StarterPeak:
    low_hours: float
    peak_hours: float
    high_hours: float


def starter_peak_hours(starter: float, flour: float, water: float, temp_c: float = 23.0) -> StarterPeak:
    """When a starter fed starter:flour:water (any unit) at `temp_c` peaks."""
    for v in (starter, flour, water, temp_c):
        if not _finite(v):
            raise ValueError("feed amounts and temperature must be finite numbers")
    if starter <= 0 or flour <= 0 or water <= 0:
        raise ValueError("starter, flour and water must all be positive")
    dilution = math.log((starter + flour + water) / starter)
    peak_ref = max(_interp(dilution, _PEAK_TABLE), _PEAK_MIN_H + _PEAK_HALF_WIDTH_H)
    scale = _speed(_STARTER_TEMP_C) / _speed(float(temp_c))
    return StarterPeak(
        low_hours=(peak_ref - _PEAK_HALF_WIDTH_H) * scale,
        peak_hours=peak_ref * scale,
        high_hours=(peak_ref + _PEAK_HALF_WIDTH_H) * scale,
    )


# ---------------------------------------------------------------------------------------------
# Cold proof
# ---------------------------------------------------------------------------------------------

_COLD_BASE_H = 14.0  # middle of Hamelman's 12-16 h, for dough shaped at 24 °C at its target
_COLD_PER_DEG_H = 0.9  # warm dough keeps fermenting longer while it cools
_COLD_OVER_H = 8.0  # hours less per 100 % of target over-shoot
_COLD_UNDER_H = 4.0  # hours more per 100 % of target under-shoot
_COLD_VIGOUR_H = 1.5  # per e-fold of bulk speed vs an 8 h bulk
_COLD_REF_BULK_H = 8.0
_COLD_RANGE_H = (8.0, 24.0)


def suggest_cold_proof_hours(
    dough_temp_c: float,
    bulk_hours: float,
    rise_pct: float | None = None,
    target_rise_pct: float | None = None,
) -> float:
    """Suggested cold-proof (fridge) length in hours, 8-24, rounded to the half hour.

    Warmer dough, dough risen further past its target, and dough that finished bulk faster
    (a livelier ferment) all get less time; never more.
    """
    if not _finite(dough_temp_c) or not _finite(bulk_hours):
        raise ValueError("temperature and bulk hours must be finite numbers")
    hours = _COLD_BASE_H - _COLD_PER_DEG_H * (float(dough_temp_c) - T_REF_C)
    if rise_pct is not None and _finite(rise_pct):
        target = target_rise_pct if target_rise_pct is not None and _finite(target_rise_pct) else None
        if target is None or target <= 0:
            target = _default_target(dough_temp_c)
        ratio = _clamp(float(rise_pct) / float(target), 0.5, 2.0)
        if ratio > 1.0:
            hours -= _COLD_OVER_H * (ratio - 1.0)
        else:
            hours += _COLD_UNDER_H * (1.0 - ratio)
    bulk = max(float(bulk_hours), 0.5)
    hours -= _clamp(_COLD_VIGOUR_H * math.log(_COLD_REF_BULK_H / bulk), -2.0, 2.0)
    hours = _clamp(hours, *_COLD_RANGE_H)
    return round(hours * 2.0) / 2.0
