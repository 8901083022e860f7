"""A small, pure model of sourdough fermentation from the fridge to a hot kitchen: how long bulk
takes, when to stop it, and how much the dough still ferments while the fridge cools it.

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

    G(tau) = K * s * (exp(mu * x(tau)) - exp(mu * x(0)))    x(tau) = softplus(tau - LAG)
    rise   = R_MAX * (1 - exp(-G / R_MAX))
    tau(t) = integral of speed(T(u)) du from 0 to t           "thermal time", in hours at 24 °C

Inverting it gives `predict_bulk_hours`: ``tau = LAG + ln(1 + G(rise) / (K s)) / mu`` (with the
smooth lag), so halving the starter adds a roughly constant number of hours, as bakers
observe, rather than doubling the time. At a constant temperature ``tau = t * speed(T)``; when
the baker logs temperatures during bulk, ``T(u)`` is the logged temperature time line (linear
between readings, the first before it and the last after it) and the hours follow from the
integral, so a kitchen that warms up in the afternoon is not read as the latest temperature
applied to the whole bake.

**Temperature: cardinal temperatures (2-35 °C).** ``speed(T)`` is built on the cardinal
temperature model with inflection (CTMI, Rosso et al. 1993), which needs only the minimum,
optimum and maximum temperature of growth:

    CTMI(T) = (T - Tmax)(T - Tmin)^2 /
              ((Topt - Tmin)((Topt - Tmin)(T - Topt) - (Topt - Tmax)(Topt + Tmin - 2T)))

between Tmin and Tmax, 0 outside. Sourdough rises from the gas of both of its microbes, so the
response is an equal mix (YEAST_SHARE) of the two published curves (Gänzle, Ehmann & Hammes
1998; Brandt, Hammes & Gänzle 2004):

- sourdough yeast (C./K. humilis): Tmin 8 °C, Topt 27.5 °C, Tmax 35 °C (no growth at 8 and
  35 °C; generation time doubled at 20 and 32 °C, quadrupled at 14 and 34 °C);
- L. sanfranciscensis: Tmin 4 °C, Topt 32.5 °C, Tmax 41 °C (no growth at 4 and 41 °C;
  doubled at 20 and 37 °C, quadrupled at 15 and 39 °C).

With these points CTMI gives half the optimum rate at 20 °C for both (0.62 and 0.49) and about a
quarter at 14-15 °C (0.19 and 0.25), as published. The mix is steep in the cold (Q10 about
3.3 at 15-25 °C, 2.2 at 18-28 °C: a simple Q10 fitted at 18-28 °C underestimates how slow cold
dough is) and flat near its optimum (about 29 °C).

Two additions make it a model of *dough* rather than of growth in broth:

- **Residual activity below the growth minimum.** CTMI is zero at 4 °C, but dough in a 2-4 °C
  fridge still proofs (12-48 h retards work). A constant residual rate ``RESIDUAL`` (a fraction
  of the optimum growth rate) stands for the metabolism of cells that no longer grow. Its value
  (0.062) is set by one fact from sourdough.md and checked against two others: "at 10 °C, about
  8 h at most; at 6 °C, up to about 18 h" means the same fermentation in both (with the loaf
  cooling from 24 °C, below), which holds for RESIDUAL = 0.062; then a 4 °C fridge is ~14x
  slower than 24 °C ("~10-13x" is quoted) and ~70 % of a 12 h cold proof's fermentation
  happens in its first 4 h ("much of it in the first ~4 h").
- **No slowing above the optimum.** Between the optimum (~29 °C) and 35 °C the speed is held
  at its maximum instead of falling to zero at the yeast's Tmax: the CTMI decline describes
  cultures held there for a whole generation, a dough is rarely above 30 °C, and bakers' charts
  show warm dough finishing fastest. This keeps the model's promise over 2-35 °C: colder is
  never faster.

**Cold proof.** A shaped loaf put in the fridge cools over hours, not minutes: its temperature
is modelled as ``T(t) = T_fridge + (T_dough - T_fridge) exp(-t / FRIDGE_COOLING_TAU_H)`` with a
time constant of 2.5 h, from sourdough.md's "needs ~10 h to cool all the way through" (about
four time constants brings the core within ~0.5 °C). The cold proof's fermentation is the
thermal time integrated along that curve (`cold_proof_ref_hours`), so the model says how much
the dough still rises in the fridge (`cold_proof_rise_pct`; most of it in the first hours) and
how long it can stay (`max_cold_proof_hours`: the fermentation of 8 h at 10 °C, the published
limit, equal to 18 h at 6 °C; about a day at 2-4 °C). The fridge temperature is the baker's
setting (default 4 °C).

**Constants** were fitted in log-time least squares to the "fit" rows of
``bench/data/bulk_times.csv`` with physical bounds (mu 0.12-0.4 /h, lag 0.5-3 h), ``R_MAX`` held at
300 % (a jar rarely triples before collapsing) and the cardinal temperatures held at their
published values; see PARAMS. bench/bench_fermentation.py refits them leaving one source out at
a time and reports the error on the source left out. Flour (white ~20 % slower than whole grain)
and starter vigour are left to the per-baker calibration (schedules.calibration).

**Estimator.** A baker's dough runs at its own pace (starter vigour, flour, a drifting room), so
`estimate_bulk_end` fits one factor ``k`` on thermal time (``rise(t) = curve(tau(t) / k)``) to
the aliquot-jar readings: a Huber (robust) loss on residuals scaled by the jar's noise
(~3 points + 5 %), recent readings weighted more, and a log-normal prior on ``k`` centred on the
a-priori or calibrated time, with a spread that comes from the baker's own history when there
is one (``prior_log_sd``, schedules.calibration.prior_log_sd; 0.20 otherwise). The prior
dominates while readings are few and early. The band is +-1 sd in log time: the fit's
curvature (Laplace) combined with a shape term that shrinks as the readings approach the
target, never wider than the prior's. A lower reading is data, not an error; a clear drop
after a peak flags over-fermentation; once a reading reaches the target, the crossing time is
interpolated.

**Starter peak.** Feed ratio sets how far the culture is diluted; peak time grows with the log
of the dilution. `starter_peak_hours` interpolates the published midpoints at 22-24 °C
(1:1:1 -> 5 h, 1:2:2 -> 7 h, 1:5:5 -> 11 h, 1:10:10 -> 12 h) in ``ln(total / starter)`` and
scales by the same ``speed(T)``.

Sources
=======
- /work/shared/sourdough.md (the project's collected facts).
- T. Rosso, J. R. Lobry, J. P. Flandrois (1993), "An unexpected correlation between cardinal
  temperatures of microbial growth highlighted by a new model", Journal of Theoretical Biology
  162:447-463 (the CTMI).
- M. G. Gänzle, M. Ehmann, W. P. Hammes (1998), "Modeling of growth of Lactobacillus
  sanfranciscensis and Candida milleri in response to process parameters of sourdough
  fermentation", Applied and Environmental Microbiology 64:2616-2623 (cardinal temperatures).
- M. J. Brandt, W. P. Hammes, M. G. Gänzle (2004), "Effects of process parameters on growth and
  metabolism of Lactobacillus sanfranciscensis and Candida humilis during rye sourdough
  fermentation", European Food Research and Technology 218:333-338.
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
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = [
    "PARAMS",
    "BulkEstimate",
    "Params",
    "Reading",
    "StarterPeak",
    "cold_proof_ref_hours",
    "cold_proof_rise_pct",
    "ctmi",
    "estimate_bulk_end",
    "fridge_dough_temp_c",
    "hours_to_rise",
    "max_cold_proof_hours",
    "model_hours_along",
    "predict_bulk_hours",
    "predicted_rise_pct",
    "relative_speed",
    "rise_along",
    "starter_peak_hours",
    "suggest_cold_proof_hours",
    "target_rise_pct",
    "temp_for_relative_speed",
    "thermal_hours",
]

# ---------------------------------------------------------------------------------------------
# Constants (see the module docstring for where they come from)
# ---------------------------------------------------------------------------------------------

T_REF_C = 24.0  # reference temperature of thermal time ("hours at 24 °C")
LAG_SMOOTH_H = 0.5  # softness of the lag's corner

# Cardinal temperatures (Tmin, Topt, Tmax) of growth, °C (Gänzle et al. 1998; Brandt et al. 2004).
YEAST_CARDINAL_C = (8.0, 27.5, 35.0)  # Candida (Kazachstania) humilis
LAB_CARDINAL_C = (4.0, 32.5, 41.0)  # Lactobacillus (Fructilactobacillus) sanfranciscensis


@dataclass(frozen=True)
class Params:
    """The model's fitted constants (the bench refits them leaving one source out)."""

    lag_h: float = 1.55  # lag before growth, in hours at T_REF_C
    mu_per_h: float = 0.15  # specific growth rate at T_REF_C (at its lower bound)
    k_gas: float = 292.0  # rise points produced per unit of (starter fraction x growth)
    r_max_pct: float = 300.0  # the jar's asymptotic rise
    yeast_share: float = 0.5  # share of the yeast's curve in the temperature response
    residual: float = 0.062  # activity below the growth minimum, as a fraction of the optimum rate


