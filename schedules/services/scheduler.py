"""Durable reminders: the database is the one source of truth, APScheduler only holds what
falls due within the next horizon (in-memory jobs with stable ids, nothing pickled).

Actions never touch the scheduler: the repository records what each transaction did to
reminders, and `apply` receives it after the commit.

A reminder that no longer fits its bake when it falls due (a fold or rise check after bulk
ended, a proof reminder of a finished bake) is cancelled instead of sent.

Delivery is at-least-once with at most one repeat: a reminder is marked sent *after* its
message went out, so a crash between the two repeats that one message at the next start
and never drops it. Reminders that fell due while the bot was down are sent at start-up
with a "sent late" note if they are within the grace window; older ones are marked missed
and each baker gets one summary instead of a flood.

Each reminder is claimed before it is sent (`claim_due`: who, and until when), so replicas on one
PostgreSQL never send one reminder twice: the claim is a lease, taken over by another replica
only once it has expired (its replica died), and the "sent" mark right after the send ends it.
With replicas (`shared=True`) only the replica holding the pacer lease sends reminders (`pace`):
one sender keeps the bot-wide rate limit; it also looks for due reminders every `poll` (those
set on another replica reach it that way, not through its commit hook). On SQLite there is one
process: claims left by a previous run are dropped at start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import functools
import heapq
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from schedules.clock import Clock, utc_now
from schedules.parsing import zone_for
from schedules.planner import BULK_KINDS, PROOF_KINDS, ROUTINE_KINDS, hold_for_quiet_hours, parse_quiet
from schedules.repository import Repository
from schedules.services import bulk
from schedules.services.base import Transactor
from schedules.types import Bake, Phase, Reminder, ReminderChanges, ReminderKind, ReminderState, User

log = logging.getLogger(__name__)

REFILL_JOB_ID = "reminders:refill"
POLL_JOB_ID = "reminders:poll"
DUE_JOB_PREFIX = "due:"  # one job per moment reminders fall due, however many fall due then
RISE_KINDS = frozenset({ReminderKind.RISE_CHECK, ReminderKind.BULK_DONE})  # answered with a rise
# Sends under way at once: enough that the round trips of a bot sending 500 messages/s overlap
# on a busy machine (bench/bench_reminders.py: 64 left it short of the limit, 96 and 128 alike
# reached it). A worker renders a reminder just before its send, not earlier.
DELIVERY_WORKERS = 96
# Reminders sent or being sent whose "sent" mark is not committed yet: a crash repeats at most
# this many. Marks are written together after the sends, while the workers go on.
MAX_UNMARKED = 128
# Claimed reminders wait for a worker in one queue per chat, taken in turn. Claimed in batches of
# at most CLAIM_BATCH (one transaction each) once fewer than CLAIM_AGAIN_AT wait, or when every
# waiting chat is held back by its own rate limit; never more than MAX_WAITING at once, so that
# claims are not held long before their send.
CLAIM_BATCH = 256
CLAIM_AGAIN_AT = 128
MAX_WAITING = 2048
# A replica that lost the pacer lease lets its sends under way finish for this long.
LOST_LEASE_GRACE_S = 1.0
# A "sent" mark that fails (the database is briefly unavailable) is tried again this many times.
MARK_ATTEMPTS = 3


class Outcome(enum.Enum):
    SENT = "sent"
    FAILED = "failed"  # gave up after bounded retries
    BLOCKED = "blocked"  # the user blocked the bot: kept as missed, their other reminders wait


class PacerLease(Protocol):
    """Which replica sends the reminders (storage.postgres.PacerLease)."""

    async def acquire(self) -> bool: ...


class ReminderSender(Protocol):
    async def send_reminder(
        self,
        reminder: Reminder,
        user: User,
        bake: Bake | None,
        *,
        late: bool,
        expected_rise: float | None = None,
    ) -> Outcome: ...

    async def send_missed_summary(
        self, user: User, missed: list[Reminder], *, blocked: bool = False
    ) -> None: ...

    def chat_wait(self, chat_id: int) -> float:
        """Seconds until a message to this chat would pass its own rate limit (0: now)."""
        ...


@dataclass(slots=True)
class Delivery:
    """A claimed reminder on its way: with its baker and bake as claimed, and whether it is late."""

    reminder: Reminder
    user: User
    bake: Bake | None
    late: bool
    expected_rise: float | None = None  # a rise check's: what the model expects (at the claim)


class ChatQueues:
    """Claimed reminders waiting for a worker: one queue per chat, the chats taken in turn, so a
    baker with five reminders due at once does not hold up the next baker's one. A chat is handed
    out once at a time (its reminders go in due order), and a chat its own rate limit holds back
    waits aside until it may send (`wait_of`: seconds), instead of holding a worker."""

    def __init__(self) -> None:
        self._queues: dict[int, deque[Delivery]] = {}
        self._turns: deque[int] = deque()  # chats with waiting reminders, free to send now
        self._held: list[tuple[float, int]] = []  # (monotonic time it may send, chat): a heap
        self._busy: set[int] = set()  # chats with a delivery under way
        self.waiting = 0

    def put(self, delivery: Delivery) -> None:
        chat = delivery.user.chat_id
        queue = self._queues.get(chat)
        if queue is None:
            queue = self._queues[chat] = deque()
            if chat not in self._busy:
                self._turns.append(chat)
        queue.append(delivery)
        self.waiting += 1

    def take(self, wait_of: Callable[[int], float]) -> tuple[Delivery | None, float | None]:
        """The next delivery whose chat may send now, or (None, seconds until one may), or
        (None, None) when nothing waits for a worker."""
        now = time.monotonic()
        while self._held and self._held[0][0] <= now:
            self._turns.append(heapq.heappop(self._held)[1])
        while self._turns:
            chat = self._turns.popleft()
            wait = wait_of(chat)
            if wait > 0:
                heapq.heappush(self._held, (now + wait, chat))
                continue
            queue = self._queues[chat]
            delivery = queue.popleft()
            if not queue:
                del self._queues[chat]
            self._busy.add(chat)
            self.waiting -= 1
            return delivery, None
        if self._held:
            return None, max(0.0, self._held[0][0] - now)
        return None, None

    def done(self, chat: int) -> None:
        """The chat's delivery is through: its next reminder (if any) waits for its turn."""
        self._busy.discard(chat)
        if chat in self._queues:
            self._turns.append(chat)

    def drain(self) -> list[Delivery]:
        """Everything still waiting (stopping: their claims are given back)."""
        left = [delivery for queue in self._queues.values() for delivery in queue]
        self._queues.clear()
        self._turns.clear()
        self._held.clear()
        self.waiting = 0
        return left


