"""Tests for bot.charts: valid, fixed-size, reproducible PNGs for any bake, thread-safe."""

from __future__ import annotations

import ast
import io
import itertools
import math
import re
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import matplotlib
import numpy as np
import pytest
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from bot import charts
from bot.charts import (
    HEIGHT_PX,
    MAX_COMPARE,
    WIDTH_PX,
    ChartSeries,
    render_compare_chart,
    render_rise_chart,
)
from bot.handlers.history import chart_series
from bot.i18n import use_locale
from schedules import forecast
from schedules.services.bakes import BakeDetails
from schedules.types import Bake, RiseReading, TempReading, User

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- helpers


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, body) of every chunk, after checking the signature and each chunk's CRC."""
    assert data[:8] == PNG_SIGNATURE
    chunks: list[tuple[bytes, bytes]] = []
    pos = 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        chunks.append((kind, body))
        pos += 12 + length
    return chunks


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk."""
    kind, body = png_chunks(data)[0]
    assert kind == b"IHDR"
    width, height = struct.unpack(">II", body[:8])
    return width, height


def assert_chart_png(data: bytes) -> None:
    """A complete PNG of the promised size, pixel data intact, no Software tag.

    Checked by hand (chunk CRCs, inflated IDAT length) because decoding every chart
    with an image library would make the suite several times slower.
    """
    chunks = png_chunks(data)
    kinds = [kind for kind, _ in chunks]
    assert kinds[0] == b"IHDR"
    assert kinds[-1] == b"IEND"
    assert png_size(data) == (WIDTH_PX, HEIGHT_PX)
    assert WIDTH_PX >= 1000
    bit_depth, colour_type = chunks[0][1][8], chunks[0][1][9]
    assert (bit_depth, colour_type) == (8, 6)  # 8-bit RGBA, as Agg writes it
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    assert len(raw) == HEIGHT_PX * (1 + WIDTH_PX * 4)  # a filter byte per row
    assert b"Software" not in data
    assert all(kind != b"tEXt" or not body.startswith(b"Software") for kind, body in chunks)


def decode(data: bytes) -> np.ndarray:
    """Pixels as floats in 0..1, for checking which elements were drawn."""
    assert_chart_png(data)
    pixels = imread(io.BytesIO(data), format="png")
    assert pixels.shape[:2] == (HEIGHT_PX, WIDTH_PX)
    return pixels


def colour_pixels(pixels: np.ndarray, hex_colour: str) -> int:
    """How many pixels are (almost) exactly ``hex_colour``: is that element drawn?"""
    rgb = np.array(matplotlib.colors.to_rgb(hex_colour))
    return int((np.abs(pixels[..., :3] - rgb).max(axis=-1) < 0.02).sum())


def rise_curve(n: int, hours: float = 8.0) -> list[tuple[float, float]]:
    if n == 1:
        return [(0.5, 3.0)]
    return [
        (hours * i / (n - 1), 90 / (1 + math.exp(-1.1 * (hours * i / (n - 1) - 4.5))))
        for i in range(n)
    ]


def typical(name: str = "Country loaf", **changes: object) -> ChartSeries:
    fields: dict[str, object] = {
        "name": name,
        "readings": rise_curve(30, 7.0),
        "temperatures": [(h / 2, 24 + math.sin(h / 3)) for h in range(15)],
        "folds": (0.5, 1.0, 1.5, 2.0),
        "fridge_in": 7.2,
        "target_rise": 75.0,
        "predicted": rise_curve(40, 9.0),
        "eta_window": (5.6, 6.4),
        "dough_temp": 24.5,
    }
    fields.update(changes)
    return ChartSeries(**fields)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- rise chart


@pytest.mark.parametrize("count", [0, 1, 61, 500])
def test_rise_chart_any_number_of_readings(count: int) -> None:
    series = ChartSeries("Loaf", rise_curve(count) if count else [], target_rise=50.0)
    assert_chart_png(render_rise_chart(series))


def test_rise_chart_with_no_readings_and_nothing_else() -> None:
    assert_chart_png(render_rise_chart(ChartSeries("Just mixed", [])))


@pytest.fixture(scope="module")
def typical_png() -> bytes:
    """The everyday chart, rendered once and shared (keeps the suite fast)."""
    return render_rise_chart(typical(), now_hours=7.0)


def test_rise_chart_full_bake_with_now_line(typical_png: bytes) -> None:
    pixels = decode(typical_png)
    for colour in (charts._RISE, charts._TEMPERATURE, charts._PREDICTED, charts._FRIDGE):
        assert colour_pixels(pixels, colour) > 50, colour


def test_temperature_drawn_only_when_known(typical_png: bytes) -> None:
    without = decode(render_rise_chart(typical(temperatures=(), dough_temp=None), now_hours=7.0))
    assert colour_pixels(decode(typical_png), charts._TEMPERATURE) > 500
    assert colour_pixels(without, charts._TEMPERATURE) == 0


def test_predicted_curve_only_when_given(typical_png: bytes) -> None:
    without = decode(render_rise_chart(typical(predicted=()), now_hours=7.0))
    # Anti-aliased dark lines leave a few pixels of the same grey; the dashes add many.
    grey_with = colour_pixels(decode(typical_png), charts._PREDICTED)
    grey_without = colour_pixels(without, charts._PREDICTED)
    assert grey_with > grey_without + 300


def test_rise_may_collapse_and_readings_may_be_unsorted() -> None:
    readings = [(5.0, 60.0), (1.0, 10.0), (7.0, 20.0), (3.0, 45.0), (8.0, -5.0)]
    assert_chart_png(render_rise_chart(ChartSeries("Overproofed", readings)))


def test_bad_numbers_are_skipped_not_fatal() -> None:
    series = ChartSeries(
        "Glitchy",
        [(1.0, 10.0), (math.nan, 5.0), (2.0, math.inf), (1e300, 1.0), (3.0, 30.0)],
        temperatures=[(math.nan, 20.0)],
        folds=(math.inf, 0.5),
        fridge_in=math.nan,
        target_rise=math.nan,
        eta_window=(math.inf, 5.0),
        dough_temp=math.nan,
    )
    assert_chart_png(render_rise_chart(series, now_hours=math.inf))


# A warning while drawing fails the test (e.g. "Glyph ... missing from font(s)"); an unraisable
# exception is only reported: it comes from garbage an earlier test left (once, an unclosed aiohttp
# session of a bot) that the garbage collector happened to find during this test.
CHART_WARNINGS_FAIL = pytest.mark.filterwarnings("error", "default::pytest.PytestUnraisableExceptionWarning")


@CHART_WARNINGS_FAIL
@pytest.mark.parametrize(
    "name",
    [
        "$x$",
        r"$\notacommand{$ and $$",
        "<b>x</b> & <i>y</i>",
        "a" * 5000,
        "Loaf 🍞🥖👨‍🍳 with emoji",
        "新しいパン хлеб ψωμί line\nbreak\ttab\x00nul\u202eRTL",
        "   ",
    ],
)
def test_weird_names_render(name: str) -> None:
    series = ChartSeries(name, rise_curve(5), temperatures=[(1.0, 75.0)], temp_unit="°F $")
    assert_chart_png(render_rise_chart(series))


@CHART_WARNINGS_FAIL
def test_weird_names_in_compare_legend() -> None:
    names = ["$x$", r"$\frac{$", "<b>x</b>", "b" * 5000, "🍞🍞", "面包", "", "tab\there"]
    assert_chart_png(render_compare_chart([typical(name=n) for n in names]))


def test_clean_text_and_truncate() -> None:
    assert charts._clean_text("a\nb\t c\x00") == "a b c"
    assert charts._clean_text("Loaf 🍞") == "Loaf"
    assert charts._clean_text("面包 bread") == "□□ bread"
    assert charts._clean_text("$x$ <b>") == "$x$ <b>"
    title = charts._truncate("a" * 5000, charts._TITLE_MAX_CHARS)
    assert len(title) == charts._TITLE_MAX_CHARS
    assert title.endswith("…")
    assert charts._truncate("short", 10) == "short"


def test_output_is_reproducible(typical_png: bytes) -> None:
    assert render_rise_chart(typical(), now_hours=7.0) == typical_png


# --------------------------------------------------------------------------- compare chart


def test_compare_three_bakes() -> None:
    bakes = [
        typical(name=f"Bake {i}", readings=rise_curve(20 + i, 6 + i), dough_temp=23 + i)
        for i in range(3)
    ]
    pixels = decode(render_compare_chart(bakes))
    for colour in charts._COMPARE_COLOURS[:3]:
        assert colour_pixels(pixels, colour) > 50, colour


def test_compare_skips_empty_bakes_and_caps_count() -> None:
    bakes = [ChartSeries(f"B{i}", rise_curve(10, 5 + i / 3)) for i in range(MAX_COMPARE + 3)]
    bakes.append(ChartSeries("empty", []))
    assert_chart_png(render_compare_chart(bakes))


def test_compare_label_has_name_and_dough_temp() -> None:
    fig, _ = charts._new_figure()
    label = charts._compare_label(typical(name="Country loaf"), fig, 360)
    assert label == "Country loaf · 24.5 °C"
    assert charts._compare_label(typical(name="X", dough_temp=None), fig, 360) == "X"
    long_label = charts._compare_label(typical(name="W" * 200, temp_unit="°F"), fig, 360)
    assert long_label.endswith("… · 24.5 °F")
    dated = charts._compare_label(typical(name="W" * 200, mixed_on=date(2026, 11, 28)), fig, 360)
    assert dated.endswith("… · Nov 28 · 24.5 °C")
    assert charts._text_width(fig, dated, charts._LEGEND_PT) <= 360  # the whole entry fits


def test_fit_text_measures_pixels_not_characters() -> None:
    fig, _ = charts._new_figure()
    wide = charts._fit_text(fig, "W" * 100, 600, charts._TITLE_PT, bold=True)
    narrow = charts._fit_text(fig, "i" * 100, 600, charts._TITLE_PT, bold=True)
    assert wide.endswith("…")
    assert len(wide) < len(narrow)
    assert charts._fit_text(fig, "Short", 600, charts._TITLE_PT) == "Short"
    assert charts._fit_text(fig, "Wide", 1, charts._TITLE_PT) == "…"


def test_compare_with_nothing_raises() -> None:
    with pytest.raises(ValueError, match="no bakes"):
        render_compare_chart([])
    with pytest.raises(ValueError, match="rise readings"):
        render_compare_chart([ChartSeries("a", []), ChartSeries("b", [(math.nan, 1.0)])])


# --------------------------------------------------------------------------- isolation


def test_rendering_leaves_pyplot_and_rcparams_alone() -> None:
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rc_before = dict(matplotlib.rcParams)
    figs_before = plt.get_fignums()
    render_rise_chart(typical(), now_hours=2.0)
    render_compare_chart([typical(), typical(name="other")])
    assert plt.get_fignums() == figs_before == []
    assert dict(matplotlib.rcParams) == rc_before


def test_charts_module_never_imports_pyplot() -> None:
    tree = ast.parse(Path(charts.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
            imported.update(f"{node.module}.{alias.name}" for alias in node.names)
    assert not any("pyplot" in name for name in imported)
    assert "matplotlib.backends.backend_agg" in imported


def test_concurrent_renders_in_threads() -> None:
    jobs = [
        (render_rise_chart, typical(name="thread A")),
        (render_rise_chart, ChartSeries("thread C", [])),
        (render_compare_chart, [typical(name="c1"), typical(name="c2", dough_temp=20.0)]),
    ]
    expected = [fn(arg) for fn, arg in jobs]  # type: ignore[operator]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(fn, arg) for fn, arg in jobs]  # type: ignore[arg-type]
        results = [f.result(timeout=60) for f in futures]
    for got, want in zip(results, expected, strict=True):
        assert_chart_png(got)
        assert got == want  # threads did not disturb each other's drawing


# --------------------------------------------------------------------------- what is drawn


def drawn(fig: Figure) -> Figure:
    """Lay the figure out as the PNG would be (ticks, legend, margins), without pixels."""
    fig.draw_without_rendering()
    return fig


def tick_texts(ax: Axes, axis: str = "x") -> list[str]:
    """The tick labels a reader sees: the ticks inside the axis' visible range."""
    which = ax.xaxis if axis == "x" else ax.yaxis
    lo, hi = sorted(ax.get_xlim() if axis == "x" else ax.get_ylim())
    formatter = which.get_major_formatter()
    return [formatter(v, i) for i, v in enumerate(which.get_majorticklocs()) if lo - 1e-9 <= v <= hi + 1e-9]