PARAMS = Params()

STARTER_RANGE_PCT = (1.0, 50.0)
TEMP_RANGE_C = (2.0, 35.0)
RISE_RANGE_PCT = (10.0, 200.0)

PRIOR_LOG_SD = 0.20  # spread of a dough's pace around the model (log scale), i.e. +-20 %
FRIDGE_COOLING_TAU_H = 2.5  # a shaped loaf's cooling time constant ("~10 h to cool through")
DEFAULT_FRIDGE_C = 4.0
# The most a cold proof should ferment: what 8 h in a 10 °C fridge does to dough shaped at 24 °C
# (sourdough.md: "at 10 °C about 8 h at most; at 6 °C up to about 18 h").
_COLD_LIMIT = (T_REF_C, 10.0, 8.0)
_COLD_MAX_H = 72.0

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
# Temperature: cardinal temperatures
# ---------------------------------------------------------------------------------------------


def ctmi(temp_c: float, t_min: float, t_opt: float, t_max: float) -> float:
    """Rosso et al.'s (1993) cardinal temperature model with inflection: growth rate relative to
    the optimum (1 at `t_opt`, 0 at and beyond `t_min` and `t_max`)."""
    t = float(temp_c)
    if t <= t_min or t >= t_max:
        return 0.0
    num = (t - t_max) * (t - t_min) ** 2
    den = (t_opt - t_min) * ((t_opt - t_min) * (t - t_opt) - (t_opt - t_max) * (t_opt + t_min - 2.0 * t))
    return max(num / den, 0.0)


