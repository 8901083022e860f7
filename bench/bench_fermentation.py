"""Bench for the fermentation model, the bulk-end estimator and per-baker calibration.

Run from the repo root:  .venv/bin/python bench/bench_fermentation.py

1. MAPE of `predict_bulk_hours` on bench/data/bulk_times.csv (fit rows, holdout rows, all).
2. Simulated bakes: noisy aliquot readings (+-5 points) every 30-90 min, dough temperature
   drifting 1-2 °C, each dough with its own pace and curve shape; median and p90 absolute ETA
   error after 2, 3 and 5 readings, next to the a-priori model's error.
3. Calibration: a baker whose dough is 30 % slower than the model, after 1..5 bakes.

The simulated doughs do NOT come from the estimator's own curve: they use an exponential
(Q10 2-3) temperature law, their own lag, growth rate and ceiling, and a pace drawn around the
model (log-normal, sd 0.25), so the estimator has to cope with a curve shape it does not know.
"""

from __future__ import annotations

import csv
import math
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from schedules.calibration import Calibration, calibrated_hours, update_calibration  # noqa: E402
from schedules.fermentation import (  # noqa: E402
    Reading,
    estimate_bulk_end,
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