def legend_texts(fig: Figure) -> list[str]:
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def by_gid(ax: Axes, gid: str) -> list[Artist]:
    return [a for a in ax.get_children() if a.get_gid() == gid]


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        (1.0, ["0:00", "0:10", "0:20", "0:30", "0:40", "0:50", "1:00"]),
        (4.0, ["0:00", "0:30", "1:00", "1:30", "2:00", "2:30", "3:00", "3:30", "4:00"]),
        (8.0, [f"{h}:00" for h in range(9)]),
        (12.0, ["0:00", "1:30", "3:00", "4:30", "6:00", "7:30", "9:00", "10:30", "12:00"]),
        (30.0, [f"{h}:00" for h in range(0, 31, 3)]),
    ],
)
def test_time_axis_is_h_mm_since_mixing(hours: float, expected: list[str]) -> None:
    fig = drawn(charts.rise_chart_figure(ChartSeries("Loaf", rise_curve(12, hours))))
    ax = fig.axes[0]
    assert tick_texts(ax) == expected
    assert ax.get_xlabel() == "time since mixing (h:mm)"


def test_h_mm_format() -> None:
    assert [charts._hm(h) for h in (0, 0.5, 1.5, 1 / 60, 29.99, 30, -0.25)] == [
        "0:00",
        "0:30",
        "1:30",
        "0:01",
        "29:59",
        "30:00",
        "\u22120:15",
    ]


