"""Rise charts for bakes, rendered to PNG bytes.

Pure rendering: no aiogram, no SQL. The bot fills :class:`ChartSeries` from the database
and calls the ``render_*`` functions in a worker thread (``asyncio.to_thread``, which carries
the baker's locale along), so this module never touches ``matplotlib.pyplot`` or
``rcParams``: every chart is its own :class:`~matplotlib.figure.Figure` on its own Agg canvas,
and every style is passed explicitly. That keeps concurrent renders independent and the
output reproducible.

Every text on a chart is in the baker's language (``_()``), numbers and dates are formatted by
Babel in the baker's locale; time runs along the x axis as h:mm since mixing.
"""

from __future__ import annotations

import functools
import io
import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal, cast

from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import format_decimal, format_percent
from matplotlib import font_manager
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ft2font import FT2Font
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator
from matplotlib.transforms import blended_transform_factory

from bot.i18n import _, current_babel_locale, ngettext

__all__ = [
    "DPI",
    "HEIGHT_PX",
    "MAX_COMPARE",
    "WIDTH_PX",
    "ChartSeries",
    "compare_chart_figure",
    "render_compare_chart",
    "render_rise_chart",
    "rise_chart_figure",
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

_PAD_PX = 12  # constrained layout keeps this clear around everything at the image's edges
_TITLE_MAX_CHARS = 120  # before measuring; the pixel width decides the final cut
_TITLE_SIDE_PX = 24  # kept clear at each side of the title
_MAX_ABS = 1e9  # larger hours / % / degrees are treated as corrupt and skipped
_TEMP_MIN_SPAN = 6.0  # degrees shown on the temperature axis at least
_LEGEND_NAME_MAX_CHARS = 40
# Widest compare-legend entry (name, date, temperature) in a one- / two-column legend: two
# columns of handle, entry and spacing must fit the image's width.
_LEGEND_LABEL_PX = (900, 450)
_LEGEND_NAME_MIN_PX = 120
_ELLIPSIS = "…"
_MISSING_GLYPH = "□"
_MINUS = "\u2212"  # a real minus sign for times before mixing

# Steps of the time axis in minutes: the smallest that keeps at most _MAX_X_TICKS intervals,
# so a 1 h bulk is ticked every 10 min and a 30 h one every 3 h.
_X_STEPS_MIN = (5, 10, 15, 20, 30, 60, 90, 120, 180, 240, 360, 480, 720, 1440, 2880)
_MAX_X_TICKS = 11
_EDGE_FRACTION = 0.025  # a vertical line this close to the plot's side has its label inside

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
_ETA_ALPHA = 0.16
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

#: gid of the artists a test (or a reader of the figure) looks for.
GID_PREDICTED = "predicted"
GID_TARGET = "target"
GID_ETA = "eta"
GID_TEMPERATURE = "temperature"


@dataclass(frozen=True)
class ChartSeries:
    """One bake as the charts need it; hours are counted from mixing."""

    name: str
    readings: Sequence[tuple[float, float]]  # (hours since mixing, rise %), any order
    temperatures: Sequence[tuple[float, float]] = ()  # (hours, temperature in temp_unit)
    folds: Sequence[float] = ()  # hours of each stretch-and-fold
    fridge_in: float | None = None  # hours when bulk ended (fridge or shape)
    target_rise: float | None = None  # the rise % bulk aims for: a line
    predicted: Sequence[tuple[float, float]] = ()  # the model's (hours, rise %), dashed
    eta_window: tuple[float, float] | None = None  # hours the target is expected in: a band
    dough_temp: float | None = None  # at mixing, in temp_unit (shown when nothing was logged)
    temp_unit: str = "°C"
    mixed_on: date | None = None  # the baker's local date of mixing (compare legend)


# --------------------------------------------------------------------------- public API


def render_rise_chart(series: ChartSeries, *, now_hours: float | None = None) -> bytes:
    """Render one bake's rise curve as PNG: readings, the model's prediction with the target
    and the ETA window, temperatures, folds, fridge and now.

    Always returns a valid ``WIDTH_PX`` x ``HEIGHT_PX`` PNG, even with no readings, so the
    bot can send a chart at any point of a bake.
    """
    return _to_png(rise_chart_figure(series, now_hours=now_hours))


def render_compare_chart(series: Sequence[ChartSeries]) -> bytes:
    """Overlay the rise curves of several bakes so the baker can compare them.

    Draws at most ``MAX_COMPARE`` bakes that have readings. Raises ``ValueError`` when
    there is nothing to draw, so the bot can answer with text instead of an empty chart.
    """
    return _to_png(compare_chart_figure(series))


def rise_chart_figure(series: ChartSeries, *, now_hours: float | None = None) -> Figure:
    """The figure :func:`render_rise_chart` encodes (for tests that read what is drawn)."""
    readings = _clean_points(series.readings)
    predicted = _clean_points(series.predicted)
    temperatures = _clean_points(series.temperatures)
    folds = sorted(h for h in series.folds if _finite(h))
    fridge = series.fridge_in if _finite(series.fridge_in) else None
    now = now_hours if _finite(now_hours) else None
    target = series.target_rise if _finite(series.target_rise) else None
    eta = _clean_band(series.eta_window)
    unit = _truncate(_clean_text(series.temp_unit), 8)
    # A temperature axis only for a temperature that changed over time; one value is a note.
    over_time = len({round(h, 3) for h, _t in temperatures}) >= 2
    single_temp = None
    if not over_time:
        single_temp = temperatures[-1][1] if temperatures else series.dough_temp
        single_temp = single_temp if _finite(single_temp) else None

    fig, ax = _new_figure()
    _title(fig, _truncate(_clean_text(series.name) or _("Bake"), _TITLE_MAX_CHARS))

    xs = [h for h, _r in (*readings, *predicted)] + folds
    xs += [h for h in (fridge, now) if h is not None]
    xs += [h for h, _t in temperatures] if over_time else []
    xs += list(eta) if eta else []
    x_lo, x_hi = _x_limits(xs)
    ys = [r for _h, r in (*readings, *predicted)] + ([target] if target is not None else [])
    y_lo, y_hi = _y_limits(ys)
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    _time_axis(ax, x_lo, x_hi)

    handles: list[Artist] = []
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
            label=_("rise"),
            zorder=5,
        )
        handles.append(line)
    else:
        # Up and to the left, where a rise curve (even a predicted one) does not go.
        _set_text(
            ax.text(
                0.3 if predicted else 0.5,
                0.75 if predicted else 0.5,
                _("no rise readings yet"),
                transform=ax.transAxes,
                ha="center",
                va="center",
                color=_PREDICTED,
                fontsize=_LABEL_PT,
                bbox={"facecolor": "white", "edgecolor": _GRID, "boxstyle": "round,pad=0.5"},
                zorder=7,
            )
        )

    if predicted:
        (line,) = ax.plot(
            *zip(*predicted, strict=True),
            color=_PREDICTED,
            linewidth=2.5,
            linestyle=(0, (6, 4)),
            label=_("predicted"),
            gid=GID_PREDICTED,
            zorder=3,
        )
        handles.append(line)
    if target is not None:
        line = ax.axhline(
            target,
            color=_TARGET,
            linewidth=2.2,
            label=_("target {rise}").format(rise=_percent(target)),
            gid=GID_TARGET,
            zorder=2,
        )
        handles.append(line)
    if eta is not None:
        low, high = eta
        # A window narrower than a few pixels still shows as a thin band.
        pad = max(0.0, (x_hi - x_lo) * 0.004 - (high - low) / 2)
        band = ax.axvspan(
            low - pad,
            high + pad,
            facecolor=_TARGET,
            alpha=_ETA_ALPHA,
            linewidth=0,
            gid=GID_ETA,
            zorder=1,
        )
        band.set_label(_("ETA {low}–{high}").format(low=_hm(low), high=_hm(high)))
        handles.append(band)

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
                label=_("fold"),
            )
        )

    if fridge is not None:
        ax.axvline(fridge, color=_FRIDGE, linewidth=2.5, zorder=4)
        _vline_label(ax, fridge, _("fridge"), _FRIDGE, side="right")
    if now is not None:
        ax.axvline(now, color=_NOW, linewidth=2.0, linestyle=(0, (2, 3)), zorder=4)
        _vline_label(ax, now, _("now"), _NOW, side="left")

    _axis_labels(ax)

    if over_time:
        handles.append(_temperature_axis(ax, temperatures, unit))
    elif single_temp is not None:
        handles.append(
            Line2D(
                [],
                [],
                color=_TEMPERATURE,
                linestyle="none",
                marker="s",
                markersize=9,
                label=_("temperature {value}").format(value=_temperature(single_temp, unit)),
            )
        )

    if len(handles) > 1 or (handles and not readings):
        _legend(fig, handles, columns=min(3, len(handles)))
    return fig


