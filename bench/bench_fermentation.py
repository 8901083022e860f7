"""Bench for the fermentation model, the bulk-end estimator and per-baker calibration.

Run from the repo root:  .venv/bin/python bench/bench_fermentation.py

1. MAPE of `predict_bulk_hours` on bench/data/bulk_times.csv (fit rows, holdout rows, all).
2. Simulated bakes: noisy aliquot readings (+-5 points) every 30-90 min, dough temperature
   drifting 1-2 °C, each dough with its own pace and curve shape; median and p90 absolute ETA
   error after 2, 3 and 5 readings, next to the a-priori model's error.
3. Calibration: a baker whose dough is 30 % slower than the model, after 1..5 bakes.
4. Leave one source out: the model's constants refitted without each source of the published
   table and scored on it, every source weighing the same (next to the shipped constants and a
   fit on every source, from the same run).
5. Live ETA after 3 readings (the first at 2-2.5 h, noise +-3): a new baker, next to an oracle
   that knows the simulator (its priors over curve, room and pace; a posterior by importance
   sampling) and one that also knows the dough's curve; a baker with 3 finished bakes who logs
   the dough temperature hourly (calibrated prior, its spread from the history, thermal time).
6. Plans for bakers 30 % slower / faster than the model: |ready - planned| without re-planning,
   with live re-planning, and with the fridge button's suggestion at the plan's baking time.

The simulated doughs do NOT come from the estimator's own curve: they use an exponential
(Q10 2-3) temperature law, their own lag, growth rate and ceiling, and a pace drawn around the
model (log-normal, sd 0.25), so the estimator has to cope with a curve shape it does not know.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from schedules import plan as planning  # noqa: E402
from schedules.calibration import (  # noqa: E402
    Calibration,
    calibrated_hours,
    prior_log_sd,
    update_calibration,
)
from schedules.fermentation import (  # noqa: E402
    PARAMS,
    Params,
    Reading,
    bulk_hours_with,
    estimate_bulk_end,
    model_hours_along,
    predict_bulk_hours,
    target_rise_pct,
)

DATA = REPO_ROOT / "bench" / "data" / "bulk_times.csv"
SEED = 20240611
N_BAKES = 400
READING_COUNTS = (2, 3, 5)
PACE_SD = 0.20  # a dough's pace around the model: the model's typical +-20 % error


# --------------------------------------------------------------------------------------------
# 1. Published table
# --------------------------------------------------------------------------------------------


def load_table(path: Path = DATA) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def table_errors(rows: list[dict[str, str]]) -> list[tuple[str, float, str]]:
    out = []
    for row in rows:
        pred = predict_bulk_hours(
            float(row["starter_pct"]), float(row["dough_temp_c"]), float(row["rise_pct"])
        )
        obs = float(row["hours"])
        out.append((row["split"], (pred - obs) / obs, row["source"]))
    return out


def mape(errors: list[float]) -> float:
    return 100.0 * statistics.fmean(abs(e) for e in errors) if errors else float("nan")


# --------------------------------------------------------------------------------------------
# 2. Simulated bakes
# --------------------------------------------------------------------------------------------


def _softplus(x: float, w: float = 0.5) -> float:
    return x if x / w > 30 else w * math.log1p(math.exp(x / w))


@dataclass
class SimBake:
    starter_pct: float
    temp0: float
    target: float
    end_hours: float  # true time the jar reaches the target
    readings: list[Reading]


def simulate_bake(
    rng: random.Random,
    pace_sd: float = PACE_SD,
    slow: float = 1.0,
    first_reading: tuple[float, float] = (0.5, 1.5),
) -> SimBake:
    starter = rng.choice((10.0, 15.0, 20.0, 25.0))
    temp0 = rng.uniform(22.0, 26.0)
    drift = rng.choice((-1.0, 1.0)) * rng.uniform(1.0, 2.0)
    target = target_rise_pct(temp0)
    # This dough's own curve.
    mu = rng.uniform(0.12, 0.22)
    lag = rng.uniform(1.2, 2.8)
    rmax = rng.uniform(220.0, 380.0)
    q10 = rng.uniform(2.0, 3.0)
    pace = slow * math.exp(rng.gauss(0.0, pace_sd))

    def speed(t_c: float) -> float:
        return q10 ** ((t_c - 24.0) / 10.0)

    def temp_at(h: float) -> float:
        return temp0 + drift * min(h / 6.0, 1.0)

    # Scale the gas yield so that at constant temp0 it would take pace x model hours.
    s = starter / 100.0
    tau_need = pace * predict_bulk_hours(starter, temp0, target) * speed(temp0)
    gas_need = -rmax * math.log1p(-target / rmax)
    e0 = math.exp(mu * _softplus(-lag))
    k_gas = gas_need / (s * (math.exp(mu * _softplus(tau_need - lag)) - e0))

    def rise(tau: float) -> float:
        gas = k_gas * s * (math.exp(mu * _softplus(tau - lag)) - e0)
        return rmax * -math.expm1(-gas / rmax)

    # Integrate the drifting temperature.
    dt = 0.02
    taus = [0.0]
    h = 0.0
    while h < 48.0:
        taus.append(taus[-1] + speed(temp_at(h + dt / 2)) * dt)
        h += dt

    def true_rise(hours: float) -> float:
        i = min(int(hours / dt), len(taus) - 2)
        frac = hours / dt - i
        return rise(taus[i] + (taus[i + 1] - taus[i]) * frac)

    lo, hi = 0.0, 48.0
    for _ in range(50):
        mid = (lo + hi) / 2
        if true_rise(mid) >= target:
            hi = mid
        else:
            lo = mid
    end = hi

    readings = []
    t = rng.uniform(*first_reading)
    while t < end * 1.6 and len(readings) < 30:
        noisy = true_rise(t) + rng.uniform(-5.0, 5.0)
        readings.append(Reading(round(t, 3), round(max(noisy, 0.0), 1)))
        t += rng.uniform(0.5, 1.5)
    return SimBake(starter, temp0, target, end, readings)


def pct(values: list[float], q: float) -> float:
    v = sorted(values)
    if not v:
        return float("nan")
    i = (len(v) - 1) * q
    lo = math.floor(i)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (i - lo)


@dataclass
class Forecast:
    n_readings: int
    progress: float  # last reading / target
    error_min: float  # estimator ETA - truth
    prior_error_min: float  # a-priori model - truth
    in_band: bool
    band_width_h: float


def forecasts(
    n_bakes: int = N_BAKES, seed: int = SEED, first_reading: tuple[float, float] = (0.5, 1.5)
) -> list[Forecast]:
    """ETA forecasts after 2, 3 and 5 readings of each simulated bake.

    Only forecasts count: the n-th reading was taken before the dough reached the target.
    """
    rng = random.Random(seed)
    out: list[Forecast] = []
    for _ in range(n_bakes):
        bake = simulate_bake(rng, first_reading=first_reading)
        prior = predict_bulk_hours(bake.starter_pct, bake.temp0, bake.target)
        for n in READING_COUNTS:
            if len(bake.readings) < n or bake.readings[n - 1].hours >= bake.end_hours:
                continue
            est = estimate_bulk_end(
                bake.readings[:n], bake.target, starter_pct=bake.starter_pct, dough_temp_c=bake.temp0
            )
            out.append(
                Forecast(
                    n_readings=n,
                    progress=bake.readings[n - 1].rise_pct / bake.target,
                    error_min=(est.eta_hours - bake.end_hours) * 60.0,
                    prior_error_min=(prior - bake.end_hours) * 60.0,
                    in_band=est.low_hours <= bake.end_hours <= est.high_hours,
                    band_width_h=est.high_hours - est.low_hours,
                )
            )
    return out


def eta_errors(n_bakes: int = N_BAKES, seed: int = SEED) -> dict[int, tuple[list[float], list[float]]]:
    """Per reading count: (estimator abs errors, a-priori abs errors) in minutes."""
    out: dict[int, tuple[list[float], list[float]]] = {n: ([], []) for n in READING_COUNTS}
    for f in forecasts(n_bakes, seed):
        out[f.n_readings][0].append(abs(f.error_min))
        out[f.n_readings][1].append(abs(f.prior_error_min))
    return out


# --------------------------------------------------------------------------------------------
# 3. Calibration
# --------------------------------------------------------------------------------------------


def calibration_convergence(
    n_bakers: int = 200, n_bakes: int = 5, seed: int = SEED
) -> list[tuple[float, float, float, float]]:
    """Baker 30 % slower than the model, after 0..n_bakes finished bakes: (median, p90) |error| %
    of the calibrated prediction for the next (noisy) bake, and (median, p90) |error| % of the
    learnt factor against the true 1.3."""
    rng = random.Random(seed + 1)
    errors: list[list[float]] = [[] for _ in range(n_bakes + 1)]
    factor_errors: list[list[float]] = [[] for _ in range(n_bakes + 1)]
    for _ in range(n_bakers):
        cal = Calibration()
        for i in range(n_bakes + 1):
            starter = rng.choice((10.0, 15.0, 20.0, 25.0))
            temp = rng.uniform(20.0, 27.0)
            model = predict_bulk_hours(starter, temp, target_rise_pct(temp))
            actual = 1.3 * model * math.exp(rng.gauss(0.0, 0.08))
            errors[i].append(100.0 * abs(calibrated_hours(cal, model) - actual) / actual)
            factor_errors[i].append(100.0 * abs(cal.speed_factor - 1.3) / 1.3)
            cal = update_calibration(cal, model, actual)
    return [
        (statistics.median(e), pct(e, 0.9), statistics.median(fe), pct(fe, 0.9))
        for e, fe in zip(errors, factor_errors, strict=True)
    ]


# --------------------------------------------------------------------------------------------
# 4. Leave one source out: the constants refitted without each source, scored on it
# --------------------------------------------------------------------------------------------

SOURCES = (
    ("Sourdough temperature vs rise chart", "temperature-vs-rise chart"),
    ("The Bread Code", "The Bread Code"),
    ("The Perfect Loaf", "The Perfect Loaf"),
    ("Chad Robertson", "Tartine Bread"),
    ("The Sourdough Journey", "The Sourdough Journey"),
    ("https://www.makesourdoughbread.com", "makesourdoughbread.com"),
    ("Quick-reference chart", "quick-reference chart (starter % not stated)"),
)
FIT_BOUNDS = {"lag_h": (0.5, 3.0), "mu_per_h": (0.15, 0.4), "k_gas": (30.0, 5000.0)}


def source_of(row: dict[str, str]) -> str:
    for prefix, name in SOURCES:
        if row["source"].startswith(prefix):
            return name
    return row["source"][:40]


def _row_error(p: Params, row: dict[str, str]) -> float:
    pred = bulk_hours_with(p, float(row["starter_pct"]), float(row["dough_temp_c"]), float(row["rise_pct"]))
    return (pred - float(row["hours"])) / float(row["hours"])


def _to_params(x: list[float]) -> Params:
    values = {}
    for (name, (lo, hi)), v in zip(FIT_BOUNDS.items(), x, strict=True):
        values[name] = lo + (hi - lo) / (1.0 + math.exp(-v))
    return dataclasses.replace(PARAMS, **values)


def _from_params(p: Params) -> list[float]:
    out = []
    for name, (lo, hi) in FIT_BOUNDS.items():
        f = min(max((getattr(p, name) - lo) / (hi - lo), 1e-6), 1 - 1e-6)
        out.append(math.log(f / (1 - f)))
    return out


def _nelder_mead(f: Callable[[list[float]], float], x0: list[float], iters: int = 300) -> list[float]:
    n = len(x0)
    pts = [list(x0)] + [[x0[j] + (0.5 if j == i else 0.0) for j in range(n)] for i in range(n)]
    vals = [f(p) for p in pts]
    for _ in range(iters):
        order = sorted(range(n + 1), key=vals.__getitem__)
        pts, vals = [pts[i] for i in order], [vals[i] for i in order]
        c = [sum(p[j] for p in pts[:-1]) / n for j in range(n)]
        xr = [c[j] + (c[j] - pts[-1][j]) for j in range(n)]
        fr = f(xr)
        if fr < vals[0]:
            xe = [c[j] + 2 * (c[j] - pts[-1][j]) for j in range(n)]
            fe = f(xe)
            pts[-1], vals[-1] = (xe, fe) if fe < fr else (xr, fr)
        elif fr < vals[-2]:
            pts[-1], vals[-1] = xr, fr
        else:
            xc = [c[j] + 0.5 * (pts[-1][j] - c[j]) for j in range(n)]
            fc = f(xc)
            if fc < vals[-1]:
                pts[-1], vals[-1] = xc, fc
            else:
                pts = [pts[0]] + [[pts[0][j] + 0.5 * (p[j] - pts[0][j]) for j in range(n)] for p in pts[1:]]
                vals = [vals[0]] + [f(p) for p in pts[1:]]
    return pts[min(range(n + 1), key=vals.__getitem__)]


def fit_params(rows: list[dict[str, str]]) -> Params:
    """The model's constants (lag, growth rate, gas yield) fitted in log-time least squares,
    each source weighing the same; the temperature response keeps its published cardinal points."""
    counts = Counter(source_of(r) for r in rows)

    def loss(x: list[float]) -> float:
        p = _to_params(x)
        return sum(math.log1p(_row_error(p, r)) ** 2 / counts[source_of(r)] for r in rows)

    starts = [
        PARAMS,
        dataclasses.replace(PARAMS, lag_h=1.0, k_gas=150.0),
        dataclasses.replace(PARAMS, lag_h=2.5, k_gas=600.0),
    ]
    best = min((_nelder_mead(loss, _from_params(s)) for s in starts), key=loss)
    return _to_params(best)


def leave_one_source_out(rows: list[dict[str, str]]) -> list[tuple[str, int, float, float, float]]:
    """Per source: (name, rows, MAPE refitted without it, MAPE of the shipped constants, MAPE of
    constants fitted on every source with a stated starter % including it). Only rows that state
    the starter % are fitted."""
    stated = [r for r in rows if "NOT stated" not in r["source"]]
    everything = fit_params(stated)
    out = []
    for name in dict.fromkeys(source_of(r) for r in rows):
        own = [r for r in rows if source_of(r) == name]
        without = fit_params([r for r in stated if source_of(r) != name])
        out.append(
            (
                name,
                len(own),
                mape([_row_error(without, r) for r in own]),
                mape([_row_error(PARAMS, r) for r in own]),
                mape([_row_error(everything, r) for r in own]),
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# 5. A dough the bench knows everything about (for the oracle and for the plans)
# --------------------------------------------------------------------------------------------


@dataclass
class Dough:
    """One simulated dough: its own curve (growth rate, lag, ceiling, Q10) and a drifting room.
    Its pace stretches its thermal time; `rise(h, pace)` and `end(pace)` are the truth."""

    starter_pct: float
    temp0: float
    drift: float
    target: float
    mu: float
    lag: float
    rmax: float
    q10: float
    taus: list[float]
    dt: float = 0.02

    def temp_at(self, hours: float) -> float:
        return self.temp0 + self.drift * min(hours / 6.0, 1.0)

    def tau(self, hours: float) -> float:
        i = min(int(hours / self.dt), len(self.taus) - 2)
        frac = hours / self.dt - i
        return self.taus[i] + (self.taus[i + 1] - self.taus[i]) * frac

    def k_gas(self, pace: float) -> float:
        s = self.starter_pct / 100.0
        speed0 = self.q10 ** ((self.temp0 - 24.0) / 10.0)
        tau_need = pace * predict_bulk_hours(self.starter_pct, self.temp0, self.target) * speed0
        gas_need = -self.rmax * math.log1p(-self.target / self.rmax)
        e0 = math.exp(self.mu * _softplus(-self.lag))
        return gas_need / (s * (math.exp(self.mu * _softplus(tau_need - self.lag)) - e0))

    def rise(self, hours: float, pace: float, k_gas: float | None = None) -> float:
        k = self.k_gas(pace) if k_gas is None else k_gas
        s = self.starter_pct / 100.0
        e0 = math.exp(self.mu * _softplus(-self.lag))
        gas = k * s * (math.exp(self.mu * _softplus(self.tau(hours) - self.lag)) - e0)
        return self.rmax * -math.expm1(-gas / self.rmax)

    def end(self, pace: float) -> float:
        k = self.k_gas(pace)
        lo, hi = 0.0, 47.9
        for _ in range(40):
            mid = (lo + hi) / 2
            if self.rise(mid, pace, k) >= self.target:
                hi = mid
            else:
                lo = mid
        return hi


def make_dough(
    rng: random.Random,
    *,
    starter_pct: float | None = None,
    temp0: float | None = None,
    shape: tuple[float, float, float, float] | None = None,
    target: float | None = None,
) -> Dough:
    starter = starter_pct if starter_pct is not None else rng.choice((10.0, 15.0, 20.0, 25.0))
    t0 = temp0 if temp0 is not None else rng.uniform(21.0, 26.0)
    drift = rng.choice((-1.0, 1.0)) * rng.uniform(1.0, 2.0)
    mu, lag, rmax, q10 = shape or (
        rng.uniform(0.12, 0.22),
        rng.uniform(1.2, 2.8),
        rng.uniform(220.0, 380.0),
        rng.uniform(2.0, 3.0),
    )
    dough = Dough(starter, t0, drift, target or target_rise_pct(t0), mu, lag, rmax, q10, [0.0])
    h = 0.0
    while h < 48.0:
        dough.taus.append(
            dough.taus[-1] + q10 ** ((dough.temp_at(h + dough.dt / 2) - 24.0) / 10.0) * dough.dt
        )
        h += dough.dt
    return dough


def dough_readings(
    rng: random.Random, dough: Dough, pace: float, *, first: tuple[float, float], noise: float, until: float
) -> list[Reading]:
    k = dough.k_gas(pace)
    out = []
    t = rng.uniform(*first)
    while t < until and len(out) < 30:
        value = dough.rise(t, pace, k) + rng.uniform(-noise, noise)
        out.append(Reading(round(t, 3), round(max(value, 0.0), 1)))
        t += rng.uniform(0.5, 1.5)
    return out


ORACLE_GRID = 81


def oracle_eta(dough: Dough, readings: list[Reading], noise: float, pace_sd: float) -> float:
    """The best guess anyone could make: the dough's own curve known exactly, only its pace
    unknown (prior log-normal with the simulator's spread), the noise model known; the posterior
    median of the end of bulk."""
    sd = noise / math.sqrt(3.0)  # uniform noise of +-noise
    grid = [math.exp(pace_sd * (-4.0 + 8.0 * i / (ORACLE_GRID - 1))) for i in range(ORACLE_GRID)]
    logs = []
    for pace in grid:
        k = dough.k_gas(pace)
        ll = -0.5 * (math.log(pace) / pace_sd) ** 2
        for r in readings:
            true = dough.rise(r.hours, pace, k)
            expected = max(true, 0.0)
            ll -= 0.5 * ((r.rise_pct - expected) / sd) ** 2
        logs.append(ll)
    top = max(logs)
    weights = [math.exp(v - top) for v in logs]
    total = sum(weights)
    acc = 0.0
    for pace, w in zip(grid, weights, strict=True):
        acc += w / total
        if acc >= 0.5:
            return dough.end(pace)
    return dough.end(grid[-1])


def _np_softplus(x: np.ndarray, w: float = 0.5) -> np.ndarray:
    return np.where(x / w > 30, x, w * np.log1p(np.exp(np.minimum(x / w, 30.0))))


def _np_inv_softplus(y: np.ndarray, w: float = 0.5) -> np.ndarray:
    z = y / w
    return np.where(
        z > 30, y + w * np.log1p(-np.exp(-np.minimum(z, 700.0))), w * np.log(np.expm1(np.minimum(z, 30.0)))
    )


def bayes_oracle_eta(
    dough: Dough, readings: list[Reading], noise: float, pace_sd: float, seed: int, n: int = 20000
) -> float:
    """What anyone who knows the simulator (how it draws a dough's curve, room drift and pace)
    but not this dough's draws could best say: the posterior median of the end of bulk given the
    readings, by importance sampling from the simulator's own priors. The dough temperature at
    mixing, the starter and the target are known, as they are to the bot."""
    g = np.random.default_rng(seed)
    mu = g.uniform(0.12, 0.22, n)
    lag = g.uniform(1.2, 2.8, n)
    rmax = g.uniform(220.0, 380.0, n)
    q10 = g.uniform(2.0, 3.0, n)
    drift = g.choice([-1.0, 1.0], n) * g.uniform(1.0, 2.0, n)
    pace = np.exp(g.normal(0.0, pace_sd, n))
    s = dough.starter_pct / 100.0
    model_h = predict_bulk_hours(dough.starter_pct, dough.temp0, dough.target)
    a = np.log(q10) * (dough.temp0 - 24.0) / 10.0
    b = np.log(q10) * drift / 60.0  # per hour, over the first 6 hours

    def tau(h: float) -> np.ndarray:
        early = min(h, 6.0)
        ramp = np.exp(a) * np.expm1(b * early) / b
        return ramp + np.exp(a + 6.0 * b) * max(h - 6.0, 0.0)

    tau_end = pace * model_h * np.exp(a)
    gas_need = -rmax * np.log1p(-dough.target / rmax)
    e0 = np.exp(mu * _np_softplus(-lag))
    k = gas_need / (s * (np.exp(mu * _np_softplus(tau_end - lag)) - e0))
    sd = noise / math.sqrt(3.0)
    loglik = np.zeros(n)
    for r in readings:
        gas = k * s * (np.exp(mu * _np_softplus(tau(r.hours) - lag)) - e0)
        rise = rmax * -np.expm1(-gas / rmax)
        loglik -= 0.5 * ((r.rise_pct - np.maximum(rise, 0.0)) / sd) ** 2
    tau6 = np.exp(a) * np.expm1(6.0 * b) / b
    early_end = np.log1p(tau_end * b / np.exp(a)) / b
    end = np.where(tau_end <= tau6, early_end, 6.0 + (tau_end - tau6) / np.exp(a + 6.0 * b))
    weights = np.exp(loglik - loglik.max())
    order = np.argsort(end)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return float(end[order][np.searchsorted(cumulative, 0.5)])


def live_eta_vs_oracle(
    n_bakes: int = 300, seed: int = SEED, noise: float = 3.0
) -> tuple[list[float], list[float], list[float], list[float]]:
    """New baker (no history): |ETA error| in minutes after 3 readings (the first at 2-2.5 h), for
    the bot's estimator, the oracle that knows the simulator, the one that also knows this
    dough's curve, and the a-priori model."""
    rng = random.Random(seed + 7)
    ours, oracle, perfect, prior = [], [], [], []
    for number in range(n_bakes):
        dough = make_dough(rng)
        pace = math.exp(rng.gauss(0.0, PACE_SD))
        end = dough.end(pace)
        readings = dough_readings(rng, dough, pace, first=(2.0, 2.5), noise=noise, until=end)
        if len(readings) < 3:
            continue
        three = readings[:3]
        est = estimate_bulk_end(three, dough.target, starter_pct=dough.starter_pct, dough_temp_c=dough.temp0)
        ours.append(abs(est.eta_hours - end) * 60.0)
        oracle.append(abs(bayes_oracle_eta(dough, three, noise, PACE_SD, seed + number) - end) * 60.0)
        perfect.append(abs(oracle_eta(dough, three, noise, PACE_SD) - end) * 60.0)
        prior.append(abs(predict_bulk_hours(dough.starter_pct, dough.temp0, dough.target) - end) * 60.0)
    return ours, oracle, perfect, prior


def calibrated_baker_with_temperatures(
    n_bakers: int = 200, seed: int = SEED, noise: float = 3.0
) -> tuple[list[float], list[float], list[float]]:
    """A baker with 3 finished bakes who logs the dough temperature every hour: |ETA error| in
    minutes after 3 readings of the 4th bake, (calibrated + temperatures, the same estimator as a
    new baker who logs nothing, calibrated without temperatures)."""
    rng = random.Random(seed + 11)
    full, fresh, no_temps = [], [], []
    for _ in range(n_bakers):
        shape = (
            rng.uniform(0.12, 0.22),
            rng.uniform(1.2, 2.8),
            rng.uniform(220.0, 380.0),
            rng.uniform(2.0, 3.0),
        )
        baker_pace = math.exp(rng.gauss(0.0, 0.25))
        cal = Calibration()
        cal_flat = Calibration()
        for bake in range(4):
            dough = make_dough(rng, shape=shape)
            pace = baker_pace * math.exp(rng.gauss(0.0, 0.06))
            end = dough.end(pace)
            logged = [(float(h), dough.temp_at(h) + rng.uniform(-0.3, 0.3)) for h in range(0, 49)]
            if bake < 3:
                taught = model_hours_along(
                    dough.starter_pct, dough.target, [x for x in logged if x[0] <= end], end
                )
                cal = update_calibration(cal, taught, end)
                flat = predict_bulk_hours(dough.starter_pct, dough.temp0, dough.target)
                cal_flat = update_calibration(cal_flat, flat, end)
                continue
            readings = dough_readings(rng, dough, pace, first=(2.0, 2.5), noise=noise, until=end)
            if len(readings) < 3:
                break
            three = readings[:3]
            seen = [x for x in logged if x[0] <= three[-1].hours]
            model = predict_bulk_hours(dough.starter_pct, dough.temp0, dough.target)
            est = estimate_bulk_end(
                three,
                dough.target,
                starter_pct=dough.starter_pct,
                dough_temp_c=seen[-1][1],
                prior_hours=calibrated_hours(
                    cal, predict_bulk_hours(dough.starter_pct, seen[-1][1], dough.target)
                ),
                temperatures=seen,
                prior_log_sd=prior_log_sd(cal),
            )
            full.append(abs(est.eta_hours - end) * 60.0)
            plain = estimate_bulk_end(
                three, dough.target, starter_pct=dough.starter_pct, dough_temp_c=dough.temp0
            )
            fresh.append(abs(plain.eta_hours - end) * 60.0)
            flat = estimate_bulk_end(
                three,
                dough.target,
                starter_pct=dough.starter_pct,
                dough_temp_c=dough.temp0,
                prior_hours=calibrated_hours(cal_flat, model),
                prior_log_sd=prior_log_sd(cal_flat),
            )
            no_temps.append(abs(flat.eta_hours - end) * 60.0)
    return full, fresh, no_temps


# --------------------------------------------------------------------------------------------
# 6. Plans for bakers 30 % slower or faster than the model, with and without live re-planning
# --------------------------------------------------------------------------------------------


@dataclass
class PlanOutcome:
    without_min: float  # |ready - planned| if the baker follows the plan's fridge length
    with_min: float  # ... with the bot re-planning live (the baker accepts each re-plan)
    button_min: float  # ... and then the fridge button's suggestion: until the plan's baking time
    replans: int
    moved: bool  # a re-plan had to move the bread time (the fridge could not absorb it)


def simulate_plan(rng: random.Random, slow: float, noise: float = 3.0) -> PlanOutcome | None:
    kitchen = rng.uniform(21.0, 26.0)
    usual = rng.choice((10.0, 15.0, 20.0, 25.0))
    baker = planning.Baker(zone=UTC, starter_pct=usual, kitchen_temp_c=kitchen)
    now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    ready = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    options = planning.plan_backwards(baker, ready, now)
    if not options.plans:
        return None
    plan = options.plans[0]
    dough = make_dough(rng, starter_pct=plan.starter_pct, temp0=kitchen, target=plan.target_rise_pct)
    pace = slow * math.exp(rng.gauss(0.0, 0.08))
    true_end = dough.end(pace)
    planned_end = (plan.bulk_end - plan.mix_at).total_seconds() / 3600
    bounds = planning.fridge_range(baker)
    after_bulk = planning.SHAPE_TIME + planning.BAKE_TIME
    without = abs(true_end - planned_end) * 60.0
    # Live: a rise check every hour from the second; each drift > 20 min is told and accepted.
    fridge, end_plan, ready_at, replans, moved = plan.fridge_hours, planned_end, plan.ready_at, 0, False
    k = dough.k_gas(pace)
    t = 2.0
    readings: list[Reading] = []
    while t < true_end:
        readings.append(Reading(t, round(max(dough.rise(t, pace, k) + rng.uniform(-noise, noise), 0.0), 1)))
        est = estimate_bulk_end(readings, dough.target, starter_pct=dough.starter_pct, dough_temp_c=kitchen)
        if not est.passed:
            mix = plan.mix_at
            found = planning.drift(
                planned_bulk_end=mix + timedelta(hours=end_plan),
                planned_ready=ready_at,
                fridge_hours=fridge,
                fridge_bounds=bounds,
                eta=mix + timedelta(hours=est.eta_hours),
                now=mix + timedelta(hours=t),
                dough_temp_c=kitchen,
            )
            if found is not None:
                replans += 1
                delta = est.eta_hours - end_plan
                if found.fridge_hours is not None:
                    fridge -= delta
                else:
                    ready_at += timedelta(hours=delta)
                    moved = True
                end_plan = est.eta_hours
        t += 1.0
    actual_ready = plan.mix_at + timedelta(hours=true_end + fridge) + after_bulk
    with_replanning = abs((actual_ready - plan.ready_at).total_seconds()) / 60.0
    # At fridge time the bot suggests a cold proof that ends at the (re-)planned baking time, as
    # long as that length is within the model's bounds for this dough and fridge.
    fridge_in = true_end + planning.SHAPE_TIME.total_seconds() / 3600
    until_bake = (ready_at - planning.BAKE_TIME - plan.mix_at).total_seconds() / 3600 - fridge_in
    length = min(max(until_bake, bounds[0]), bounds[1])
    button_ready = plan.mix_at + timedelta(hours=fridge_in + length) + planning.BAKE_TIME
    with_button = abs((button_ready - plan.ready_at).total_seconds()) / 60.0
    return PlanOutcome(without, with_replanning, with_button, replans, moved)


def plans_bench(n: int = 200, seed: int = SEED) -> dict[str, list[PlanOutcome]]:
    rng = random.Random(seed + 13)
    out: dict[str, list[PlanOutcome]] = {}
    for name, slow in (("30 % slower", 1.3), ("30 % faster", 1 / 1.3)):
        found = [simulate_plan(rng, slow) for _ in range(n)]
        out[name] = [f for f in found if f is not None]
    return out


def report_new_sections(rows: list[dict[str, str]]) -> None:
    print("\nleave-one-source-out on the published bulk times (constants refitted without each source,")
    print("scored on it; every source weighs the same; only rows that state the starter % are fitted):")
    print(f"  {'source':44s} rows | left out | shipped | fitted on all")
    results = leave_one_source_out(rows)
    for name, n, loso, shipped, insample in results:
        print(f"  {name:44s} {n:4d} | {loso:6.1f} % | {shipped:5.1f} % | {insample:6.1f} %")
    stated = [r for r in results if "not stated" not in r[0]]
    for label, chosen in (("sources that state the starter %", stated), ("all sources", results)):
        print(
            f"  mean over the {len(chosen)} {label}: left out {statistics.fmean(r[2] for r in chosen):5.1f} %"
            f" | shipped constants {statistics.fmean(r[3] for r in chosen):5.1f} %"
            f" | fitted on all {statistics.fmean(r[4] for r in chosen):5.1f} %"
        )

    ours, oracle, perfect, prior = live_eta_vs_oracle()
    print("\nlive ETA, new baker, after 3 readings (the first at 2-2.5 h, then every 30-90 min, noise +-3),")
    print(f"dough curves and paces drawn as above (pace sd {PACE_SD:.2f}), n={len(ours)}:")
    print(f"  bot's estimator:  median {statistics.median(ours):5.1f} min, p90 {pct(ours, 0.9):5.1f} min")
    print(
        f"  oracle that knows the simulator (its priors, not this dough's draws): median"
        f" {statistics.median(oracle):5.1f} min, p90 {pct(oracle, 0.9):5.1f} min"
        f" | ratio bot/oracle {statistics.median(ours) / statistics.median(oracle):4.2f}"
    )
    print(
        f"  oracle that also knows this dough's curve (only its pace unknown): median"
        f" {statistics.median(perfect):5.1f} min, p90 {pct(perfect, 0.9):5.1f} min"
        f" | a-priori model: median {statistics.median(prior):5.1f} min"
    )
    full, fresh, no_temps = calibrated_baker_with_temperatures()
    print("live ETA after 3 readings, a baker with 3 finished bakes who logs the dough temperature hourly")
    print(f"(own dough curve and pace, bake-to-bake pace noise 6 %, room drifting 1-2 °C), n={len(full)}:")
    print(
        f"  calibrated + temperature time line: median {statistics.median(full):5.1f} min,"
        f" p90 {pct(full, 0.9):5.1f}"
    )
    print(
        f"  references: calibrated, no temperatures: median {statistics.median(no_temps):5.1f},"
        f" p90 {pct(no_temps, 0.9):5.1f} | as a new baker: median {statistics.median(fresh):5.1f},"
        f" p90 {pct(fresh, 0.9):5.1f}"
    )
    print("\nplans (bread at 09:00 two days ahead; a rise check every hour from the second; each drift")
    print("over 20 min re-planned, the cold proof absorbing it when it can): |ready - planned|")
    for name, outcomes in plans_bench().items():
        without = [o.without_min for o in outcomes]
        with_ = [o.with_min for o in outcomes]
        button = [o.button_min for o in outcomes]
        replans = statistics.fmean(o.replans for o in outcomes)
        moved = sum(o.moved for o in outcomes)
        print(f"  {name} (n={len(outcomes)}, {replans:.1f} re-plans per bake, {moved} moved the bread time):")
        print(
            f"    without re-planning (the plan's fridge length): median"
            f" {statistics.median(without):5.1f} min,"
            f" p90 {pct(without, 0.9):5.1f}"
        )
        print(
            f"    with live re-planning (the re-planned fridge length): median"
            f" {statistics.median(with_):5.1f} min,"
            f" p90 {pct(with_, 0.9):5.1f}"
        )
        print(
            f"    ...and the fridge button's suggestion (until the plan's baking time): median"
            f" {statistics.median(button):5.1f} min, p90 {pct(button, 0.9):5.1f}"
        )


def main() -> None:
    started = time.perf_counter()
    rows = load_table()
    errs = table_errors(rows)
    fit = [e for s, e, _ in errs if s == "fit"]
    hold = [e for s, e, _ in errs if s == "holdout"]
    stated = [e for _, e, src in errs if "NOT stated" not in src]
    print(f"table: {len(rows)} rows ({len(fit)} fit, {len(hold)} holdout)")
    print(f"model MAPE fit rows:     {mape(fit):5.1f} %  (n={len(fit)})")
    print(f"model MAPE holdout rows: {mape(hold):5.1f} %  (n={len(hold)})")
    print(f"model MAPE all rows:     {mape([e for _, e, _ in errs]):5.1f} %  (n={len(errs)})")
    print(f"model MAPE rows with a stated starter %: {mape(stated):5.1f} %  (n={len(stated)})")
    worst = sorted(errs, key=lambda x: -abs(x[1]))[:3]
    for split, e, src in worst:
        print(f"  worst: {100 * e:+6.1f} % [{split}] {src[:90]}")

    print(
        f"\nsimulated bakes: {N_BAKES}, 22-26 °C, drift 1-2 °C, readings every 30-90 min, noise +-5,"
        f" pace sd {PACE_SD:.2f}"
    )
    fc = forecasts()
    report_forecasts(fc)
    # The bot's own rise checks start in the second hour, so that is when most bakers log the
    # first reading: the same bakes, readings from 2 h on.
    print("same simulation, first reading at 2 h (when the bot's rise checks begin), then every 30-90 min:")
    report_forecasts(forecasts(first_reading=(2.0, 2.0)))
    print("by progress (last reading / target), all reading counts, first scenario:")
    report_by_progress(fc)
    print("\ncalibration, baker 30 % slower than the model (bake-to-bake noise 8 %), 200 bakers:")
    for i, (med, p90, fmed, fp90) in enumerate(calibration_convergence()):
        print(
            f"  after {i} bakes: next-bake |error| median {med:5.1f} %, p90 {p90:5.1f} %"
            f" | factor vs true 1.3: median {fmed:4.1f} %, p90 {fp90:4.1f} %"
        )
    report_new_sections(rows)
    print(f"\nruntime {time.perf_counter() - started:.1f} s")


def report_forecasts(fc: list[Forecast]) -> None:
    for n in READING_COUNTS:
        sub = [f for f in fc if f.n_readings == n]
        est = [abs(f.error_min) for f in sub]
        prior = [abs(f.prior_error_min) for f in sub]
        med, p90 = statistics.median(est), pct(est, 0.9)
        pmed, pp90 = statistics.median(prior), pct(prior, 0.9)
        cover = 100.0 * sum(f.in_band for f in sub) / len(sub)
        prog = statistics.median(f.progress for f in sub)
        print(
            f"after {n} readings (n={len(sub):3d}, median progress {100 * prog:3.0f} % of target):"
            f" ETA error median {med:5.1f} min, p90 {p90:5.1f} min"
            f" | a-priori median {pmed:5.1f}, p90 {pp90:5.1f} | ratio {med / pmed:4.2f}"
            f" | band covers truth {cover:3.0f} %"
        )


def report_by_progress(fc: list[Forecast]) -> None:
    for lo, hi in ((0.0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1.0)):
        sub = [f for f in fc if lo <= f.progress < hi]
        if sub:
            est = [abs(f.error_min) for f in sub]
            prior = [abs(f.prior_error_min) for f in sub]
            width = statistics.median(f.band_width_h for f in sub)
            print(
                f"  {100 * lo:3.0f}-{100 * hi:3.0f} % (n={len(sub):3d}): ETA error median"
                f" {statistics.median(est):5.1f} min, p90 {pct(est, 0.9):5.1f} min"
                f" | a-priori median {statistics.median(prior):5.1f} | band width median {width:4.1f} h"
            )


if __name__ == "__main__":
    main()