def _raw_speed(t: float, share: float, residual: float) -> float:
    return share * ctmi(t, *YEAST_CARDINAL_C) + (1.0 - share) * ctmi(t, *LAB_CARDINAL_C) + residual


@functools.lru_cache(maxsize=64)
def _shape(share: float, residual: float) -> tuple[float, float]:
    """(the optimum temperature of the mix, its raw speed at T_REF_C) for these constants."""
    grid = [20.0 + 0.01 * i for i in range(1501)]
    t_opt = max(grid, key=lambda t: _raw_speed(t, share, residual))
    return t_opt, _raw_speed(T_REF_C, share, residual)


def _speed(temp_c: float, p: Params = PARAMS) -> float:
    """Fermentation speed relative to T_REF_C: the CTMI mix plus residual activity, over 2-35 °C,
    held at its maximum above the optimum (never faster when colder)."""
    t_opt, ref = _shape(p.yeast_share, p.residual)
    t = min(_clamp(temp_c, *TEMP_RANGE_C), t_opt)
    return _raw_speed(t, p.yeast_share, p.residual) / ref


def relative_speed(temp_c: float) -> float:
    """How fast dough at `temp_c` ferments compared with 24 °C (1.0); 2-35 °C, clamped outside."""
    if not _finite(temp_c):
        raise ValueError("temperature must be a finite number")
    return _speed(float(temp_c))


def temp_for_relative_speed(ratio: float) -> float:
    """The coolest temperature (2 °C to the optimum) at which dough ferments `ratio` times as fast
    as at 24 °C; the ends of that range when the ratio is out of reach."""
    t_opt, _ = _shape(PARAMS.yeast_share, PARAMS.residual)
    lo, hi = TEMP_RANGE_C[0], t_opt
    if ratio <= _speed(lo):
        return lo
    if ratio >= _speed(hi):
        return hi
    for _ in range(50):
        mid = (lo + hi) / 2.0
        if _speed(mid) < ratio:
            lo = mid
        else:
            hi = mid
    return hi


# ---------------------------------------------------------------------------------------------
# Thermal time along a temperature time line
# ---------------------------------------------------------------------------------------------

