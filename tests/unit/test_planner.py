from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from schedules.planner import (
    BULK_DONE,
    FOLD,
    PREHEAT,
    PROOF_END,
    RISE_CHECK,
    BulkSettings,
    QuietHours,
    hold_for_quiet_hours,
    plan_bulk,
    plan_proof,
)

MIX = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_default_bulk_plan() -> None:
    plan = plan_bulk(MIX, BulkSettings(), bulk_hours=5.0)
    folds = [p for p in plan if p.kind == FOLD]
    assert [p.due_at - MIX for p in folds] == [timedelta(minutes=m) for m in (30, 60, 90, 120)]
    checks = [p.due_at - MIX for p in plan if p.kind == RISE_CHECK]
    assert checks[0] == timedelta(hours=2) and checks[-1] == timedelta(hours=6)
    assert [p.due_at for p in plan if p.kind == BULK_DONE] == [MIX + timedelta(hours=5)]
    assert plan == sorted(plan, key=lambda p: p.due_at)


def test_folds_and_checks_can_be_turned_off() -> None:
    plan = plan_bulk(MIX, BulkSettings(folds_count=0, rise_check_interval=None), bulk_hours=None)
    assert plan == []


def test_proof_plan_with_and_without_room_for_preheat() -> None:
    plan = plan_proof(MIX, timedelta(hours=12), timedelta(minutes=60))
    assert [(p.kind, p.due_at - MIX) for p in plan] == [
        (PREHEAT, timedelta(hours=11)),
        (PROOF_END, timedelta(hours=12)),
    ]
    assert [p.kind for p in plan_proof(MIX, timedelta(minutes=30), timedelta(minutes=60))] == [PROOF_END]


def test_quiet_hours_hold_routine_reminders_only() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    quiet = QuietHours(time(22), time(7))
    late = datetime(2026, 11, 24, 22, 30, tzinfo=berlin)
    held = hold_for_quiet_hours(late, FOLD, quiet, berlin)
    assert held.astimezone(berlin) == datetime(2026, 11, 25, 7, 0, tzinfo=berlin)
    early = datetime(2026, 11, 25, 3, 0, tzinfo=berlin)
    assert hold_for_quiet_hours(early, RISE_CHECK, quiet, berlin).astimezone(berlin).hour == 7
    assert hold_for_quiet_hours(late, PROOF_END, quiet, berlin) == late
    noon = datetime(2026, 11, 24, 12, 0, tzinfo=berlin)
    assert hold_for_quiet_hours(noon, FOLD, quiet, berlin) == noon


def test_quiet_hours_end_across_dst_is_wall_clock() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # The night of 24-25 Oct 2026: clocks go back at 03:00 → 02:00.
    held = hold_for_quiet_hours(
        datetime(2026, 10, 24, 23, 0, tzinfo=berlin), FOLD, QuietHours(time(22), time(7)), berlin
    )
    assert held.astimezone(berlin).hour == 7
    assert held.utcoffset() == timedelta(0) and held.astimezone(UTC).hour == 6  # CET = UTC+1