def test_prediction_target_and_eta_window_are_drawn() -> None:
    fig = drawn(charts.rise_chart_figure(typical(), now_hours=5.0))
    ax = fig.axes[0]
    (predicted,) = by_gid(ax, charts.GID_PREDICTED)
    assert isinstance(predicted, Line2D)
    assert predicted.get_linestyle() == "--"
    xs = np.asarray(predicted.get_xdata())
    assert (xs[0], xs[-1]) == (0.0, 9.0)
    (target,) = by_gid(ax, charts.GID_TARGET)
    assert isinstance(target, Line2D)
    assert np.asarray(target.get_ydata()).tolist() == [75.0, 75.0]
    (band,) = by_gid(ax, charts.GID_ETA)
    assert isinstance(band, Rectangle)
    assert band.get_x() == pytest.approx(5.6, abs=0.05)
    assert band.get_x() + band.get_width() == pytest.approx(6.4, abs=0.05)
    assert ax.get_xlim()[1] >= 9.0  # the whole prediction and window are in view
    assert legend_texts(fig) == [
        "rise",
        "predicted",
        "target 75%",
        "ETA 5:36–6:24",
        "fold",
        "temperature",
    ]


def test_no_prediction_no_target_no_window() -> None:
    fig = drawn(charts.rise_chart_figure(ChartSeries("Loaf", rise_curve(10))))
    ax = fig.axes[0]
    for gid in (charts.GID_PREDICTED, charts.GID_TARGET, charts.GID_ETA):
        assert by_gid(ax, gid) == []
    assert fig.legends == []  # the rise alone needs no legend