_GL3 = ((-math.sqrt(0.6), 5.0 / 9.0), (0.0, 8.0 / 9.0), (math.sqrt(0.6), 5.0 / 9.0))
_STEP_H = 0.5


def _integrate(temp_at: Callable[[float], float], a: float, b: float, p: Params) -> float:
    """Integral of speed(T(u)) over [a, b] (T smooth there), Gauss-Legendre on half-hour pieces."""
    if b <= a:
        return 0.0
    n = max(1, math.ceil((b - a) / _STEP_H))
    width = (b - a) / n
    total = 0.0
    for i in range(n):
        mid = a + (i + 0.5) * width
        half = width / 2.0
        total += half * sum(w * _speed(temp_at(mid + x * half), p) for x, w in _GL3)
    return total


class _Profile:
    """A temperature time line (hours since mixing, °C): linear between points, the first value
    before them and the last after them; with thermal time (hours at 24 °C) and its inverse."""

    def __init__(self, points: Sequence[tuple[float, float]], p: Params = PARAMS) -> None:
        clean = sorted(
            (float(h), _clamp(float(t), -10.0, 60.0)) for h, t in points if _finite(h) and _finite(t)
        )
        if not clean:
            clean = [(0.0, T_REF_C)]
        self.p = p
        self.hours = [h for h, _ in clean]
        self.temps = [t for _, t in clean]
        self.cum = [0.0]  # thermal time at each point, from the first
        for (h0, t0), (h1, t1) in itertools.pairwise(clean):
            self.cum.append(self.cum[-1] + self._segment(h0, t0, h1, t1, h0, h1))

    def _segment(self, h0: float, t0: float, h1: float, t1: float, a: float, b: float) -> float:
        if t0 == t1 or h1 <= h0:
            return _speed(t0, self.p) * max(b - a, 0.0)
        return _integrate(lambda h: t0 + (t1 - t0) * (h - h0) / (h1 - h0), a, b, self.p)

    def temp_at(self, hours: float) -> float:
        i = bisect.bisect_right(self.hours, hours)
        if i == 0:
            return self.temps[0]
        if i == len(self.hours):
            return self.temps[-1]
        h0, h1, t0, t1 = self.hours[i - 1], self.hours[i], self.temps[i - 1], self.temps[i]
        return t0 + (t1 - t0) * (hours - h0) / (h1 - h0) if h1 > h0 else t1

    def _from_first(self, hours: float) -> float:
        """Thermal time from the first point to `hours` (negative before it)."""
        first = self.hours[0]
        if hours <= first:
            return -_speed(self.temps[0], self.p) * (first - hours)
        i = bisect.bisect_right(self.hours, hours) - 1
        if i >= len(self.hours) - 1:
            return self.cum[-1] + _speed(self.temps[-1], self.p) * (hours - self.hours[-1])
        h0, h1, t0, t1 = self.hours[i], self.hours[i + 1], self.temps[i], self.temps[i + 1]
        return self.cum[i] + self._segment(h0, t0, h1, t1, h0, hours)

    def tau(self, hours: float, start: float = 0.0) -> float:
        """Thermal time from `start` to `hours`."""
        return max(self._from_first(hours) - self._from_first(start), 0.0)

    def time_for_tau(self, tau: float, start: float = 0.0) -> float:
        """The hour at which the thermal time since `start` reaches `tau`."""
        goal = self._from_first(start) + max(tau, 0.0)
        last = self.hours[-1]
        if start >= last or goal >= self.cum[-1]:
            base = max(last, start)
            return base + (goal - self._from_first(base)) / _speed(self.temps[-1], self.p)
        lo, hi = start, last
        for _ in range(60):
            mid = (lo + hi) / 2.0
            if self._from_first(mid) < goal:
                lo = mid
            else:
                hi = mid
        return hi


def thermal_hours(
    temperatures: Sequence[tuple[float, float]], until_hours: float, *, start_hours: float = 0.0
) -> float:
    """Thermal time (hours at 24 °C) between `start_hours` and `until_hours` along a temperature
    time line of (hours since mixing, °C) points: linear between them, constant outside."""
    if not _finite(until_hours) or not _finite(start_hours):
        raise ValueError("hours must be finite numbers")
    return _Profile(temperatures).tau(float(until_hours), float(start_hours))


