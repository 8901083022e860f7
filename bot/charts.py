"""Rise charts for bakes, rendered to PNG bytes.

Pure rendering: no aiogram, no SQL. The bot fills :class:`ChartSeries` from the database
and calls the ``render_*`` functions in a worker thread (``asyncio.to_thread``), so this
module never touches ``matplotlib.pyplot`` or ``rcParams``: every chart is its own
:class:`~matplotlib.figure.Figure` on its own Agg canvas, and every style is passed
explicitly. That keeps concurrent renders independent and the output reproducible.
"""

from __future__ import annotations

import functools
import io
import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ft2font import FT2Font
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator, StrMethodFormatter
from matplotlib.transforms import blended_transform_factory

__all__ = [
    "DPI",
    "HEIGHT_PX",
    "MAX_COMPARE",
    "WIDTH_PX",
    "ChartSeries",
    "render_compare_chart",
    "render_rise_chart",
]

# Output geometry: fixed so Telegram always gets the same, phone-friendly size (it keeps
# photos up to 1280 px wide, so 1200 px is not downscaled much).
WIDTH_PX = 1200
HEIGHT_PX = 800
DPI = 100

#: Bakes drawn by :func:`render_compare_chart`; more would be unreadable on a phone.
MAX_COMPARE = 8

# Font sizes in points (at 100 dpi one point is ~1.39 px): ticks 16 pt ~ 22 px,
# title 22 pt ~ 31 px. The image is shown at roughly a third of its size on a phone.
_FONT_FAMILY = "DejaVu Sans"  # bundled with matplotlib, so it exists everywhere
_TITLE_PT = 22.0
_LABEL_PT = 18.0
_TICK_PT = 16.0
_LEGEND_PT = 15.0
_NOTE_PT = 14.0

# Plot-area margins in pixels, sized for the fonts above: left holds "1000%" ticks and the
# "rise %" label, right the optional temperature axis, bottom the x ticks and label.
_LEFT_PX = 120
_TOP_PX = 58
_RIGHT_PX = 36
_RIGHT_WITH_TEMPERATURE_PX = 118
_BOTTOM_PX = 88
_LEGEND_ROW_PX = 30  # compare-chart legend rows below the plot

_TITLE_MAX_CHARS = 120  # before measuring; the pixel width decides the final cut
_TITLE_SIDE_PX = 14  # kept clear at each side of the title
_MAX_ABS = 1e9  # larger hours / % / degrees are treated as corrupt and skipped
_TEMP_MIN_SPAN = 6.0  # degrees shown on the temperature axis at least
_LEGEND_NAME_MAX_CHARS = 40
_LEGEND_NAME_PX = (760, 360)  # widest bake name in a one- / two-column legend
_ELLIPSIS = "…"
_MISSING_GLYPH = "□"

# Applied to every text that may hold user input: "$x$" must print as "$x$", and a
# matplotlibrc with text.usetex on must not make a bake name go through LaTeX.
_LITERAL: dict[str, Any] = {"parse_math": False, "usetex": False, "fontfamily": _FONT_FAMILY}

# Markers get smaller, then disappear, as readings get denser.
_BIG_MARKERS_UP_TO = 60
_SMALL_MARKERS_UP_TO = 200

# High-contrast, colour-blind-friendly palette (Okabe-Ito based, yellow replaced).
_INK = "#1a1a1a"
_GRID = "#c8c8c8"
_RISE = "#0b4f9c"
_PREDICTED = "#5f5f5f"
_TEMPERATURE = "#c2410c"
_TARGET = "#2f8f3a"
_FOLD = "#7a4a12"
_FRIDGE = "#6a3d9a"
_NOW = "#1a1a1a"
_COMPARE_COLOURS = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#1a1a1a",
    "#E69F00",
    "#56B4E9",
    "#8B4513",
)
_COMPARE_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