def test_a_narrow_eta_window_still_shows() -> None:
    fig = drawn(charts.rise_chart_figure(typical(eta_window=(6.0, 6.0))))
    (band,) = by_gid(fig.axes[0], charts.GID_ETA)
    assert isinstance(band, Rectangle)
    assert band.get_width() > 0


@pytest.mark.parametrize(
    ("temperatures", "dough_temp", "note"),
    [
        ((), None, None),
        ((), 24.5, "temperature 24.5 °C"),
        (((0.0, 23.0),), 24.5, "temperature 23 °C"),
        (((1.0, 23.0), (1.0, 25.0)), None, "temperature 25 °C"),  # two at the same time
    ],
)
def test_no_temperature_axis_without_temperatures_over_time(
    temperatures: tuple[tuple[float, float], ...], dough_temp: float | None, note: str | None
) -> None:
    series = typical(temperatures=temperatures, dough_temp=dough_temp)
    fig = drawn(charts.rise_chart_figure(series))
    assert len(fig.axes) == 1
    assert [a for a in fig.axes[0].get_children() if a.get_gid() == charts.GID_TEMPERATURE] == []
    notes = [t for t in legend_texts(fig) if t.startswith("temperature")]
    assert notes == ([note] if note else [])


def test_temperature_axis_with_temperatures_over_time() -> None:
    series = typical(temperatures=[(0.0, 24.0), (2.0, 25.5)], temp_unit="°F")
    fig = drawn(charts.rise_chart_figure(series))
    assert len(fig.axes) == 2
    twin = fig.axes[1]
    assert twin.get_ylabel() == "temperature (°F)"
    assert by_gid(twin, charts.GID_TEMPERATURE)
    assert "temperature" in legend_texts(fig)


