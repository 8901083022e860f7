"""The picture of a plan (bot.plan_chart): a PNG of the fixed size, the same bytes for the same
plan, whatever its length, with or without quiet hours."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.handlers.plan import picture
from bot.plan_chart import HEIGHT_PX, WIDTH_PX, PlanPicture, PlanRow, render_plan_picture
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
