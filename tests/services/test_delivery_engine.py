"""The delivery engine of due reminders, on a real database (SQLite and PostgreSQL), with a sender
that stands in for Telegram and can hold its sends back, so that each moment of a fan-out is
looked at deterministically: what is under way, what the database holds, what goes out next.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from schedules.clock import OffsetClock
from schedules.services import Services
from schedules.services.scheduler import (
    CLAIM_BATCH,
    DELIVERY_WORKERS,
    DUE_JOB_PREFIX,
    MAX_UNMARKED,
    Outcome,
    ReminderService,
)
from schedules.types import Bake, NewReminder, Reminder, ReminderKind, User
from storage.database import AnyDatabase as Database
from tests.conftest import target_of
from tests.databases import query

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
WAIT_S = 20.0  # what a condition is given to come true before the test fails


class HeldSender:
    """Records what it is asked to send, in order; while `hold` is clear, sends wait for it (a
    Telegram that has not answered yet). `chat_gap_s`: a chat's own limit, one message per gap."""

    def __init__(self, chat_gap_s: float = 0.0) -> None:
        self.sent: list[tuple[int, int, float]] = []  # (chat, reminder id, monotonic time)
        self.hold = asyncio.Event()
        self.hold.set()
        self.under_way: dict[int, int] = {}  # reminder id -> chat
        self.most_under_way = 0
        self.chat_gap_s = chat_gap_s
        self._last_to: dict[int, float] = {}

    async def send_reminder(
        self,
        reminder: Reminder,
        user: User,
        bake: Bake | None,
        *,
        late: bool,
        expected_rise: float | None = None,
    ) -> Outcome:
        self.under_way[reminder.id] = user.chat_id
        self.most_under_way = max(self.most_under_way, len(self.under_way))
        self._last_to[user.chat_id] = time.monotonic()
        try:
            await self.hold.wait()
            self.sent.append((user.chat_id, reminder.id, time.monotonic()))
        finally:
            del self.under_way[reminder.id]
        return Outcome.SENT

    async def send_missed_summary(self, user: User, missed: list[Reminder], *, blocked: bool = False) -> None:
        return None

    def chat_wait(self, chat_id: int) -> float:
        last = self._last_to.get(chat_id)
        return 0.0 if last is None else max(0.0, last + self.chat_gap_s - time.monotonic())

    def ids(self) -> list[int]:
        return [reminder_id for _, reminder_id, _ in self.sent]


class Engine:
    def __init__(
        self, db: Database, clock: OffsetClock, service: ReminderService, services: Services
    ) -> None:
        self.db, self.clock, self.service, self.services = db, clock, service, services
        self.writes = 0
        self.marks_commit = asyncio.Event()  # clear: "sent" marks wait (a database that is slow)
        self.marks_commit.set()

    def states(self) -> dict[int, str]:
        return {row[0]: row[1] for row in query(target_of(self.db), "SELECT id, state FROM reminders")}

    async def bakers(self, ids: Iterable[int]) -> None:
        for user_id in ids:
            await self.services.users.ensure(user_id, f"Baker {user_id}")

    async def due(self, user_id: int, count: int, at: datetime) -> list[int]:
        """`count` timers of one baker, all due at `at`."""
        news = [NewReminder(ReminderKind.TIMER, at, label=f"t{n}") for n in range(count)]
        made = await self.db.write(lambda repo: repo.add_reminders(user_id, news, self.clock.now()))
        return [r.id for r in made]

    def due_jobs(self) -> list[str]:
        return [job.id for job in self.service.scheduler.get_jobs() if job.id.startswith(DUE_JOB_PREFIX)]


@pytest.fixture
async def engine(make_database: Callable[..., Database]) -> AsyncIterator[Engine]:
    clock = OffsetClock.starting_at(START)
    db = await make_database("bot").open()
    service = ReminderService(db, clock)
    services = Services.build(db, service, clock, "UTC")
    db.on_commit = services.committed
    made = Engine(db, clock, service, services)
    write = db.write

    async def counted(action: Any, **options: Any) -> Any:
        made.writes += 1
        if "mark_batch" in getattr(action, "__qualname__", ""):
            await made.marks_commit.wait()
        return await write(action, **options)

    db.write = counted  # type: ignore[method-assign]
    yield made
    made.marks_commit.set()
    await service.stop(grace_s=0.5)
    await db.close()