def assert_nothing_clipped(fig: Figure) -> None:
    """Every text drawn lies wholly inside the image, no two tick labels of an axis overlap,
    and the legend sits under the plot, not on it."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    image = Bbox.from_bounds(0, 0, WIDTH_PX, HEIGHT_PX)
    all_tick_labels: set[Text] = set()
    drawn_tick_labels: list[list[Text]] = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            ticks = axis.get_major_ticks() + axis.get_minor_ticks()
            all_tick_labels.update(label for t in ticks for label in (t.label1, t.label2))
            drawn_tick_labels.append(
                [
                    label
                    for t in axis.get_major_ticks()
                    if lo - 1e-9 <= t.get_loc() <= hi + 1e-9
                    for label in (t.label1, t.label2)
                    if label.get_visible() and label.get_text()
                ]
            )
    others = [
        t for t in fig.findobj(Text) if t not in all_tick_labels and t.get_visible() and t.get_text().strip()
    ]
    texts = others + [label for labels in drawn_tick_labels for label in labels]
    assert len(texts) > 10
    for text in texts:
        box = text.get_window_extent(renderer)
        assert image.x0 <= box.x0 and box.x1 <= image.x1, text.get_text()
        assert image.y0 <= box.y0 and box.y1 <= image.y1, text.get_text()
    for labels in drawn_tick_labels:
        boxes = [label.get_window_extent(renderer) for label in labels]
        for one, other in itertools.pairwise(boxes):
            assert not one.overlaps(other)
    plot = fig.axes[0].get_window_extent(renderer)
    for legend in fig.legends:
        box = legend.get_window_extent(renderer)
        assert box.y1 <= plot.y0
        assert image.x0 <= box.x0 and box.x1 <= image.x1 and image.y0 <= box.y0  # handles too


LONG_NAME = "Country loaf with a very long name, 80% hydration, 20% whole wheat, 2% salt and a bit of rye"


@pytest.mark.parametrize("locale", ["en", "de"])
def test_nothing_is_clipped(locale: str) -> None:
    with use_locale(locale):
        assert_nothing_clipped(charts.rise_chart_figure(typical(name=LONG_NAME), now_hours=5.0))
        assert_nothing_clipped(charts.rise_chart_figure(typical(name=LONG_NAME, temperatures=())))
        big = typical(readings=[(0.0, 0.0), (30.0, 1500.0)], predicted=(), eta_window=None)
        assert_nothing_clipped(charts.rise_chart_figure(big))
        bakes = [
            typical(name=f"{LONG_NAME} {i}", mixed_on=date(2026, 11, 20 + i), readings=rise_curve(9, 6 + i))
            for i in range(MAX_COMPARE)
        ]
        assert_nothing_clipped(charts.compare_chart_figure(bakes))


def test_long_titles_are_cut_to_the_image() -> None:
    fig = charts.rise_chart_figure(typical(name="W" * 300))
    title = fig.get_suptitle()
    assert title.endswith("…") and len(title) < 60


def test_compare_legend_has_each_bakes_date() -> None:
    bakes = [
        typical(name="Country loaf", mixed_on=date(2026, 11, 28)),
        typical(name="Rye", mixed_on=date(2026, 12, 3), dough_temp=None),
        typical(name="Undated", mixed_on=None, dough_temp=None),
    ]
    fig = charts.compare_chart_figure(bakes)
    assert legend_texts(fig) == ["Country loaf · Nov 28 · 24.5 °C", "Rye · Dec 3", "Undated"]
    assert fig.get_suptitle() == "Rise comparison · 3 bakes"
    assert charts.compare_chart_figure(bakes[:1]).get_suptitle() == "Rise comparison · 1 bake"


def test_compare_time_axis_is_h_mm() -> None:
    fig = drawn(charts.compare_chart_figure([typical(readings=rise_curve(10, 12.0))]))
    texts = tick_texts(fig.axes[0])
    assert texts[:3] == ["0:00", "1:30", "3:00"]
    assert all(re.fullmatch(r"\d+:\d\d", t) for t in texts)


def test_numbers_and_dates_in_the_bakers_locale() -> None:
    with use_locale("de"):
        fig = drawn(charts.rise_chart_figure(typical(dough_temp=24.5, temperatures=(), target_rise=47.5)))
        assert "Ziel 47,5\xa0%" in legend_texts(fig)  # the German catalog and Babel's number format
        assert "Temperatur 24,5 °C" in legend_texts(fig)
        assert tick_texts(fig.axes[0], "y")[:3] == ["0\xa0%", "20\xa0%", "40\xa0%"]
        compare = charts.compare_chart_figure([typical(name="Landbrot", mixed_on=date(2026, 11, 28))])
        assert legend_texts(compare) == ["Landbrot · 28. Nov. · 24,5 °C"]
    with use_locale("en_GB"):
        compare = charts.compare_chart_figure([typical(name="Loaf", mixed_on=date(2026, 11, 28))])
        assert legend_texts(compare) == ["Loaf · 28 Nov · 24.5 °C"]
    big = drawn(charts.rise_chart_figure(ChartSeries("Big", [(0.0, 0.0), (3.0, 1200.0)])))
    assert "1,000%" in tick_texts(big.axes[0], "y")


def test_texts_go_through_the_translation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every label, title and legend text is looked up in the catalog (English msgids)."""
    import bot.i18n

    def shout(message: str, plural: str | None = None, n: int = 1, locale: str | None = None) -> str:
        chosen = message if n == 1 or plural is None else plural
        return "«" + chosen + "»"

    monkeypatch.setattr(bot.i18n.i18n, "gettext", shout)
    fig = drawn(charts.rise_chart_figure(typical(name="Loaf", temperatures=()), now_hours=5.0))
    ax = fig.axes[0]
    assert ax.get_xlabel() == "«time since mixing (h:mm)»"
    assert ax.get_ylabel() == "«rise»"
    for text in legend_texts(fig):
        assert text.startswith("«"), text
    assert {t.get_text().strip() for t in ax.texts} == {"«now»", "«fridge»"}
    empty = drawn(charts.rise_chart_figure(typical(readings=[], fridge_in=None)))
    assert {t.get_text().strip() for t in empty.axes[0].texts} == {"«no rise readings yet»"}
    twin = drawn(charts.rise_chart_figure(typical()))
    assert twin.axes[1].get_ylabel() == "«temperature ({unit})»".format(unit="°C")
    compare = charts.compare_chart_figure([typical(), typical()])
    assert compare.get_suptitle() == "«Rise comparison · 2 bakes»"