@dataclass(frozen=True)
class ChartSeries:
    """One bake as the charts need it; hours are counted from mixing."""

    name: str
    readings: Sequence[tuple[float, float]]  # (hours since mixing, rise %), any order
    temperatures: Sequence[tuple[float, float]] = ()  # (hours, temperature in temp_unit)
    folds: Sequence[float] = ()  # hours of each stretch-and-fold
    fridge_in: float | None = None  # hours when bulk ended (fridge or shape)
    target_band: tuple[float, float] | None = None  # rise % band to shade
    predicted: Sequence[tuple[float, float]] = ()  # predicted (hours, rise %), dashed
    dough_temp: float | None = None  # shown in the compare legend
    temp_unit: str = "°C"


# --------------------------------------------------------------------------- public API


def render_rise_chart(series: ChartSeries, *, now_hours: float | None = None) -> bytes:
    """Render one bake's rise curve (plus temperature, folds, fridge, prediction) as PNG.

    Always returns a valid ``WIDTH_PX`` x ``HEIGHT_PX`` PNG, even with no readings, so the
    bot can send a chart at any point of a bake.
    """
    readings = _clean_points(series.readings)
    predicted = _clean_points(series.predicted)
    temperatures = _clean_points(series.temperatures)
    folds = sorted(h for h in series.folds if _finite(h))
    fridge = series.fridge_in if _finite(series.fridge_in) else None
    now = now_hours if _finite(now_hours) else None
    band = _clean_band(series.target_band)

    fig, ax = _new_figure(right_px=_RIGHT_WITH_TEMPERATURE_PX if temperatures else _RIGHT_PX)
    ax.set_title(
        _fit_text(
            fig,
            _truncate(_clean_text(series.name) or "Bake", _TITLE_MAX_CHARS),
            _title_width_px(ax),
            _TITLE_PT,
            bold=True,
        ),
        fontsize=_TITLE_PT,
        fontweight="bold",
        color=_INK,
        **_LITERAL,
    )

    xs = [h for h, _ in (*readings, *predicted, *temperatures)] + folds
    xs += [h for h in (fridge, now) if h is not None]
    x_lo, x_hi = _x_limits(xs)
    ys = [r for _, r in (*readings, *predicted)] + (list(band) if band else [])
    y_lo, y_hi = _y_limits(ys)
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)

    if band is not None:
        lo, hi = band
        ax.axhspan(lo, hi, color=_TARGET, alpha=0.16, linewidth=0, zorder=1)
        for edge in band:
            ax.axhline(edge, color=_TARGET, linewidth=1.2, alpha=0.6, zorder=1)
        _set_text(
            ax.text(
                0.012,
                (lo + hi) / 2,
                f"target {_fmt(lo)}–{_fmt(hi)} %",
                transform=blended_transform_factory(ax.transAxes, ax.transData),
                ha="left",
                va="center",
                color=_TARGET,
                fontsize=_NOTE_PT,
                fontweight="bold",
                zorder=6,
            )
        )

    handles: list[Line2D] = []
    if predicted:
        (line,) = ax.plot(
            *zip(*predicted, strict=True),
            color=_PREDICTED,
            linewidth=2.5,
            linestyle=(0, (6, 4)),
            label="predicted",
            zorder=3,
        )
        handles.append(line)
    if readings:
        marker, size = _marker_for(len(readings), "o")
        (line,) = ax.plot(
            *zip(*readings, strict=True),
            color=_RISE,
            linewidth=3.0,
            marker=marker,
            markersize=size,
            markerfacecolor=_RISE,
            markeredgecolor="white",
            markeredgewidth=1.2,
            label="rise",
            zorder=5,
        )
        handles.insert(0, line)  # the measured rise leads the legend
    else:
        _set_text(
            ax.text(
                0.5,
                0.5,
                "no rise readings yet",
                transform=ax.transAxes,
                ha="center",
                va="center",
                color=_PREDICTED,
                fontsize=_LABEL_PT,
                bbox={"facecolor": "white", "edgecolor": _GRID, "boxstyle": "round,pad=0.5"},
                zorder=7,
            )
        )

    for h in folds:
        ax.axvline(h, ymin=0.0, ymax=0.06, color=_FOLD, linewidth=3.0, zorder=4)
    if folds:
        # The ticks sit on the x axis; one legend entry names them all, which stays
        # readable even when folds are minutes apart.
        handles.append(
            Line2D(
                [],
                [],
                color=_FOLD,
                linestyle="none",
                marker="|",
                markersize=16,
                markeredgewidth=3.0,
                label="fold",
            )
        )

    if fridge is not None:
        ax.axvline(fridge, color=_FRIDGE, linewidth=2.5, zorder=4)
        _vline_label(ax, fridge, "fridge", _FRIDGE, side="right")
    if now is not None:
        ax.axvline(now, color=_NOW, linewidth=2.0, linestyle=(0, (2, 3)), zorder=4)
        _vline_label(ax, now, "now", _NOW, side="left")

    _axis_labels(ax)

    if temperatures:
        unit = _truncate(_clean_text(series.temp_unit), 8)
        tax = ax.twinx()
        (line,) = tax.plot(
            *zip(*temperatures, strict=True),
            color=_TEMPERATURE,
            linewidth=2.0,
            alpha=0.9,
            marker=_marker_for(len(temperatures), "s")[0],
            markersize=4,
            label="temperature",
            zorder=3,
        )
        handles.append(line)
        temps = [t for _, t in temperatures]
        t_lo, t_hi = min(temps), max(temps)
        # A flat-ish temperature should look flat, not swing across the whole chart.
        pad = max((_TEMP_MIN_SPAN - (t_hi - t_lo)) / 2, (t_hi - t_lo) * 0.15)
        tax.set_ylim(t_lo - pad, t_hi + pad)
        tax.yaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
        tax.yaxis.set_major_locator(MaxNLocator(nbins=6))
        tax.set_ylabel(
            f"temperature ({unit})" if unit else "temperature",
            fontsize=_LABEL_PT,
            color=_TEMPERATURE,
            **_LITERAL,
        )
        tax.tick_params(axis="y", labelsize=_TICK_PT, colors=_TEMPERATURE, width=1.5)
        for side in ("top", "left", "bottom"):
            tax.spines[side].set_visible(False)
        tax.spines["right"].set(color=_TEMPERATURE, linewidth=1.5)
        # Keep the rise curve on top of the temperature line.
        ax.set_zorder(tax.get_zorder() + 1)
        ax.patch.set_visible(False)

    if len(handles) > 1:
        legend = ax.legend(
            handles=handles,
            loc="lower right",
            fontsize=_LEGEND_PT,
            framealpha=0.92,
            edgecolor=_GRID,
        )
        legend.set_zorder(8)

    return _to_png(fig)