# ---------------------------------------------------------------------------------------------
# The growth model
# ---------------------------------------------------------------------------------------------


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


def _e0(p: Params) -> float:
    return math.exp(p.mu_per_h * _softplus(-p.lag_h))


def _gas_for_rise(rise_pct: float, p: Params = PARAMS) -> float:
    r = _clamp(rise_pct, 0.0, 0.999 * p.r_max_pct)
    return -p.r_max_pct * math.log1p(-r / p.r_max_pct)


def _rise_at_ref_hours(tau: float, starter_frac: float, p: Params = PARAMS) -> float:
    x = _softplus(max(tau, 0.0) - p.lag_h)
    gas = p.k_gas * starter_frac * (math.exp(min(p.mu_per_h * x, 700.0)) - _e0(p))
    return p.r_max_pct * -math.expm1(-gas / p.r_max_pct)


def _ref_hours_for_rise(rise_pct: float, starter_frac: float, p: Params = PARAMS) -> float:
    gas = _gas_for_rise(rise_pct, p)
    x = math.log(gas / (p.k_gas * starter_frac) + _e0(p)) / p.mu_per_h
    return p.lag_h + _inv_softplus(x)


def _starter_frac(starter_pct: float) -> float:
    return _clamp(float(starter_pct), *STARTER_RANGE_PCT) / 100.0


def bulk_hours_with(p: Params, starter_pct: float, dough_temp_c: float, rise_pct: float) -> float:
    """`predict_bulk_hours` with other constants (the bench's leave-one-source-out refits)."""
    s = _starter_frac(starter_pct)
    r = _clamp(float(rise_pct), *RISE_RANGE_PCT)
    return _ref_hours_for_rise(r, s, p) / _speed(float(dough_temp_c), p)


def predict_bulk_hours(starter_pct: float, dough_temp_c: float, target_rise_pct: float) -> float:
    """Expected hours from mixing until the aliquot jar shows `target_rise_pct`, at a constant
    `dough_temp_c`.

    Starter near peak; `starter_pct` is baker's % of flour. Inputs are clamped to
    starter 1-50 %, dough 2-35 °C, target 10-200 %.
    """
    for v in (starter_pct, dough_temp_c, target_rise_pct):
        if not _finite(v):
            raise ValueError("inputs must be finite numbers")
    return bulk_hours_with(PARAMS, starter_pct, dough_temp_c, target_rise_pct)


def predicted_rise_pct(hours: float, starter_pct: float, dough_temp_c: float) -> float:
    """The model's rise curve: rise (%) after `hours` from mixing. Inverse of predict_bulk_hours."""
    for v in (hours, starter_pct, dough_temp_c):
        if not _finite(v):
            raise ValueError("inputs must be finite numbers")
    tau = max(float(hours), 0.0) * _speed(float(dough_temp_c))
    return _rise_at_ref_hours(tau, _starter_frac(starter_pct))


def rise_along(
    hours: float, starter_pct: float, temperatures: Sequence[tuple[float, float]], pace: float = 1.0
) -> float:
    """Rise (%) after `hours` along a temperature time line, for a dough `pace` times as slow as
    the model (1.3: takes 30 % longer)."""
    if not _finite(hours) or not _finite(pace) or pace <= 0:
        raise ValueError("hours and pace must be finite, pace positive")
    tau = _Profile(temperatures).tau(max(float(hours), 0.0))
    return _rise_at_ref_hours(tau / pace, _starter_frac(starter_pct))


def hours_to_rise(
    starter_pct: float, rise_pct: float, temperatures: Sequence[tuple[float, float]], pace: float = 1.0
) -> float:
    """Hours from mixing until `rise_pct` along a temperature time line (the last temperature
    holds after the last point), for a dough `pace` times as slow as the model."""
    if not _finite(rise_pct) or not _finite(pace) or pace <= 0:
        raise ValueError("rise and pace must be finite, pace positive")
    need = _ref_hours_for_rise(_clamp(float(rise_pct), *RISE_RANGE_PCT), _starter_frac(starter_pct))
    return _Profile(temperatures).time_for_tau(need * pace)


