"""Benchmark bot.charts: how long a rise chart takes to render, against a same-run reference.

Run from the repo root: ``.venv/bin/python bench/bench_chart.py``. The reference (an empty
figure of the same size saved to PNG the same way) is the fixed cost of Agg + PNG encoding on
this machine, so the ratio stays comparable across machines. Aim: median < 300 ms.
"""

from __future__ import annotations

import io
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.charts import DPI, HEIGHT_PX, WIDTH_PX, ChartSeries, render_rise_chart

N = 30
WARMUP = 3
TARGET_MEDIAN_MS = 300.0


def rise(hours: float) -> float:
    """A plausible bulk-fermentation curve: slow start, then up to ~95 %."""
    return 95 / (1 + math.exp(-1.2 * (hours - 4.5))) - 95 / (1 + math.exp(1.2 * 4.5))


def typical_bake(readings: int = 30) -> ChartSeries:
    """What the bot draws mid-bake: readings, temperatures, folds, prediction, target, ETA window."""
    end = 7.5
    times = [end * i / (readings - 1) for i in range(readings)]
    return ChartSeries(
        name="Country loaf · 75% hydration",
        readings=[(h, rise(h)) for h in times],
        temperatures=[(h / 4, 24 + 0.8 * math.sin(h / 5)) for h in range(31)],
        folds=(0.5, 1.0, 1.5, 2.0),
        fridge_in=None,
        target_rise=75.0,
        predicted=[(h / 4, rise(h / 4 * 0.95)) for h in range(41)],
        eta_window=(7.6, 8.9),
        dough_temp=24.5,
    )


def empty_figure_png() -> bytes:
    """Reference: same size, same canvas and PNG settings, nothing drawn."""
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def timings_ms(fn: Callable[[], bytes], n: int = N) -> list[float]:
    """Wall time of ``n`` calls after a warm-up (font cache, first-draw setup)."""
    for _ in range(WARMUP):
        fn()
    out: list[float] = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def main() -> int:
    typical = typical_bake()
    dense = typical_bake(readings=500)

    chart = timings_ms(lambda: render_rise_chart(typical, now_hours=7.5))
    reference = timings_ms(empty_figure_png)
    dense_chart = timings_ms(lambda: render_rise_chart(dense, now_hours=7.5))

    median = statistics.median(chart)
    ref_median = statistics.median(reference)
    print(f"rise chart (30 readings, temps, folds, prediction), N={N}, {WIDTH_PX}x{HEIGHT_PX}:")
    print(f"  median {median:.1f} ms   p90 {p90(chart):.1f} ms")
    print(f"reference (empty figure -> PNG), N={N}:")
    print(f"  median {ref_median:.1f} ms   p90 {p90(reference):.1f} ms")
    print(f"ratio chart / reference (median): {median / ref_median:.2f}x")
    print(
        f"rise chart (500 readings), N={N}: median {statistics.median(dense_chart):.1f} ms"
        f"   p90 {p90(dense_chart):.1f} ms"
    )
    verdict = "OK" if median < TARGET_MEDIAN_MS else "TOO SLOW"
    print(f"target median < {TARGET_MEDIAN_MS:.0f} ms: {verdict}")
    return 0  # informational: a slow shared machine should not fail `make bench`


if __name__ == "__main__":
    raise SystemExit(main())