def render_compare_chart(series: Sequence[ChartSeries]) -> bytes:
    """Overlay the rise curves of several bakes so the baker can compare them.

    Draws at most ``MAX_COMPARE`` bakes that have readings. Raises ``ValueError`` when
    there is nothing to draw, so the bot can answer with text instead of an empty chart.
    """
    if not series:
        raise ValueError("no bakes to compare")
    drawable = [(s, pts) for s in series if (pts := _clean_points(s.readings))]
    if not drawable:
        raise ValueError("none of the bakes to compare has any rise readings")
    hidden = len(drawable) - MAX_COMPARE
    drawable = drawable[:MAX_COMPARE]

    count = len(drawable)
    columns = 2 if count > 1 else 1
    rows = -(-count // columns)
    fig, ax = _new_figure(bottom_px=_BOTTOM_PX + 16 + rows * _LEGEND_ROW_PX)
    ax.set_title(
        f"Rise comparison · {count} bake{'s' if count != 1 else ''}",
        fontsize=_TITLE_PT,
        fontweight="bold",
        color=_INK,
        **_LITERAL,
    )
    all_points = [p for _, pts in drawable for p in pts]
    ax.set_xlim(*_x_limits([h for h, _ in all_points]))
    ax.set_ylim(*_y_limits([r for _, r in all_points]))

    for i, (s, pts) in enumerate(drawable):
        colour = _COMPARE_COLOURS[i % len(_COMPARE_COLOURS)]
        marker, size = _marker_for(len(pts), _COMPARE_MARKERS[i % len(_COMPARE_MARKERS)])
        ax.plot(
            *zip(*pts, strict=True),
            color=colour,
            linewidth=2.6,
            marker=marker,
            markersize=size,
            markeredgecolor="white",
            markeredgewidth=1.0,
            label=_compare_label(s, fig, _LEGEND_NAME_PX[columns - 1]),
            zorder=3 + i,
        )

    _axis_labels(ax)
    legend = fig.legend(
        loc="lower center",
        bbox_to_anchor=(0.5, 0.005),
        ncols=columns,
        fontsize=_LEGEND_PT,
        frameon=False,
    )
    for text in legend.get_texts():
        _set_text(text)
    if hidden > 0:
        _set_text(
            ax.text(
                0.99,
                0.02,
                f"+{hidden} more not shown",
                transform=ax.transAxes,
                ha="right",
                va="bottom",
                color=_PREDICTED,
                fontsize=_NOTE_PT,
            )
        )
    return _to_png(fig)


# --------------------------------------------------------------------------- helpers


def _new_figure(*, right_px: int = _RIGHT_PX, bottom_px: int = _BOTTOM_PX) -> tuple[Figure, Axes]:
    """A fresh figure on its own Agg canvas: no pyplot, no shared state between threads.

    The plot area is placed with fixed pixel margins instead of a layout engine: size
    and fonts never change, and skipping constrained layout makes a render ~1/3 faster.
    """
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes(
        (
            _LEFT_PX / WIDTH_PX,
            bottom_px / HEIGHT_PX,
            (WIDTH_PX - _LEFT_PX - right_px) / WIDTH_PX,
            (HEIGHT_PX - _TOP_PX - bottom_px) / HEIGHT_PX,
        )
    )
    ax.set_facecolor("white")
    ax.grid(True, color=_GRID, linewidth=1.0, zorder=0)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=_TICK_PT, colors=_INK, width=1.5, length=6)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=10, steps=[1, 2, 3, 4, 5, 6, 10]))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:g}%"))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set(color=_INK, linewidth=1.5)
    return fig, ax