def compare_chart_figure(series: Sequence[ChartSeries]) -> Figure:
    """The figure :func:`render_compare_chart` encodes."""
    if not series:
        raise ValueError("no bakes to compare")
    drawable = [(s, pts) for s in series if (pts := _clean_points(s.readings))]
    if not drawable:
        raise ValueError("none of the bakes to compare has any rise readings")
    hidden = len(drawable) - MAX_COMPARE
    drawable = drawable[:MAX_COMPARE]

    count = len(drawable)
    columns = 2 if count > 1 else 1
    fig, ax = _new_figure()
    _title(
        fig,
        ngettext("Rise comparison · {n} bake", "Rise comparison · {n} bakes", count).format(
            n=_number(count)
        ),
    )
    all_points = [p for _s, pts in drawable for p in pts]
    x_lo, x_hi = _x_limits([h for h, _r in all_points])
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(*_y_limits([r for _h, r in all_points]))
    _time_axis(ax, x_lo, x_hi)

    handles: list[Artist] = []
    for i, (s, pts) in enumerate(drawable):
        colour = _COMPARE_COLOURS[i % len(_COMPARE_COLOURS)]
        marker, size = _marker_for(len(pts), _COMPARE_MARKERS[i % len(_COMPARE_MARKERS)])
        (line,) = ax.plot(
            *zip(*pts, strict=True),
            color=colour,
            linewidth=2.6,
            marker=marker,
            markersize=size,
            markeredgecolor="white",
            markeredgewidth=1.0,
            label=_compare_label(s, fig, _LEGEND_LABEL_PX[columns - 1]),
            zorder=3 + i,
        )
        handles.append(line)

    _axis_labels(ax)
    _legend(fig, handles, columns=columns)
    if hidden > 0:
        _set_text(
            ax.text(
                0.99,
                0.02,
                ngettext("+{n} more bake not shown", "+{n} more bakes not shown", hidden).format(
                    n=_number(hidden)
                ),
                transform=ax.transAxes,
                ha="right",
                va="bottom",
                color=_PREDICTED,
                fontsize=_NOTE_PT,
            )
        )
    return fig


