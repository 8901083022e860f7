"""Tests for bot.charts: valid, fixed-size, reproducible PNGs for any bake, thread-safe."""

from __future__ import annotations

import ast
import io
import math
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.image import imread

from bot import charts
from bot.charts import (
    HEIGHT_PX,
    MAX_COMPARE,
    WIDTH_PX,
    ChartSeries,
    render_compare_chart,
    render_rise_chart,
)

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
        "target_band": (70.0, 80.0),
        "predicted": rise_curve(40, 9.0),
        "dough_temp": 24.5,
    }
    fields.update(changes)
    return ChartSeries(**fields)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- rise chart


@pytest.mark.parametrize("count", [0, 1, 61, 500])
def test_rise_chart_any_number_of_readings(count: int) -> None:
    series = ChartSeries("Loaf", rise_curve(count) if count else [], target_band=(45.0, 55.0))
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


def test_temperature_axis_only_when_recorded(typical_png: bytes) -> None:
    without = decode(render_rise_chart(typical(temperatures=()), now_hours=7.0))
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
        target_band=(math.nan, 50.0),
    )
    assert_chart_png(render_rise_chart(series, now_hours=math.inf))


@pytest.mark.filterwarnings("error")  # e.g. "Glyph ... missing from font(s)" would fail
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


@pytest.mark.filterwarnings("error")
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
