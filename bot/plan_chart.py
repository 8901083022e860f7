"""A picture of a bake plan: its steps on a time line, with the night and the quiet hours shaded.

Pure rendering like `bot.charts`: no aiogram, no SQL; the bot fills a `PlanPicture` in the
baker's local time and calls `render_plan_picture` in a worker thread (asyncio.to_thread, which
carries the baker's locale along). Each picture is its own Figure on its own Agg canvas, every
style passed explicitly. Its texts are in the baker's language, days and times formatted by Babel
in the baker's locale ("Sat 2:05 PM", "Sa., 14:05").
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from babel.dates import format_skeleton, format_time

from bot.i18n import _, current_babel_locale

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["PlanPicture", "PlanRow", "plan_picture_figure", "render_plan_picture"]

WIDTH_PX, HEIGHT_PX, DPI = 1200, 760, 100
_FONT = "DejaVu Sans"
_LITERAL: dict[str, Any] = {"parse_math": False, "usetex": False, "fontfamily": _FONT}
# The plot area (left, bottom, width, height as fractions): room at the sides for a centred
# clock label at the first and last tick, "12:00 AM" included.
_AXES = (0.055, 0.13, 0.89, 0.76)
_EDGE_PX = 8  # kept clear at the image's sides
_TITLE_PT, _CAPTION_PT, _PHASE_PT, _TICK_PT, _KEY_PT = 20.0, 14.0, 12.0, 13.0, 12.0
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


def _clock(moment: datetime) -> str:
    """A clock time in the baker's locale: 2:05 PM (en), 14:05 (en_GB, de)."""
    return format_time(moment, "short", locale=current_babel_locale())


def _weekday(moment: datetime) -> str:
    """The abbreviated day name in the baker's locale: Sat, Sa."""
    return format_skeleton("E", moment, locale=current_babel_locale())


def _weekday_clock(moment: datetime) -> str:
    """Day and time together, as the locale writes them: Sat 2:05 PM, Sat 14:05, Sa., 14:05."""
    locale = current_babel_locale()
    pattern = locale.time_formats["short"].pattern
    twelve_hours = "h" in pattern or "K" in pattern
    return format_skeleton("Ehm" if twelve_hours else "EHm", moment, locale=locale)


def render_plan_picture(picture: PlanPicture) -> bytes:
    """The plan as a PNG: one row per step, top to bottom in time order, the phases as a band
    underneath, clock times along the bottom (day names at midnight). Matplotlib is imported
    here, on the worker thread, so the bot starts without it."""
    fig = plan_picture_figure(picture)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def plan_picture_figure(picture: PlanPicture) -> Figure:
    """The figure `render_plan_picture` encodes (for tests that read what is drawn)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import Rectangle

    moments = [r.start for r in picture.rows] + [r.end for r in picture.rows if r.end is not None]
    first, last = min(moments), max(moments)
    origin = first.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    span = max(_hours(last, origin) + 1.5, 6.0)
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes(_AXES)
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
        labels.append(f"{_weekday(hour)}\n{_clock(hour)}" if hour.hour < step else _clock(hour))
        hour += timedelta(hours=step)
    ax.set_xticks(ticks)
    ax.set_xticklabels(labels)
    ax.tick_params(axis="x", labelsize=_TICK_PT, colors=_INK, width=1.5, length=5)
    for tick in ax.get_xticklabels():
        tick.update(_LITERAL)
    ax.grid(True, axis="x", color=_GRID, linewidth=0.8, zorder=1)
    ax.set_axisbelow(True)

    renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]

    def width_px(text: str, size: float, *, bold: bool = False) -> float:
        prop = FontProperties(family=_FONT, size=size, weight="bold" if bold else "normal")
        return float(renderer.get_text_width_height_descent(text, prop, ismath=False)[0])

    def fit(text: str, room_px: float, size: float, *, bold: bool = False) -> str:
        """`text`, cut with an ellipsis to the longest prefix that fits `room_px`."""
        if width_px(text, size, bold=bold) <= room_px:
            return text
        cut = len(text)
        while cut > 0 and width_px(text[:cut].rstrip() + "…", size, bold=bold) > room_px:
            cut -= max(1, cut // 8)
        return text[: max(cut, 0)].rstrip() + "…"

    def x_px(hours: float) -> float:
        return (_AXES[0] + hours / span * _AXES[2]) * WIDTH_PX

    # Phases: a band under the steps, each named when its name fits inside it.
    for kind, name, start, end in picture.phases:
        a, b = _hours(start, origin), _hours(end, origin)
        colour = _PHASES.get(kind, _INK)
        ax.broken_barh([(a, b - a)], (-1.35, 0.8), facecolors=colour, edgecolor="white", zorder=2)
        if name and width_px(name, _PHASE_PT, bold=True) + 12 <= x_px(b) - x_px(a):
            ax.text(
                (a + b) / 2,
                -0.95,
                name,
                ha="center",
                va="center",
                fontsize=_PHASE_PT,
                color="white",
                fontweight="bold",
                zorder=3,
                **_LITERAL,
            )

    # Steps, earliest at the top; each caption beside its marker on the side it fits (the
    # right one for early steps), cut short only when it fits on neither.
    gap = span * 0.012
    gap_px = x_px(gap) - x_px(0)
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
        caption = f"{_weekday_clock(row.start)}  {row.label}"
        room_right = WIDTH_PX - _EDGE_PX - (x_px(right) + gap_px)
        room_left = x_px(a) - gap_px - _EDGE_PX
        needed = width_px(caption, _CAPTION_PT)
        on_right = right < span * 0.62
        if needed > (room_right if on_right else room_left):
            on_right = room_right >= needed or (room_left < needed and room_right > room_left)
        room = room_right if on_right else room_left
        ax.text(
            right + gap if on_right else a - gap,
            y,
            fit(caption, room, _CAPTION_PT),
            va="center",
            ha="left" if on_right else "right",
            fontsize=_CAPTION_PT,
            color=_INK,
            zorder=6,
            bbox=_LABEL_BOX,
            **_LITERAL,
        )

    heading = fit(picture.title, WIDTH_PX * 0.94, _TITLE_PT, bold=True)
    title = fig.text(0.03, 0.955, heading, fontsize=_TITLE_PT, fontweight="bold", color=_INK, va="top")
    title.update(_LITERAL)
    legend_x = 0.03
    for night, colour, shown in ((True, _NIGHT, picture.night), (False, _QUIET, picture.quiet)):
        if shown:
            fig.patches.append(
                Rectangle(
                    (legend_x, 0.02),
                    0.02,
                    0.03,
                    transform=fig.transFigure,
                    facecolor=colour if night else "white",
                    edgecolor=_INK if night else _QUIET,
                    hatch=None if night else "///",
                )
            )
            name = _("night") if night else _("quiet hours")
            fig.text(legend_x + 0.025, 0.035, name, fontsize=_KEY_PT, color=_INK, va="center", **_LITERAL)
            # The next key starts after this one's text, however long it is in the baker's language.
            legend_x += 0.025 + width_px(name, _KEY_PT) / WIDTH_PX + 0.03
    return fig