# --------------------------------------------------------------------------- helpers


def _new_figure() -> tuple[Figure, Axes]:
    """A fresh figure on its own Agg canvas: no pyplot, no shared state between threads.

    Constrained layout places the plot area around whatever the texts need (the y ticks of
    a long "1.000 %" label, a second axis, a legend of several rows), so nothing is clipped
    in any language.
    """
    layout = ConstrainedLayoutEngine(w_pad=_PAD_PX / DPI, h_pad=_PAD_PX / DPI, wspace=0.0, hspace=0.0)
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor="white", layout=layout)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_facecolor("white")
    ax.grid(True, color=_GRID, linewidth=1.0, zorder=0)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=_TICK_PT, colors=_INK, width=1.5, length=6)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: _percent(value)))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set(color=_INK, linewidth=1.5)
    return fig, ax


def _title(fig: Figure, text: str) -> None:
    """The chart's title over the whole image, cut to fit its width."""
    fitted = _fit_text(fig, text, WIDTH_PX - 2 * _TITLE_SIDE_PX, _TITLE_PT, bold=True)
    fig.suptitle(fitted, fontsize=_TITLE_PT, fontweight="bold", color=_INK, **_LITERAL)


def _time_axis(ax: Axes, lo: float, hi: float) -> None:
    """Ticks in h:mm since mixing, at a round step that suits the bake's length."""
    span_min = (hi - lo) * 60
    step = next((s for s in _X_STEPS_MIN if span_min / s <= _MAX_X_TICKS), None)
    if step is None:  # weeks of (probably corrupt) data: round numbers of hours will do
        ax.xaxis.set_major_locator(MaxNLocator(nbins=_MAX_X_TICKS - 1, steps=[1, 2, 3, 6, 10]))
    else:
        ax.xaxis.set_major_locator(MultipleLocator(step / 60))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: _hm(value)))


def _temperature_axis(ax: Axes, temperatures: Sequence[tuple[float, float]], unit: str) -> Line2D:
    """The temperatures over time on a second y axis at the right; returns the legend handle."""
    tax = ax.twinx()
    (line,) = tax.plot(
        *zip(*temperatures, strict=True),
        color=_TEMPERATURE,
        linewidth=2.0,
        alpha=0.9,
        marker=_marker_for(len(temperatures), "s")[0],
        markersize=4,
        label=_("temperature"),
        gid=GID_TEMPERATURE,
        zorder=3,
    )
    temps = [t for _h, t in temperatures]
    t_lo, t_hi = min(temps), max(temps)
    # A flat-ish temperature should look flat, not swing across the whole chart.
    pad = max((_TEMP_MIN_SPAN - (t_hi - t_lo)) / 2, (t_hi - t_lo) * 0.15)
    tax.set_ylim(t_lo - pad, t_hi + pad)
    tax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: _number(value)))
    tax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    tax.set_ylabel(
        _("temperature ({unit})").format(unit=unit) if unit else _("temperature"),
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
    return line


def _legend(fig: Figure, handles: Sequence[Artist], *, columns: int) -> None:
    """The legend under the plot, where it never hides a curve; constrained layout makes room."""
    legend = fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=max(1, columns),
        fontsize=_LEGEND_PT,
        frameon=False,
        columnspacing=1.6,
        handlelength=2.4,
    )
    for text in legend.get_texts():
        _set_text(text)