def _axis_labels(ax: Axes) -> None:
    """The same x/y axis titles on every chart."""
    ax.set_xlabel("hours since mixing", fontsize=_LABEL_PT, color=_INK, **_LITERAL)
    ax.set_ylabel("rise %", fontsize=_LABEL_PT, color=_INK, **_LITERAL)


def _to_png(fig: Figure) -> bytes:
    """Encode without a Software tag so equal inputs give byte-identical PNGs."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _set_text(text: Text) -> None:
    """Show text literally: no mathtext for ``$``, no LaTeX, a font whose glyphs we know."""
    text.update(_LITERAL)


def _vline_label(
    ax: Axes, x: float, label: str, colour: str, *, side: Literal["left", "right"]
) -> None:
    """Label a vertical line near the top, written along it on ``side``.

    "now" and "fridge" are often at nearly the same time, so they go on opposite sides.
    """
    _set_text(
        ax.text(
            x,
            0.98,
            f" {label} ",
            transform=blended_transform_factory(ax.transData, ax.transAxes),
            rotation=90,
            ha="right" if side == "left" else "left",
            va="top",
            color=colour,
            fontsize=_NOTE_PT,
            fontweight="bold",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.0},
            zorder=6,
        )
    )


def _compare_label(s: ChartSeries, fig: Figure, max_name_px: float) -> str:
    """Legend entry: bake name and, when known, dough temperature, e.g. 'Loaf · 24.5 °C'."""
    name = _truncate(_clean_text(s.name) or "Bake", _LEGEND_NAME_MAX_CHARS)
    name = _fit_text(fig, name, max_name_px, _LEGEND_PT)
    if _finite(s.dough_temp):
        unit = _truncate(_clean_text(s.temp_unit), 8)
        return f"{name} · {s.dough_temp:.1f} {unit}".rstrip()
    return name


@functools.cache
def _font_charmap() -> frozenset[int]:
    """Code points the chart font can draw; anything else would render as a warning."""
    path = font_manager.findfont(FontProperties(family=_FONT_FAMILY), fallback_to_default=True)
    return frozenset(FT2Font(path).get_charmap())


def _clean_text(text: str) -> str:
    """Make arbitrary user text drawable on one line.

    Whitespace runs become one space, control/format characters are dropped, symbols the
    font lacks (emoji) are dropped, and letters it lacks (e.g. CJK) become a box so the
    baker can still tell something was there.
    """
    covered = _font_charmap()
    out: list[str] = []
    for ch in str(text):
        if ch.isspace():
            out.append(" ")
            continue
        category = unicodedata.category(ch)
        if category[0] == "C":
            continue
        if ord(ch) in covered:
            out.append(ch)
        elif category[0] in "LN":
            out.append(_MISSING_GLYPH)
    return " ".join("".join(out).split())


def _title_width_px(ax: Axes) -> float:
    """Room for a title centred over the plot area without leaving the image."""
    left, _, width, _ = ax.get_position().bounds
    centre = (left + width / 2) * WIDTH_PX
    return float(2 * (min(centre, WIDTH_PX - centre) - _TITLE_SIDE_PX))


def _fit_text(fig: Figure, text: str, max_px: float, size_pt: float, *, bold: bool = False) -> str:
    """Cut ``text`` (with an ellipsis) to the longest prefix that fits in ``max_px``.

    Measured with the figure's own renderer, because character counts lie: forty "W"
    are three times wider than forty "i".
    """
    renderer = cast(FigureCanvasAgg, fig.canvas).get_renderer()  # type: ignore[no-untyped-call]  # reused by savefig
    prop = FontProperties(family=_FONT_FAMILY, size=size_pt, weight="bold" if bold else "normal")

    def width(candidate: str) -> float:
        return float(renderer.get_text_width_height_descent(candidate, prop, ismath=False)[0])

    if width(text) <= max_px:
        return text
    lo, hi = 0, len(text)  # text[:lo] + "…" fits (or lo == 0); text[:hi] + "…" does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if width(text[:mid].rstrip() + _ELLIPSIS) <= max_px:
            lo = mid
        else:
            hi = mid
    return text[:lo].rstrip() + _ELLIPSIS


def _truncate(text: str, limit: int) -> str:
    """Cut to ``limit`` characters, ending in an ellipsis when something was cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + _ELLIPSIS


