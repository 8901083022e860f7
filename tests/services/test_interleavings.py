"""Actions that race, at the service level, on a real database: SQLite and PostgreSQL.

An action is one transaction: on SQLite's single writer thread, or SERIALIZABLE on PostgreSQL
(run again when refused), so two actions can only commit as if one after the other. Each test
runs the two orders explicitly (deterministic) and once more started together, and checks what
the baker would be told and what the database holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from schedules.clock import OffsetClock
from schedules.errors import BakeMovedOn, ReadingGone, TooManyActiveBakes
from schedules.parsing import RiseInput
from schedules.services import Services
from schedules.services.reminders import Outcome
from schedules.services.scheduler import ReminderService
from schedules.types import ReminderChanges, ReminderKind
from storage.database import AnyDatabase as Database
from tests.conftest import target_of
from tests.databases import query

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ANN = 1001


class Baker:
    def __init__(self, services: Services, db: Database, clock: OffsetClock) -> None:
        self.services, self.db, self.clock = services, db, clock
        self.committed: list[ReminderChanges] = []

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        return query(target_of(self.db), sql, params)


@pytest.fixture
async def baker(make_database: Callable[..., Database]) -> AsyncIterator[Baker]:
    clock = OffsetClock.starting_at(START)
    db = await make_database("bot").open()
    scheduler = ReminderService(db, clock)
    services = Services.build(db, scheduler, clock, "Europe/Berlin")
    state = Baker(services, db, clock)

    def committed(changes: ReminderChanges) -> None:
        state.committed.append(changes)
        services.committed(changes)

    db.on_commit = committed
    await services.users.ensure(ANN, "Ann")
    yield state
    scheduler.scheduler.shutdown(wait=False) if scheduler.scheduler.running else None
    await db.close()


Step = Callable[[Baker], Awaitable[Any]]


async def both_orders(
    make: Callable[[], Awaitable[Baker]], first: Step, second: Step
) -> list[tuple[Baker, list[Any]]]:
    """Run `first` then `second`, `second` then `first`, and both at once, each on a fresh baker."""
    outcomes = []
    for order in ((first, second), (second, first)):
        state = await make()
        results = []
        for step in order:
            try:
                results.append(await step(state))
            except Exception as exc:
                results.append(exc)
        outcomes.append((state, results))
    state = await make()
    together = await asyncio.gather(first(state), second(state), return_exceptions=True)
    outcomes.append((state, list(together)))
    return outcomes


@pytest.fixture
async def fresh(make_database: Callable[..., Database]) -> AsyncIterator[Callable[[], Awaitable[Baker]]]:
    opened: list[Database] = []
    count = 0

    async def make() -> Baker:
        nonlocal count
        count += 1
        clock = OffsetClock.starting_at(START)
        db = await make_database(f"bot{count}").open()
        opened.append(db)
        services = Services.build(db, ReminderService(db, clock), clock, "Europe/Berlin")
        db.on_commit = services.committed
        await services.users.ensure(ANN, "Ann")
        state = Baker(services, db, clock)
        await services.bakes.start(ANN, "Loaf", dough_temp_c=24.0)
        return state

    yield make
    for db in opened:
        await db.close()


def pending_kinds(state: Baker) -> list[str]:
    return [r[0] for r in state.rows("SELECT kind FROM reminders WHERE state = 'pending' ORDER BY due_at")]


async def test_a_reading_and_fridge_at_the_same_moment_leave_no_bulk_reminder(fresh) -> None:
    async def reading(state: Baker) -> Any:
        state.clock.advance(timedelta(hours=2))
        return await state.services.readings.log_rise(ANN, RiseInput(30.0))

    async def fridge(state: Baker) -> Any:
        return await state.services.bakes.end_bulk(ANN, None, cold=True, duration=timedelta(hours=12))

    for state, _results in await both_orders(fresh, reading, fridge):
        kinds = pending_kinds(state)
        assert not {ReminderKind.BULK_DONE, ReminderKind.RISE_CHECK, ReminderKind.FOLD} & set(kinds), kinds
        assert ReminderKind.PROOF_END in kinds
        assert state.rows("SELECT phase FROM bakes")[0][0] == "cold_proof"


async def test_a_double_tap_on_bake_again_starts_one_bake(fresh) -> None:
    async def tap(state: Baker) -> Any:
        return await state.services.bakes.start(ANN, "", template_id=1, source_key="c:1001:55:again")

    for state, results in await both_orders(fresh, tap, tap):
        assert state.rows("SELECT COUNT(*) FROM bakes")[0][0] == 2
        assert sorted(r.replayed for r in results) == [False, True]
        assert results[0].bake.id == results[1].bake.id


async def test_a_double_tap_on_a_fold_done_logs_it_once(fresh) -> None:
    async def tap(state: Baker) -> Any:
        fold = state.rows("SELECT id FROM reminders WHERE kind = 'fold' AND seq = 1")[0][0]
        return await state.services.reminders.done(ANN, fold)

    for state, results in await both_orders(fresh, tap, tap):
        assert state.rows("SELECT COUNT(*) FROM bake_events WHERE kind = 'fold'")[0][0] == 1
        assert sorted(r.outcome for r in results) == [Outcome.ALREADY, Outcome.DONE]


async def test_a_double_tap_on_snooze_moves_the_reminder_once(fresh) -> None:
    async def delivered_fold() -> Baker:
        state = await fresh()
        state.clock.advance(timedelta(minutes=30))
        fold = state.rows("SELECT id FROM reminders WHERE kind = 'fold' AND seq = 1")[0][0]
        await state.db.write(lambda repo: repo.mark_reminder(fold, "sent", sent_at=state.clock.now()))
        return state

    async def tap(state: Baker) -> Any:
        fold = state.rows("SELECT id FROM reminders WHERE kind = 'fold' AND seq = 1")[0][0]
        return await state.services.reminders.snooze(ANN, fold, 15)

    for state, results in await both_orders(delivered_fold, tap, tap):
        assert sorted(r.outcome for r in results) == [Outcome.ALREADY, Outcome.DONE]
        due = state.rows("SELECT due_at, state FROM reminders WHERE kind = 'fold' ORDER BY seq")
        assert [(r[0][:16], r[1]) for r in due[:2]] == [
            ("2026-11-24T09:45", "pending"),  # snoozed 15 min from 09:30, once
            ("2026-11-24T10:15", "pending"),  # the next fold follows, 30 min later
        ]


async def test_a_double_tap_on_a_fridge_button_puts_the_bake_in_once(fresh) -> None:
    async def tap(state: Baker) -> Any:
        return await state.services.bakes.end_bulk(ANN, 1, cold=True, duration=timedelta(hours=12))

    for state, results in await both_orders(fresh, tap, tap):
        assert state.rows("SELECT COUNT(*) FROM bake_events WHERE kind = 'fridge_in'")[0][0] == 1
        moved_on = [r for r in results if isinstance(r, BakeMovedOn)]
        assert len(moved_on) == 1 and moved_on[0].bake.phase == "cold_proof"


async def test_a_double_tap_on_undo_removes_the_reading_once(fresh) -> None:
    async def tap(state: Baker) -> Any:
        return await state.services.readings.undo(ANN, 1)

    async def make() -> Baker:
        state = await fresh()
        state.clock.advance(timedelta(hours=2))
        await state.services.readings.log_rise(ANN, RiseInput(30.0))
        return state

    for state, results in await both_orders(make, tap, tap):
        assert state.rows("SELECT COUNT(*) FROM rise_readings")[0][0] == 0
        assert sum(isinstance(r, ReadingGone) for r in results) == 1


async def test_the_same_message_delivered_twice_logs_one_reading(fresh) -> None:
    async def deliver(state: Baker) -> Any:
        return await state.services.readings.log_rise(ANN, RiseInput(30.0), source_key="m:1001:7")

    for state, results in await both_orders(fresh, deliver, deliver):
        assert state.rows("SELECT COUNT(*) FROM rise_readings")[0][0] == 1
        assert sorted(r.replayed for r in results) == [False, True]
        assert results[0].reading.id == results[1].reading.id


async def test_the_tenth_bake_wins_once_when_two_start_together(fresh) -> None:
    async def make() -> Baker:
        state = await fresh()
        for number in range(8):
            await state.services.bakes.start(ANN, f"Bake {number}")
        return state  # 9 active bakes: one more fits

    async def start(state: Baker) -> Any:
        return await state.services.bakes.start(ANN, "Another")

    for state, results in await both_orders(make, start, start):
        assert state.rows("SELECT COUNT(*) FROM bakes WHERE phase = 'bulk'")[0][0] == 10
        assert sum(isinstance(r, TooManyActiveBakes) for r in results) == 1


async def test_reminder_changes_reach_the_scheduler_only_after_commit(baker: Baker) -> None:
    await baker.services.bakes.start(ANN, "Loaf", dough_temp_c=24.0)
    scheduled = [r.kind for changes in baker.committed for r in changes.scheduled]
    assert ReminderKind.FOLD in scheduled and ReminderKind.BULK_DONE in scheduled
    before = len(baker.committed)
    with pytest.raises(BakeMovedOn):
        await _fail_after_write(baker)
    assert len(baker.committed) == before  # the rolled-back transaction handed nothing on
    assert baker.rows("SELECT COUNT(*) FROM reminders WHERE kind = 'timer'")[0][0] == 0


async def _fail_after_write(state: Baker) -> None:
    """A write that inserts a reminder and then fails: the transaction must roll back whole."""
    from schedules.types import NewReminder

    def action(repo: Any) -> None:
        repo.add_reminders(ANN, [NewReminder(ReminderKind.TIMER, START + timedelta(hours=1))], START)
        bake = repo.current_bake(ANN)
        raise BakeMovedOn(bake)

    await state.db.write(action)


async def test_replicas_see_a_setting_another_replica_changed(
    make_database: Callable[..., Database], backend: str
) -> None:
    """Two replicas on one PostgreSQL: Greta switches to German on one; the other's next update
    must be in German too (its cache of bakers is off when the database is shared)."""
    if backend != "postgres":
        pytest.skip("replicas run on PostgreSQL")
    clock = OffsetClock.starting_at(START)
    first_db, second_db = await make_database("bot").open(), await make_database("bot").open()
    replicas = []
    for db in (first_db, second_db):
        services = Services.build(db, ReminderService(db, clock), clock, "Europe/Berlin")
        services.users.cache = not db.shared  # as bot/app.py wires it
        db.on_commit = services.committed
        replicas.append(services)
    one, two = replicas
    assert (await two.users.ensure(ANN, "Greta", "en")).language == "en"
    await one.users.update_settings(ANN, language="de")
    assert (await two.users.ensure(ANN, "Greta", "en")).language == "de"
    await first_db.close()
    await second_db.close()