def _axis_labels(ax: Axes) -> None:
    """The same x/y axis titles on every chart."""
    ax.set_xlabel(_("time since mixing (h:mm)"), fontsize=_LABEL_PT, color=_INK, **_LITERAL)
    ax.set_ylabel(_("rise"), fontsize=_LABEL_PT, color=_INK, **_LITERAL)


def _to_png(fig: Figure) -> bytes:
    """Encode without a Software tag so equal inputs give byte-identical PNGs.

    The layout is worked out once here and then frozen: savefig would otherwise draw the
    whole figure once more (without pixels) just to run the layout engine.
    """
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
        fig.set_layout_engine("none")
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

    "now" and "fridge" are often at nearly the same time, so they go on opposite sides; a
    line at the very edge of the plot has its label on the inner side instead.
    """
    lo, hi = ax.get_xlim()
    where = (x - lo) / (hi - lo)
    if where < _EDGE_FRACTION:
        side = "right"
    elif where > 1 - _EDGE_FRACTION:
        side = "left"
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


def _compare_label(s: ChartSeries, fig: Figure, max_px: float) -> str:
    """Legend entry: the bake's name, the day it was mixed and, when known, its dough
    temperature, e.g. 'Country loaf · 28 Nov · 24.5 °C' (the date and number in the
    baker's locale). The name is cut so the whole entry fits ``max_px``."""
    name = _truncate(_clean_text(s.name) or _("Bake"), _LEGEND_NAME_MAX_CHARS)
    details: list[str] = []
    if s.mixed_on is not None:
        details.append(format_skeleton("MMMd", s.mixed_on, locale=current_babel_locale()))
    if _finite(s.dough_temp):
        details.append(_temperature(cast(float, s.dough_temp), _truncate(_clean_text(s.temp_unit), 8)))
    suffix = "".join(f" · {detail}" for detail in details)
    room = max(max_px - _text_width(fig, suffix, _LEGEND_PT), _LEGEND_NAME_MIN_PX)
    return _fit_text(fig, name, room, _LEGEND_PT) + suffix


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


def _text_width(fig: Figure, text: str, size_pt: float, *, bold: bool = False) -> float:
    """Width of ``text`` in pixels, measured with the figure's own renderer."""
    renderer = cast(FigureCanvasAgg, fig.canvas).get_renderer()  # type: ignore[no-untyped-call]  # reused by savefig
    prop = FontProperties(family=_FONT_FAMILY, size=size_pt, weight="bold" if bold else "normal")
    return float(renderer.get_text_width_height_descent(text, prop, ismath=False)[0])


def _fit_text(fig: Figure, text: str, max_px: float, size_pt: float, *, bold: bool = False) -> str:
    """Cut ``text`` (with an ellipsis) to the longest prefix that fits in ``max_px``.

    Measured with the figure's own renderer, because character counts lie: forty "W"
    are three times wider than forty "i".
    """

    def width(candidate: str) -> float:
        return _text_width(fig, candidate, size_pt, bold=bold)

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


def _hm(hours: float) -> str:
    """Hours as h:mm, e.g. 1.5 -> '1:30', 30 -> '30:00', -0.25 -> '−0:15'."""
    minutes = round(hours * 60)
    sign = _MINUS if minutes < 0 else ""
    h, m = divmod(abs(minutes), 60)
    return f"{sign}{h}:{m:02d}"


def _number(value: float) -> str:
    """A number in the baker's locale, at most one decimal: 24.5 (en), 24,5 (de)."""
    return _format_number(round(value, 1) + 0.0, current_babel_locale())


def _percent(value: float) -> str:
    """A rise in the baker's locale: 75% (en), 75 % (de), 2.5% for a small step."""
    return _format_percent(round(value, 1) + 0.0, current_babel_locale())


# Tick formatters run for every tick on every layout pass: the same few values, each
# formatted once per locale.
@functools.lru_cache(maxsize=1024)
def _format_number(value: float, locale: Locale) -> str:
    return format_decimal(value, format="#,##0.#", locale=locale)


@functools.lru_cache(maxsize=1024)
def _format_percent(value: float, locale: Locale) -> str:
    return format_percent(Decimal(str(value)) / 100, locale=locale, decimal_quantization=False)


def _temperature(value: float, unit: str) -> str:
    """'24.5 °C' in the baker's locale; the unit as the bot stores it."""
    return f"{_number(value)} {unit}".rstrip()