async def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never came true: {what}")
        await asyncio.sleep(0.005)


async def test_reminders_due_at_one_moment_share_one_scheduler_job(engine: Engine) -> None:
    await engine.bakers([1, 2])
    await engine.service.start(HeldSender())
    at = engine.clock.now() + timedelta(minutes=30)
    ids = await engine.due(1, 3, at) + await engine.due(2, 2, at)
    later = await engine.due(2, 1, at + timedelta(minutes=1))
    assert engine.service.scheduled_count() == 6
    assert len(engine.due_jobs()) == 2  # five reminders at one moment, one a minute later

    for reminder_id in ids[:4]:
        await engine.services.reminders.cancel(1 if reminder_id in ids[:3] else 2, reminder_id)
    assert len(engine.due_jobs()) == 2  # the fifth still falls due then
    await engine.services.reminders.cancel(2, ids[4])
    assert len(engine.due_jobs()) == 1 and engine.service.scheduled_count() == 1
    await engine.services.reminders.cancel(2, later[0])
    assert engine.due_jobs() == [] and engine.service.scheduled_count() == 0


async def test_the_job_of_a_moment_sends_every_reminder_due_then(engine: Engine) -> None:
    await engine.bakers(range(1, 21))
    sender = HeldSender()
    await engine.service.start(sender)
    at = engine.clock.now() + timedelta(seconds=1)
    ids = [i for user_id in range(1, 21) for i in await engine.due(user_id, 2, at)]
    assert len(engine.due_jobs()) == 1
    await until(lambda: len(sender.sent) == 40, "all 40 reminders sent")
    await until(lambda: set(engine.states().values()) == {"sent"}, "all 40 marked sent")
    assert sorted(sender.ids()) == sorted(ids)  # each once


async def test_a_baker_with_many_due_reminders_does_not_hold_up_the_others(engine: Engine) -> None:
    await engine.bakers([1, 2, 3])
    sender = HeldSender()
    sender.hold.clear()  # Telegram has not answered yet
    at = engine.clock.now() - timedelta(seconds=1)
    many = await engine.due(1, 4, at)
    others = await engine.due(2, 1, at) + await engine.due(3, 1, at)
    await engine.service.start(sender)

    await until(lambda: len(sender.under_way) == 3, "one send under way per baker")
    await asyncio.sleep(0.05)
    # One message at a time per chat: baker 1's other three wait, and bakers 2 and 3 are not
    # queued behind them.
    assert sorted(sender.under_way.values()) == [1, 2, 3]
    assert set(sender.under_way) == {many[0], *others}
    sender.hold.set()
    await until(lambda: len(sender.sent) == 6, "all six sent")
    assert [rid for chat, rid, _ in sender.sent if chat == 1] == many  # a baker's in due order


async def test_a_chat_held_back_by_its_own_limit_waits_aside_without_holding_a_worker(engine: Engine) -> None:
    await engine.bakers([1, 2])
    sender = HeldSender(chat_gap_s=0.4)  # baker 1 may get one message per 0.4 s
    at = engine.clock.now() - timedelta(seconds=1)
    first, second = await engine.due(1, 2, at)
    await engine.service.start(sender)
    await until(lambda: len(sender.sent) == 1, "baker 1's first reminder sent")
    late = await engine.due(2, 1, engine.clock.now() - timedelta(milliseconds=1))
    engine.service.clock_jumped()  # look for due reminders now (as a job would)
    await until(lambda: len(sender.sent) == 3, "all three sent")
    order = sender.ids()
    assert order == [first, late[0], second]  # baker 2 went while baker 1 waited for its limit
    times = {rid: at for _, rid, at in sender.sent}
    assert times[second] - times[first] >= 0.39