class ReminderService:
    def __init__(
        self,
        db: Transactor,
        clock: Clock,
        *,
        horizon: timedelta = timedelta(hours=1),
        grace: timedelta = timedelta(hours=6),
        default_timezone: str = "UTC",
        shared: bool = False,
        claim_for: timedelta = timedelta(minutes=2),
        poll: timedelta = timedelta(seconds=2),
        owner: str | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.horizon = horizon
        self.grace = grace
        self.default_timezone = default_timezone
        # Replicas share the database: claims of others are respected, reminders are sent only
        # while `pace` holds the pacer lease, and due reminders are polled for every `poll`.
        self.shared = shared
        self.claim_for = claim_for  # a claim's lease (real time, whatever the injected clock)
        self.poll = poll
        self.owner = owner or uuid.uuid4().hex[:12]
        self.sender: ReminderSender | None = None
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self._claimed: set[int] = set()  # claimed by this process, not yet marked
        self._withdrawn: set[int] = set()  # claimed, but cancelled or moved meanwhile
        self._waiting = ChatQueues()
        self._unmarked = asyncio.Semaphore(MAX_UNMARKED)
        self._workers: set[asyncio.Task[None]] = set()
        self._marks: list[tuple[int, str, datetime, asyncio.Future[None]]] = []
        self._marks_writing: list[tuple[int, str, datetime, asyncio.Future[None]]] = []
        self._marker: asyncio.Task[None] | None = None
        self._due_moments: dict[datetime, set[int]] = {}  # real moment -> reminders due then
        self._moment_of: dict[int, datetime] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self._sweep_wanted = False
        self._more_due = False  # the last claim was cut short: claim again when the queue runs low
        self._starved = False  # every waiting chat is held back by its own limit: claim more
        self._last_claimed_user = 0  # claims go round the bakers from there (`claim_due`)
        self._stopped = False

    # ------------------------------------------------------------------ lifecycle

    @property
    def pacing(self) -> bool:
        """Whether this process sends reminders (started, and not stopped since)."""
        return self.sender is not None

    async def start(self, sender: ReminderSender) -> None:
        if self._stopped:  # an APScheduler that was shut down is not started again
            self.scheduler = AsyncIOScheduler(timezone="UTC")
            self._stopped = False
        self.sender = sender
        self.scheduler.start()
        await self.recover()
        self.scheduler.add_job(
            self.refill,
            IntervalTrigger(seconds=self.horizon.total_seconds() / 4),
            id=REFILL_JOB_ID,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
        if self.shared:  # reminders set on other replicas never reach our commit hook
            self.scheduler.add_job(
                self._job,
                IntervalTrigger(seconds=self.poll.total_seconds()),
                args=[None],
                id=POLL_JOB_ID,
                replace_existing=True,
                coalesce=True,
                max_instances=1,
            )

    async def stop(self, *, grace_s: float = 5.0) -> None:
        """Stop scheduling; let deliveries under way finish (briefly), then cancel the rest (and,
        with replicas, give back their claims so the next sender need not wait for them)."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self._stopped = True
        self.sender = None
        self._forget_due_moments()
        unsent = {delivery.reminder.id for delivery in self._waiting.drain()}
        if self._tasks:
            _, pending = await asyncio.wait(list(self._tasks), timeout=grace_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        # Sent, and their marks cut short: marked now, not sent again.
        sent = [mark for mark in (*self._marks_writing, *self._marks) if not mark[3].done()]
        self._marks, self._marks_writing = [], []
        if sent:
            with contextlib.suppress(Exception):  # else repeated once their claims expire
                await self.db.write(lambda repo: mark_all(repo, sent))
        unsent |= self._claimed - {reminder_id for reminder_id, *_ in sent}
        self._claimed.clear()
        self._withdrawn.clear()
        self._unmarked = asyncio.Semaphore(MAX_UNMARKED)
        if unsent and self.shared:
            try:
                await self.db.write(lambda repo: repo.release_claims(sorted(unsent)))
            except Exception:  # they are taken over once their claims expire
                log.exception("could not give back %d reminder claim(s)", len(unsent))

    async def pace(self, lease: PacerLease, sender: ReminderSender) -> None:
        """Replicas: send the reminders while this process holds the pacer lease, checked every
        `poll`; take over when the replica holding it dies, stop when it is lost."""
        while True:
            held = await lease.acquire()
            if held and not self.pacing:
                log.info("this replica sends the reminders now (owner %s)", self.owner)
                # The previous pacer may have spent this second's budget just before it stopped.
                await asyncio.sleep(1.0)
                try:
                    await self.start(sender)
                    self._spawn(self._take_over_claims())
                except Exception:
                    log.exception("starting the reminders failed; trying again")
                    await self.stop(grace_s=0)
            elif not held and self.pacing:
                log.warning("the pacer lease is lost: this replica stops sending reminders")
                await self.stop(grace_s=LOST_LEASE_GRACE_S)
            await asyncio.sleep(self.poll.total_seconds())

    async def _take_over_claims(self) -> None:
        """A new pacer takes over what the previous one had claimed and not sent, once that one
        has surely stopped (it notices a lost lease within `poll`, then gives its sends
        LOST_LEASE_GRACE_S), rather than waiting for those claims to expire."""
        await asyncio.sleep(2 * self.poll.total_seconds() + LOST_LEASE_GRACE_S)
        if not self.pacing:
            return
        taken = await self.db.write(lambda repo: repo.release_claims_except(self.owner))
        if taken:
            log.info("took over %d reminder(s) the previous pacer had claimed", taken)
            self._request_sweep()

    async def recover(self) -> None:
        """At start-up: summarise what is too old, send what is late, schedule the rest."""
        now = self.clock.now()

        def action(
            repo: Repository,
        ) -> tuple[dict[int, list[Reminder]], dict[int, User | None], list[Reminder]]:
            if not self.shared:  # one process: what a previous run claimed is free again
                repo.release_claims()
            missed_by_user = repo.mark_missed_before(now - self.grace)
            users = {uid: repo.get_user(uid) for uid in missed_by_user}
            return missed_by_user, users, repo.pending_due_before(now)

        missed_by_user, users, late = await self.db.write(action)
        for user_id, missed in missed_by_user.items():
            user = users[user_id]
            if user is not None and user.active and self.sender is not None:
                self._spawn(self._summarise(user, missed))
        if late:
            self._spawn(self.sweep(late=True))
        await self.refill(skip_due=True)

    async def refill(self, *, skip_due: bool = False) -> None:
        """Load the reminders due within the horizon into the scheduler."""
        if self.sender is None:
            return
        now = self.clock.now()
        upcoming = await self.db.read(lambda repo: repo.pending_due_before(now + self.horizon))
        for reminder in upcoming:
            if skip_due and reminder.due_at <= now:
                continue  # recover() is already sending it
            self._add_job(reminder)

    async def resync(self) -> None:
        """After the clock jumped (sandbox, tests): deliver what fell due, in order, before
        returning; then re-time the jobs of what lies ahead."""
        if self.sender is None:
            return
        self._forget_due_moments()
        await self.sweep(in_order=True)
        await self.refill()

    def clock_jumped(self) -> None:
        """The injected clock jumped ahead (a test's replica process): what fell due goes out
        now, concurrently as in production (`resync` is the in-order variant)."""
        if self.sender is None:
            return
        self._forget_due_moments()
        self._request_sweep()
        self._spawn(self.refill())

    # ------------------------------------------------------------------ tracking

    def apply(self, changes: ReminderChanges) -> None:
        """What a committed transaction did to reminders: schedule, re-time or drop their jobs.
        A reminder cancelled or moved while its delivery waits for a worker is not sent."""
        if self.shared and self.sender is None:
            return  # another replica sends the reminders
        if self._claimed:
            for reminder_id in (*changes.removed, *(r.id for r in changes.scheduled)):
                if reminder_id in self._claimed:  # (its own "sent" mark lands here too: harmless)
                    self._withdrawn.add(reminder_id)
        if changes.removed:
            self.untrack(changes.removed)
        if changes.scheduled:
            self.track(r for r in changes.scheduled if r.id not in changes.removed)

    def track(self, reminders: Iterable[Reminder]) -> None:
        """Schedules the pending reminders inside the horizon (and drops jobs of the others)."""
        limit = self.clock.now() + self.horizon
        for reminder in reminders:
            if reminder.state == "pending" and reminder.due_at <= limit:
                self._add_job(reminder)
            else:
                self.untrack([reminder.id])

    def untrack(self, reminder_ids: Iterable[int]) -> None:
        for reminder_id in reminder_ids:
            moment = self._moment_of.pop(reminder_id, None)
            if moment is None:
                continue
            others = self._due_moments[moment]
            others.discard(reminder_id)
            if not others:  # nothing else falls due then: the job goes too
                del self._due_moments[moment]
                with contextlib.suppress(JobLookupError):
                    self.scheduler.remove_job(DUE_JOB_PREFIX + moment.isoformat())

    def scheduled_count(self) -> int:
        """Reminders waiting in the scheduler for their moment."""
        return len(self._moment_of)

    def _add_job(self, reminder: Reminder) -> None:
        moment = self.clock.to_real(reminder.due_at)
        if self._moment_of.get(reminder.id) == moment:
            return
        self.untrack([reminder.id])
        self._moment_of[reminder.id] = moment
        due_then = self._due_moments.get(moment)
        if due_then is not None:
            due_then.add(reminder.id)
            return
        self._due_moments[moment] = {reminder.id}
        self.scheduler.add_job(
            self._job,
            DateTrigger(run_date=moment),
            args=[moment],
            id=DUE_JOB_PREFIX + moment.isoformat(),
            replace_existing=True,
            misfire_grace_time=None,  # lateness is handled here, not dropped by APScheduler
            coalesce=True,
        )

    def _forget_due_moments(self) -> None:
        for moment in self._due_moments:
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(DUE_JOB_PREFIX + moment.isoformat())
        self._due_moments.clear()
        self._moment_of.clear()

    async def _job(self, moment: datetime | None) -> None:
        """What APScheduler runs when reminders fall due (or every `poll` with replicas): one
        sweep takes every reminder that is due by then."""
        if moment is not None:
            for reminder_id in self._due_moments.pop(moment, ()):
                self._moment_of.pop(reminder_id, None)
        self._request_sweep()

    def _request_sweep(self) -> None:
        self._sweep_wanted = True
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = self._spawn(self._sweep_while_wanted())

    async def _sweep_while_wanted(self) -> None:
        while self._sweep_wanted:
            self._sweep_wanted = False
            try:
                await self.sweep()
            except Exception:  # the next job or refill sweeps again
                log.exception("taking due reminders failed")

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ------------------------------------------------------------------ firing

    async def sweep(self, *, late: bool = False, in_order: bool = False) -> None:
        """Deliver every reminder due now: claimed in batches (one transaction each, with their
        bakers and bakes) into the chats' queues, from which up to DELIVERY_WORKERS send, each
        marked right after its own send, so a crash repeats at most the sends under way.
        `in_order` delivers one after the other before returning (clock jumps in tests and the
        sandbox), else they go out concurrently, paced by the delivery limits."""
        if self.sender is None:
            return
        moment = self.clock.now() + timedelta(seconds=1)
        while True:
            if in_order:
                limit = CLAIM_BATCH
            else:
                limit = min(CLAIM_BATCH, MAX_WAITING - self._waiting.waiting)
                if limit <= 0 or (self._waiting.waiting >= CLAIM_AGAIN_AT and not self._starved):
                    self._more_due = True  # claimed again as the queue runs low
                    return
            self._starved = False
            batch = await self._claim(moment, limit)
            for reminder, user, bake, expected in batch:
                if reminder.id in self._claimed:
                    continue
                self._claimed.add(reminder.id)
                delivery = Delivery(reminder, user, bake, late, expected)
                if in_order:  # delivered and marked before the next (and before returning)
                    marked = await self._deliver(delivery)
                    if marked is not None:
                        await asyncio.wait([marked])
                else:
                    self._waiting.put(delivery)
            if not in_order:
                self._start_workers()
            self._more_due = len(batch) == limit
            if not self._more_due or self.sender is None:
                return

    async def _claim(
        self, moment: datetime, limit: int
    ) -> list[tuple[Reminder, User, Bake | None, float | None]]:
        """One transaction: a batch of due reminders claimed, with their bakers and bakes, and
        for rise checks the rise the model expects (their buttons offer values around it)."""
        real_now = utc_now()
        until = real_now + self.claim_for
        after = self._last_claimed_user
        now = self.clock.now()

        def action(repo: Repository) -> list[tuple[Reminder, User, Bake | None, float | None]]:
            claimed = repo.claim_due(moment, self.owner, real_now, until, limit=limit, after_user=after)
            return [(r, user, bake, expected_rise(repo, r, user, bake, now)) for r, user, bake in claimed]

        # SKIP LOCKED is made for READ COMMITTED; serializable could refuse it
        batch = await self.db.write(action, serializable=False)
        if batch:
            self._last_claimed_user = batch[-1][0].user_id
        return batch

    def _start_workers(self) -> None:
        while len(self._workers) < min(DELIVERY_WORKERS, self._waiting.waiting):
            worker = self._spawn(self._work())
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)

    def _chat_wait(self, chat_id: int) -> float:
        return self.sender.chat_wait(chat_id) if self.sender is not None else 0.0

    async def _work(self) -> None:
        """One worker: takes the next chat's reminder in turn and delivers it, until none waits."""
        while self.sender is not None:
            delivery, wait = self._waiting.take(self._chat_wait)
            if delivery is None:
                if wait is None:
                    return
                if self._more_due:  # every waiting chat is held back: look further for others
                    self._starved = True
                    self._request_sweep()
                await asyncio.sleep(wait)
                continue
            try:
                await self._deliver(delivery)
            finally:
                self._waiting.done(delivery.user.chat_id)
            if self._more_due and self._waiting.waiting < CLAIM_AGAIN_AT:
                self._request_sweep()

    async def _deliver(self, delivery: Delivery) -> asyncio.Future[None] | None:
        """Send one claimed reminder. Its "sent" mark is written afterwards, together with others,
        while the worker goes on; the reminder holds one of MAX_UNMARKED permits from before its
        send until that mark is committed, so a crash repeats at most that many. Returns the
        pending mark, if any."""
        reminder = delivery.reminder
        await self._unmarked.acquire()
        marked: asyncio.Future[None] | None = None
        try:
            if self.sender is None:  # stopped while it waited: the next start sends it
                with contextlib.suppress(Exception):
                    await self.db.write(lambda repo: repo.release_claims([reminder.id]))
            elif reminder.id not in self._withdrawn:
                marked = await self._send(delivery)
        except Exception:  # one reminder's failure never stops the others
            log.exception("reminder %s could not be delivered", reminder.id)
            with contextlib.suppress(Exception):  # the next sweep tries it again
                await self.db.write(lambda repo: repo.release_claims([reminder.id]))
        finally:
            if marked is None:
                self._settled(reminder.id)
            else:
                marked.add_done_callback(functools.partial(self._mark_settled, reminder.id))
        return marked

    def _settled(self, reminder_id: int) -> None:
        self._claimed.discard(reminder_id)
        self._withdrawn.discard(reminder_id)
        self._unmarked.release()

    def _mark_settled(self, reminder_id: int, done: asyncio.Future[None]) -> None:
        if not done.cancelled() and done.exception() is not None:  # sent: never sent again for it
            log.error("reminder %s was sent but could not be marked: %s", reminder_id, done.exception())
        self._settled(reminder_id)

    async def _send(self, delivery: Delivery) -> asyncio.Future[None] | None:
        """Deliver it, or settle it without a message; returns the pending "sent" mark, if any."""
        sender = self.sender  # stopping lets this delivery finish (see `stop`)
        assert sender is not None
        reminder, user, bake, late = delivery.reminder, delivery.user, delivery.bake, delivery.late
        now = self.clock.now()
        if not fits(reminder, bake):
            await self.db.write(lambda repo: repo.cancel_reminders(user.id, reminder_id=reminder.id))
            return None
        if not user.active:  # blocked: kept for the summary when they are back
            await self.db.write(
                lambda repo: repo.mark_reminder(reminder.id, ReminderState.MISSED, sent_at=now)
            )
            return None
        if reminder.kind in ROUTINE_KINDS and not late:
            quiet = parse_quiet(user.quiet_start, user.quiet_end)
            held = hold_for_quiet_hours(
                now, reminder.kind, quiet, zone_for(user.timezone, self.default_timezone)
            )
            if held > now:
                await self.db.write(lambda repo: repo.reschedule_reminder(user.id, reminder.id, held))
                return None
        outcome = await sender.send_reminder(
            reminder, user, bake, late=late, expected_rise=delivery.expected_rise
        )
        state = {
            Outcome.SENT: ReminderState.SENT,
            Outcome.FAILED: ReminderState.FAILED,
            Outcome.BLOCKED: ReminderState.MISSED,
        }[outcome]
        if outcome is Outcome.FAILED:
            log.error("reminder %s for user %s failed after retries", reminder.id, user.id)
        return self._mark(reminder.id, state, self.clock.now())

    def _mark(self, reminder_id: int, state: str, sent_at: datetime) -> asyncio.Future[None]:
        """Mark a reminder sent (or failed, missed): done once the mark is committed. Marks that
        arrive while one is being written go together in the next transaction."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._marks.append((reminder_id, state, sent_at, done))
        if self._marker is None or self._marker.done():
            self._marker = self._spawn(self._write_marks())
        return done

    async def _write_marks(self) -> None:
        while self._marks:
            self._marks_writing, self._marks = self._marks, []
            await self._write_mark_batch(self._marks_writing)
            self._marks_writing = []

    async def _write_mark_batch(self, batch: list[tuple[int, str, datetime, asyncio.Future[None]]]) -> None:
        for attempt in range(1, MARK_ATTEMPTS + 1):
            try:
                # each mark is one row's update, checked on the row: safe at READ COMMITTED
                await self.db.write(lambda repo: mark_all(repo, batch), serializable=False)
            except Exception as exc:
                if attempt < MARK_ATTEMPTS:
                    await asyncio.sleep(0.2 * attempt)
                    continue
                for *_, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                return
            for *_, done in batch:
                if not done.done():
                    done.set_result(None)
            return

    async def _summarise(self, user: User, missed: list[Reminder]) -> None:
        assert self.sender is not None
        try:
            await self.sender.send_missed_summary(user, missed)
        except Exception:
            log.exception("missed-reminder summary for user %s failed", user.id)

    # ------------------------------------------------------------------ users

    async def pause(self, user_id: int) -> None:
        """The baker blocked the bot: nothing is sent to them; their reminders stay planned, and
        those that fall due meanwhile are kept as missed for the summary when they are back."""
        now = self.clock.now()
        await self.db.write(lambda repo: repo.block_user(user_id, now))

    async def resume(self, user_id: int) -> list[Reminder]:
        """The baker is back (unblocked, or wrote again): the reminders still ahead go on as
        planned; returns those missed while blocked, for one short summary."""
        return await self.db.write(lambda repo: repo.unblock_user(user_id))


def expected_rise(
    repo: Repository, reminder: Reminder, user: User, bake: Bake | None, now: datetime
) -> float | None:
    """For a rise check of a bake in bulk: the rise the model expects by `now` (None for other
    reminders, when nothing is predicted, or when the model fails: the buttons fall back)."""
    if bake is None or not bake.in_bulk or reminder.kind not in RISE_KINDS:
        return None
    try:
        return bulk.expected_rise(repo, user, bake, now)
    except Exception:  # a reminder goes out without its estimate rather than not at all
        log.exception("expected rise of bake %s", bake.id)
        return None


def mark_all(repo: Repository, marks: list[tuple[int, str, datetime, Any]]) -> None:
    for reminder_id, state, sent_at, _ in marks:
        repo.mark_reminder(reminder_id, state, sent_at=sent_at)


def fits(reminder: Reminder, bake: Bake | None) -> bool:
    """Whether a reminder still belongs to where its bake is."""
    if reminder.bake_id is None:
        return True
    if bake is None:
        return False
    if reminder.kind in BULK_KINDS:
        return bake.phase == Phase.BULK
    if reminder.kind in PROOF_KINDS:
        return bake.phase in (Phase.COLD_PROOF, Phase.PROOF)
    return True