def _finite(value: float | None) -> bool:
    """True for a plausible real number: bad database values must not break a chart.

    Magnitudes beyond ``_MAX_ABS`` count as garbage too; they would overflow the axis
    padding arithmetic.
    """
    if value is None or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value) and abs(value) <= _MAX_ABS
    except TypeError:
        return False


def _clean_points(points: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Finite points sorted by time, so a line never zig-zags back in time."""
    return sorted((float(x), float(y)) for x, y in points if _finite(x) and _finite(y))


def _clean_band(band: tuple[float, float] | None) -> tuple[float, float] | None:
    """Ordered finite band, or None."""
    if band is None:
        return None
    lo, hi = band
    if not (_finite(lo) and _finite(hi)):
        return None
    return (float(min(lo, hi)), float(max(lo, hi)))


def _x_limits(xs: Sequence[float]) -> tuple[float, float]:
    """Start at mixing (0 h), end a little after the last event; never a zero-width axis."""
    lo = min(0.0, *xs) if xs else 0.0
    hi = max(xs) if xs else 6.0
    hi = max(hi, lo + 1.0)
    return lo, hi + (hi - lo) * 0.03


def _y_limits(ys: Sequence[float]) -> tuple[float, float]:
    """Start at 0 % (or below, for a collapse) with headroom above the highest value."""
    lo = min(0.0, *ys) if ys else 0.0
    hi = max(10.0, *ys) if ys else 100.0
    span = hi - lo
    return lo - (span * 0.03 if lo < 0 else 0.0), hi + span * 0.12


def _marker_for(count: int, marker: str) -> tuple[str, float]:
    """Big markers for a few readings, small for many, none when they would blur."""
    if count <= _BIG_MARKERS_UP_TO:
        return marker, 9.0
    if count <= _SMALL_MARKERS_UP_TO:
        return marker, 4.0
    return "", 0.0


def _fmt(value: float) -> str:
    """Compact number for labels: 50 rather than 50.0, 47.5 stays."""
    return f"{value:.1f}".rstrip("0").rstrip(".")