async def test_at_most_the_workers_sends_are_unmarked_at_any_moment_and_marks_are_written_together(
    engine: Engine,
) -> None:
    bakers = range(1, 2 * DELIVERY_WORKERS + 11)
    await engine.bakers(bakers)
    at = engine.clock.now() - timedelta(seconds=1)
    for user_id in bakers:
        await engine.due(user_id, 1, at)
    total = len(bakers)
    sender = HeldSender()
    sender.hold.clear()
    writes_before = engine.writes
    await engine.service.start(sender)

    await until(lambda: len(sender.under_way) == DELIVERY_WORKERS, "every worker's send under way")
    await asyncio.sleep(0.1)
    # A crash now repeats at most these: the sends under way, none marked yet, none beyond them.
    assert len(sender.under_way) == DELIVERY_WORKERS and sender.most_under_way == DELIVERY_WORKERS
    assert list(engine.states().values()).count("sent") == 0

    sender.hold.set()
    await until(lambda: list(engine.states().values()).count("sent") == total, "every reminder marked sent")
    assert sorted(sender.ids()) == sorted(engine.states())  # each sent once
    assert sender.most_under_way == DELIVERY_WORKERS
    # Claimed in batches and marked in batches: far fewer transactions than reminders.
    assert engine.writes - writes_before <= total // 4


async def test_a_reminder_cancelled_or_snoozed_while_waiting_its_turn_is_not_sent(engine: Engine) -> None:
    await engine.bakers([1])
    sender = HeldSender()
    sender.hold.clear()
    at = engine.clock.now() - timedelta(seconds=1)
    first, cancelled, snoozed = await engine.due(1, 3, at)
    await engine.service.start(sender)
    await until(lambda: set(sender.under_way) == {first}, "the first under way")

    await engine.services.reminders.cancel(1, cancelled)
    await engine.services.reminders.snooze(1, snoozed, 15)
    sender.hold.set()
    await until(lambda: engine.states()[first] == "sent", "the first marked sent")
    await asyncio.sleep(0.1)
    assert sender.ids() == [first]
    states = engine.states()
    assert states[cancelled] == "cancelled" and states[snoozed] == "pending"
    due_at = query(target_of(engine.db), "SELECT due_at FROM reminders WHERE id = ?", (snoozed,))[0][0]
    assert str(due_at) > str(at.replace(tzinfo=None))  # moved on by the snooze


async def test_stopping_mid_fan_out_then_starting_again_sends_each_once(engine: Engine) -> None:
    bakers = range(1, DELIVERY_WORKERS + 41)
    await engine.bakers(bakers)
    at = engine.clock.now() - timedelta(seconds=1)
    ids = [i for user_id in bakers for i in await engine.due(user_id, 1, at)]
    sender = HeldSender()
    sender.hold.clear()
    await engine.service.start(sender)
    await until(lambda: len(sender.under_way) == DELIVERY_WORKERS, "every worker's send under way")

    await engine.service.stop(grace_s=0.05)  # Telegram never answered those: cut short
    assert sender.sent == [] and set(engine.states().values()) == {"pending"}

    again = HeldSender()
    await engine.service.start(again)
    await until(lambda: set(engine.states().values()) == {"sent"}, "every reminder sent after the restart")
    assert sorted(again.ids()) == sorted(ids)


async def test_while_marks_are_slow_to_commit_sending_stops_at_the_bound(engine: Engine) -> None:
    bakers = range(1, CLAIM_BATCH + 1)
    await engine.bakers(bakers)
    at = engine.clock.now() - timedelta(seconds=1)
    for user_id in bakers:
        await engine.due(user_id, 1, at)
    sender = HeldSender()
    engine.marks_commit.clear()  # no "sent" mark commits for now
    await engine.service.start(sender)

    await until(lambda: len(sender.sent) >= MAX_UNMARKED, "sends up to the bound")
    await asyncio.sleep(0.2)
    # A crash now repeats exactly these: sent, none marked; the workers wait for marks to land.
    assert len(sender.sent) == MAX_UNMARKED and sender.under_way == {}
    assert set(engine.states().values()) == {"pending"}

    engine.marks_commit.set()
    await until(lambda: set(engine.states().values()) == {"sent"}, "every reminder marked sent")
    assert sorted(sender.ids()) == sorted(engine.states())
