"""A picture of a bake plan: its steps on a time line, with the night and the quiet hours shaded.

Pure rendering like `bot.charts`: no aiogram, no SQL; the bot fills a `PlanPicture` in the
baker's local time and calls `render_plan_picture` in a worker thread (asyncio.to_thread). Each
picture is its own Figure on its own Agg canvas, every style passed explicitly.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

__all__ = ["PlanPicture", "PlanRow", "render_plan_picture"]

WIDTH_PX, HEIGHT_PX, DPI = 1200, 760, 100
_FONT = "DejaVu Sans"
_LITERAL: dict[str, Any] = {"parse_math": False, "usetex": False, "fontfamily": _FONT}
_INK = "#1a1a1a"
_LABEL_BOX: dict[str, Any] = {"facecolor": "white", "edgecolor": "none", "pad": 1.5, "alpha": 0.85}
_GRID = "#d0d0d0"
_NIGHT = "#dfe6f3"
_QUIET = "#8496bf"
_PHASES = {
    "starter": "#E69F00",
    "bulk": "#0072B2",
    "shape": "#7a4a12",
    "fridge": "#6a3d9a",
    "oven": "#D55E00",
}
_MARKER = {"feed": "#E69F00", "mix": "#0072B2", "fold": "#56B4E9", "shape": "#7a4a12", "fridge": "#6a3d9a"}


@dataclass(frozen=True)
class PlanRow:
    """One line of the picture: a step at a moment (or a span of them: the folds)."""

    label: str
    start: datetime  # naive local wall time
    end: datetime | None = None
    kind: str = "step"


@dataclass(frozen=True)
class PlanPicture:
    title: str
    rows: Sequence[PlanRow]
    phases: Sequence[tuple[str, str, datetime, datetime]] = ()  # (kind, label, start, end)
    night: Sequence[tuple[datetime, datetime]] = ()  # shaded lightly
    quiet: Sequence[tuple[datetime, datetime]] = ()  # shaded darker


def _hours(moment: datetime, origin: datetime) -> float:
    return (moment - origin).total_seconds() / 3600


def render_plan_picture(picture: PlanPicture) -> bytes:
    """The plan as a PNG: one row per step, top to bottom in time order, the phases as a band
    underneath, clock times along the bottom (day names at midnight). Matplotlib is imported
    here, on the worker thread, so the bot starts without it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    moments = [r.start for r in picture.rows] + [r.end for r in picture.rows if r.end is not None]
    first, last = min(moments), max(moments)
    origin = first.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    span = max(_hours(last, origin) + 1.5, 6.0)
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.03, 0.13, 0.94, 0.76))
    ax.set_xlim(0, span)
    n = len(picture.rows)
    ax.set_ylim(-1.6, n + 0.2)
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set(color=_INK, linewidth=1.5)

    # The night, lightly; the baker's quiet hours hatched over it (both show where they differ).
    for start, end in picture.night:
        a, b = max(_hours(start, origin), 0.0), min(_hours(end, origin), span)
        if b > a:
            ax.axvspan(a, b, color=_NIGHT, zorder=0, linewidth=0)
    for start, end in picture.quiet:
        a, b = max(_hours(start, origin), 0.0), min(_hours(end, origin), span)
        if b > a:
            ax.axvspan(a, b, facecolor="none", edgecolor=_QUIET, hatch="///", zorder=0, linewidth=0)

    # Clock ticks: every 3 hours on a short plan, every 6 on a long one; the day at midnight.
    step = 3 if span <= 30 else 6
    ticks, labels = [], []
    hour = (origin + timedelta(hours=step - origin.hour % step if origin.hour % step else 0)).replace(
        minute=0
    )
    while _hours(hour, origin) <= span:
        ticks.append(_hours(hour, origin))
        labels.append(hour.strftime("%a\n%H:%M") if hour.hour < step else hour.strftime("%H:%M"))
        hour += timedelta(hours=step)
    ax.set_xticks(ticks)
    ax.set_xticklabels(labels)
    ax.tick_params(axis="x", labelsize=13, colors=_INK, width=1.5, length=5)
    for tick in ax.get_xticklabels():
        tick.update(_LITERAL)
    ax.grid(True, axis="x", color=_GRID, linewidth=0.8, zorder=1)
    ax.set_axisbelow(True)

    # Phases: a band under the steps.
    for kind, name, start, end in picture.phases:
        a, b = _hours(start, origin), _hours(end, origin)
        colour = _PHASES.get(kind, _INK)
        ax.broken_barh([(a, b - a)], (-1.35, 0.8), facecolors=colour, edgecolor="white", zorder=2)
        if b - a >= 1.2:
            ax.text(
                (a + b) / 2,
                -0.95,
                name,
                ha="center",
                va="center",
                fontsize=12,
                color="white",
                fontweight="bold",
                zorder=3,
                **_LITERAL,
            )

    # Steps, earliest at the top.
    for index, row in enumerate(picture.rows):
        y = n - 1 - index
        a = _hours(row.start, origin)
        colour = _MARKER.get(row.kind, _INK)
        if row.end is not None:
            b = _hours(row.end, origin)
            ax.plot([a, b], [y, y], color=colour, linewidth=4, solid_capstyle="round", zorder=4)
            ax.plot([a, b], [y, y], "o", color=colour, markersize=7, zorder=5)
            right = b
        else:
            ax.plot([a], [y], "o", color=colour, markersize=11, markeredgecolor="white", zorder=5)
            right = a
        caption = f"{row.start:%a %H:%M}  {row.label}"
        if right < span * 0.62:
            ax.text(
                right + span * 0.012,
                y,
                caption,
                va="center",
                ha="left",
                fontsize=14,
                color=_INK,
                zorder=6,
                bbox=_LABEL_BOX,
                **_LITERAL,
            )
        else:
            ax.text(
                a - span * 0.012,
                y,
                caption,
                va="center",
                ha="right",
                fontsize=14,
                color=_INK,
                zorder=6,
                bbox=_LABEL_BOX,
                **_LITERAL,
            )

    title = fig.text(0.03, 0.955, picture.title, fontsize=20, fontweight="bold", color=_INK, va="top")
    title.update(_LITERAL)
    legend_x = 0.03
    for name, colour, shown in (("night", _NIGHT, picture.night), ("quiet hours", _QUIET, picture.quiet)):
        if shown:
            fig.patches.append(
                Rectangle(
                    (legend_x, 0.02),
                    0.02,
                    0.03,
                    transform=fig.transFigure,
                    facecolor=colour if name == "night" else "white",
                    edgecolor=_INK if name == "night" else _QUIET,
                    hatch=None if name == "night" else "///",
                )
            )
            fig.text(legend_x + 0.025, 0.035, name, fontsize=12, color=_INK, va="center", **_LITERAL)
            legend_x += 0.16
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()
