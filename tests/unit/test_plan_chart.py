"""The picture of a plan (bot.plan_chart): a PNG of the fixed size, the same bytes for the same
plan, whatever its length, with or without quiet hours."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from matplotlib.figure import Figure

from bot.handlers.plan import picture
from bot.i18n import use_locale
from bot.plan_chart import (
    HEIGHT_PX,
    WIDTH_PX,
    PlanPicture,
    PlanRow,
    plan_picture_figure,
    render_plan_picture,
)
from schedules.plan import Baker, plan_backwards
from schedules.planner import QuietHours
from schedules.types import BakePlan, User
from schedules.when import parse_when

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def plan_picture(text: str, user: User) -> PlanPicture:
    quiet = QuietHours(time(22), time(7)) if user.quiet_start else None
    plan = plan_backwards(Baker(zone=BERLIN, quiet=quiet), parse_when(text, NOW, BERLIN), NOW).plans[0]
    row = BakePlan(
        id=1,
        user_id=user.id,
        ready_at=plan.ready_at,
        created_at=NOW,
        starter_pct=plan.starter_pct,
        feed_ratio=plan.feed_ratio,
        fridge_hours=plan.fridge_hours,
        target_rise_pct=plan.target_rise_pct,
    )
    return picture(row, plan.steps, user, BERLIN, NOW)


def test_a_plan_renders_to_a_phone_sized_png_reproducibly() -> None:
    user = User(id=1, chat_id=1, quiet_start="22:00", quiet_end="07:00")
    data = plan_picture("Sun 9:00", user)
    assert [r.kind for r in data.rows][:2] == ["feed", "mix"] and data.rows[-1].kind == "out"
    assert {kind for kind, *_ in data.phases} == {"starter", "bulk", "shape", "fridge", "oven"}
    assert data.night and data.quiet
    png = render_plan_picture(data)
    assert size(png) == (WIDTH_PX, HEIGHT_PX)
    assert render_plan_picture(data) == png


def test_without_quiet_hours_only_the_night_is_shaded_and_odd_labels_are_literal() -> None:
    data = plan_picture("tomorrow 18:30", User(id=1, chat_id=1))
    assert data.night and not data.quiet
    odd = PlanPicture(
        title="$x$ \\frac{1}{2} _{b}",
        rows=[PlanRow("$mix$", datetime(2026, 11, 24, 10)), PlanRow("out", datetime(2026, 11, 27, 9))],
    )
    assert size(render_plan_picture(odd)) == (WIDTH_PX, HEIGHT_PX)
    assert size(render_plan_picture(data)) == (WIDTH_PX, HEIGHT_PX)


BAKER = User(id=1, chat_id=1, quiet_start="22:00", quiet_end="07:00")


def captions(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts]


def ticks(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.axes[0].get_xticklabels()]


def test_days_and_times_in_the_bakers_locale() -> None:
    data = plan_picture("Sun 9:00", BAKER)
    english = plan_picture_figure(data)
    assert "Sat 7:00 AM  feed the starter 1:1:1" in captions(english)
    assert "Sat 12:15 PM  4 folds" in captions(english)
    assert ticks(english)[:2] == ["6:00\u202fAM", "9:00\u202fAM"]  # Babel's narrow space
    assert "Sun\n12:00\u202fAM" in ticks(english)
    with use_locale("de"):
        german = plan_picture_figure(data)
        assert "Sa., 07:00  feed the starter 1:1:1" in captions(german)  # no German catalog yet
        assert ticks(german)[:2] == ["06:00", "09:00"]
        assert "So\n00:00" in ticks(german)
    with use_locale("en_GB"):
        assert "Sun\n00:00" in ticks(plan_picture_figure(data))
    assert {"starter", "bulk", "cold proof"} <= set(captions(english))  # the phases, named


def test_labels_go_through_the_translation(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.i18n

    def shout(message: str, plural: str | None = None, n: int = 1, locale: str | None = None) -> str:
        return "«" + (message if n == 1 or plural is None else plural) + "»"

    monkeypatch.setattr(bot.i18n.i18n, "gettext", shout)
    data = plan_picture("Sun 9:00", BAKER)
    fig = plan_picture_figure(data)
    assert {"«night»", "«quiet hours»"} <= {t.get_text() for t in fig.texts}
    assert {"«starter»", "«bulk»", "«cold proof»"} <= set(captions(fig))
    assert any(c.endswith("  «4 folds»") for c in captions(fig))  # the plural, then the number


def test_long_captions_stay_inside_the_picture() -> None:
    start = datetime(2026, 11, 28, 7)
    label = "a step whose name is much longer in some language than it is in English, really"
    rows = [PlanRow(label, start + timedelta(hours=h)) for h in (0, 4, 9, 14, 20, 25)]
    fig = plan_picture_figure(PlanPicture(title="Brot aus dem Ofen " * 8, rows=rows))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    texts = [t for t in (*fig.texts, *fig.axes[0].texts) if t.get_text()]
    texts += [t for t in fig.axes[0].get_xticklabels() if t.get_text()]
    for text in texts:
        box = text.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= WIDTH_PX and box.y0 >= 0 and box.y1 <= HEIGHT_PX, text.get_text()
    assert all(label[:20] in c for c in captions(fig))  # each still says what the step is