# --------------------------------------------------------------------------- the bot's data


BERLIN = ZoneInfo("Europe/Berlin")
MIXED = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)  # already the 28th in Berlin


def bake_details(rises: list[tuple[float, float]], temps: list[tuple[float, float]]) -> BakeDetails:
    """A bake in bulk as the service returns it, with the domain's own prediction."""
    user = User(id=1, chat_id=1, timezone="Europe/Berlin")
    bake = Bake(id=1, user_id=1, name="Country loaf", started_at=MIXED, dough_temp_c=temps[0][1])
    readings = [
        RiseReading(id=i, bake_id=1, taken_at=MIXED + timedelta(hours=h), rise_pct=r)
        for i, (h, r) in enumerate(rises)
    ]
    temperatures = [
        TempReading(id=i, bake_id=1, taken_at=MIXED + timedelta(hours=h), temp_c=t)
        for i, (h, t) in enumerate(temps)
    ]
    latest = forecast.latest_temperature(bake, [t.temp_c for t in temperatures])
    prediction = forecast.predict(user, bake, readings, latest, temperatures)
    return BakeDetails(user, bake, readings, temperatures, [], [], prediction)


def test_the_chart_shows_the_prediction_the_replies_state() -> None:
    details = bake_details([(0.5, 2.0), (1.5, 8.0), (2.5, 18.0), (3.5, 32.0)], [(0.0, 24.0), (2.0, 25.0)])
    prediction = details.prediction
    assert prediction is not None and not prediction.passed
    now = MIXED + timedelta(hours=3.6)
    series = chart_series(details, BERLIN, now)

    def hours(moment: datetime) -> float:
        return (moment - MIXED).total_seconds() / 3600

    assert series.target_rise == prediction.target_rise_pct
    assert series.eta_window == pytest.approx((hours(prediction.window[0]), hours(prediction.window[1])))
    first_hour, first_rise = series.predicted[0]
    assert first_hour == 0.0 and first_rise == pytest.approx(prediction.rise_at(0.0))
    # The dashed curve runs from mixing to past the target, crossing it at the stated ETA.
    crossing = next(h for h, r in series.predicted if r >= prediction.target_rise_pct)
    assert series.predicted[-1][1] > prediction.target_rise_pct
    assert crossing == pytest.approx(hours(prediction.eta), abs=series.predicted[-1][0] / 60 + 1e-6)
    assert series.mixed_on == date(2026, 11, 28)  # the baker's day, not UTC's
    assert series.temperatures == [(0.0, 24.0), (2.0, 25.0)]
    fig = drawn(charts.rise_chart_figure(series, now_hours=3.6))
    assert len(fig.axes) == 2  # two temperatures at different times: the second axis


def test_no_eta_window_once_the_target_is_reached() -> None:
    details = bake_details([(1.0, 10.0), (2.0, 30.0), (3.0, 70.0), (3.5, 95.0)], [(0.0, 24.0)])
    assert details.prediction is not None and details.prediction.passed
    series = chart_series(details, BERLIN, MIXED + timedelta(hours=3.6))
    assert series.eta_window is None
    assert series.target_rise == details.prediction.target_rise_pct
    fig = drawn(charts.rise_chart_figure(series))
    assert by_gid(fig.axes[0], charts.GID_ETA) == []
    assert len(fig.axes) == 1  # one temperature: a note, not an axis