def model_hours_along(
    starter_pct: float, rise_pct: float, temperatures: Sequence[tuple[float, float]], until_hours: float
) -> float:
    """The model's hours to `rise_pct` at the mean speed of a temperature time line over
    [0, `until_hours`]: what a finished bake's real bulk time is compared with when it learns."""
    if not _finite(until_hours) or until_hours <= 0:
        raise ValueError("until_hours must be a positive number")
    mean_speed = _Profile(temperatures).tau(float(until_hours)) / float(until_hours)
    need = _ref_hours_for_rise(_clamp(float(rise_pct), *RISE_RANGE_PCT), _starter_frac(starter_pct))
    return need / max(mean_speed, 1e-6)


# ---------------------------------------------------------------------------------------------
# The cold proof
# ---------------------------------------------------------------------------------------------


def fridge_dough_temp_c(hours: float, dough_temp_c: float, fridge_temp_c: float) -> float:
    """The loaf's temperature `hours` after it went into the fridge (Newtonian cooling)."""
    return fridge_temp_c + (dough_temp_c - fridge_temp_c) * math.exp(-max(hours, 0.0) / FRIDGE_COOLING_TAU_H)


@functools.lru_cache(maxsize=4096)
def _cold_ref_hours(dough_temp_c: float, fridge_temp_c: float, hours: float) -> float:
    cooling = min(hours, 8.0 * FRIDGE_COOLING_TAU_H)  # after that the loaf is at fridge temperature
    total = _integrate(lambda h: fridge_dough_temp_c(h, dough_temp_c, fridge_temp_c), 0.0, cooling, PARAMS)
    return total + _speed(fridge_temp_c) * max(hours - cooling, 0.0)


def cold_proof_ref_hours(dough_temp_c: float, fridge_temp_c: float, hours: float) -> float:
    """Thermal time (hours at 24 °C) a loaf shaped at `dough_temp_c` ferments during `hours` in
    a fridge at `fridge_temp_c`, cooling as it goes."""
    for v in (dough_temp_c, fridge_temp_c, hours):
        if not _finite(v):
            raise ValueError("inputs must be finite numbers")
    return _cold_ref_hours(
        round(float(dough_temp_c), 2), round(float(fridge_temp_c), 2), round(max(hours, 0.0), 3)
    )


def cold_proof_rise_pct(
    starter_pct: float,
    rise_at_fridge_pct: float,
    dough_temp_c: float,
    fridge_temp_c: float,
    hours: float,
    pace: float = 1.0,
) -> float:
    """The jar's rise at the end of `hours` in the fridge, for dough that went in at
    `rise_at_fridge_pct` (the model's curve continued along the cooling loaf)."""
    s = _starter_frac(starter_pct)
    start = _ref_hours_for_rise(_clamp(float(rise_at_fridge_pct), 0.1, 0.99 * PARAMS.r_max_pct), s)
    more = cold_proof_ref_hours(dough_temp_c, fridge_temp_c, hours) / max(pace, 0.05)
    return _rise_at_ref_hours(start + more, s)


def max_cold_proof_hours(dough_temp_c: float, fridge_temp_c: float = DEFAULT_FRIDGE_C) -> float:
    """The longest cold proof before the dough has fermented as much as 8 h at 10 °C would
    (sourdough.md's limit, which the model makes equal to 18 h at 6 °C); at most 72 h."""
    budget = cold_proof_ref_hours(*_COLD_LIMIT)
    if cold_proof_ref_hours(dough_temp_c, fridge_temp_c, _COLD_MAX_H) <= budget:
        return _COLD_MAX_H
    lo, hi = 0.0, _COLD_MAX_H
    for _ in range(40):
        mid = (lo + hi) / 2.0
        if cold_proof_ref_hours(dough_temp_c, fridge_temp_c, mid) <= budget:
            lo = mid
        else:
            hi = mid
    return lo


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
    data: Sequence[tuple[float, float, float]], frac: float, prior_log_k: float, prior_sd: float
) -> tuple[float, float]:
    """Robust MAP fit of the log pace u (rise = curve(tau / e^u)); returns (u, sd_u).

    `data` holds (thermal time, rise, weight) of the most recent FIT_READINGS readings (older ones
    already weigh little). It runs on every reading, so it stays cheap."""
    scaled = [(tau, y, 1.0 / _noise(y), w) for tau, y, w in data]

    def objective(u: float) -> float:
        k = math.exp(u)
        total = 0.5 * ((u - prior_log_k) / prior_sd) ** 2
        for tau, y, inv_sd, w in scaled:
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
    curv = max(curv, 1.0 / prior_sd**2)
    return u, 1.0 / math.sqrt(curv)


def estimate_bulk_end(
    readings: Sequence[Reading],
    target_rise_pct: float,
    *,
    starter_pct: float = 20.0,
    dough_temp_c: float | None = None,
    prior_hours: float | None = None,
    temperatures: Sequence[tuple[float, float]] | None = None,
    prior_log_sd: float | None = None,
) -> BulkEstimate:
    """When will (or did) this dough reach `target_rise_pct`?

    With fewer than two usable readings: the a-priori model (or `prior_hours`, e.g. a calibrated
    prediction) with a band of about +-1 prior sd (x/÷ e^0.2 by default). Otherwise the bake's
    own pace is fitted to the readings.

    `dough_temp_c` (default: the last logged temperature, else 24 °C) is the temperature the
    model's hours and `prior_hours` refer to. `temperatures`, the logged (hours since mixing,
    °C) time line, puts the readings and the ETA on thermal time; without it the dough is taken
    to have been at `dough_temp_c` throughout. `prior_log_sd` is the spread of this baker's
    pace around the prior (log scale; schedules.calibration.prior_log_sd).
    """
    if not _finite(target_rise_pct) or target_rise_pct <= 0:
        raise ValueError("target rise must be a positive number")
    if not _finite(starter_pct) or starter_pct <= 0:
        raise ValueError("starter percentage must be a positive number")
    target = float(target_rise_pct)
    points = [(h, t) for h, t in (temperatures or ()) if _finite(h) and _finite(t)]
    if dough_temp_c is not None and _finite(dough_temp_c):
        temp = float(dough_temp_c)
    else:
        temp = max(points)[1] if points else T_REF_C
    profile = _Profile(points or [(0.0, temp)])
    prior_sd = PRIOR_LOG_SD
    if prior_log_sd is not None and _finite(prior_log_sd) and prior_log_sd > 0:
        prior_sd = _clamp(float(prior_log_sd), 0.03, 1.0)
    model_h = predict_bulk_hours(starter_pct, temp, target)
    prior_h = model_h
    if prior_hours is not None and _finite(prior_hours) and prior_hours > 0:
        prior_h = float(prior_hours)
    prior_k = _clamp(prior_h / model_h, *_K_BOUNDS)
    frac = _starter_frac(starter_pct)
    need = _ref_hours_for_rise(_clamp(target, *RISE_RANGE_PCT), frac)

    def eta_for(k: float) -> float:
        return profile.time_for_tau(k * need)

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
            pace_factor=eta / model_h if n >= 2 else prior_k,
        )

    if n < 2:
        eta = eta_for(prior_k)
        if rs:
            eta = max(eta, rs[-1].hours)
        spread = math.exp(_Z_BAND * prior_sd)
        return BulkEstimate(
            target_rise_pct=target,
            eta_hours=eta,
            low_hours=min(max(eta_for(prior_k / spread), rs[-1].hours if rs else 0.0), eta),
            high_hours=max(eta_for(prior_k * spread), eta),
            passed=False,
            over_fermented=over,
            basis="prior",
            readings_used=n,
            pace_factor=prior_k,
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

    recent = rs[-FIT_READINGS:]
    data = [(profile.tau(r.hours), r.rise_pct, 0.4 + 0.6 * r.hours / t_last) for r in recent]
    u, sd_fit = _fit_pace(data, frac, math.log(prior_k), prior_sd)
    k = math.exp(u)
    eta = eta_for(k)
    # Shape uncertainty: large when extrapolating from early readings, small near the target.
    level = _rise_at_ref_hours(profile.tau(t_last) / k, frac)
    progress = _clamp(level / target, 0.0, 1.0)
    sd = min(math.hypot(sd_fit, _SHAPE_LOG_SD * (1.0 - progress)), prior_sd)
    floor = t_last + 1.0 / 60.0  # the last reading was below the target
    if eta < floor:
        eta = floor
    low = min(max(t_last, eta_for(k * math.exp(-_Z_BAND * sd))), eta)
    high = max(eta_for(k * math.exp(_Z_BAND * sd)), eta)
    return BulkEstimate(
        target_rise_pct=target,
        eta_hours=eta,
        low_hours=low,
        high_hours=high,
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
# How long in the fridge
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
