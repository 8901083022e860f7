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
import logging
import uuid
from collections.abc import Coroutine, Iterable
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
RISE_KINDS = frozenset({ReminderKind.RISE_CHECK, ReminderKind.BULK_DONE})  # answered with a rise
# Deliveries under way at once. Bounded so that "sent" marks keep up with the messages (a crash
# repeats at most this many), yet large enough that chats waiting for their own per-chat slot
# don't hold up everyone else (bench/bench_reminders.py: 5,000 due at once).
MAX_CONCURRENT_DELIVERIES = 512
# A sweep claims at most as many as there are free delivery slots, and claims again once at
# least this many slots are free (so claims are not held long before their send).
CLAIM_AGAIN_AT = 64


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


def job_id(reminder_id: int) -> str:
    return f"reminder:{reminder_id}"


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
        self._in_flight: set[int] = set()  # claimed by a sweep, not yet marked
        self._withdrawn: set[int] = set()  # in flight, but cancelled or moved meanwhile
        self._delivery_slots = asyncio.Semaphore(MAX_CONCURRENT_DELIVERIES)
        self._tasks: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self._sweep_wanted = False
        self._more_due = False  # a sweep filled every free slot: claim again when slots free up
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
                args=[0],
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
        if self._tasks:
            _, pending = await asyncio.wait(list(self._tasks), timeout=grace_s)
            unsent = sorted(self._in_flight)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            if unsent and self.shared:
                try:
                    await self.db.write(lambda repo: repo.release_claims(unsent))
                except Exception:  # they are taken over once their claims expire
                    log.exception("could not give back %d reminder claim(s)", len(unsent))

    async def pace(self, lease: PacerLease, sender: ReminderSender) -> None:
        """Replicas: send the reminders while this process holds the pacer lease, checked every
        `poll`; take over when the replica holding it dies, stop when it is lost."""
        while True:
            held = await lease.acquire()
            if held and not self.pacing:
                log.info("this replica sends the reminders now (owner %s)", self.owner)
                try:
                    await self.start(sender)
                except Exception:
                    log.exception("starting the reminders failed; trying again")
                    await self.stop(grace_s=0)
            elif not held and self.pacing:
                log.warning("the pacer lease is lost: this replica stops sending reminders")
                await self.stop(grace_s=1)
            await asyncio.sleep(self.poll.total_seconds())

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
        for job in self.scheduler.get_jobs():
            if job.id.startswith("reminder:"):
                job.remove()
        await self.sweep(in_order=True)
        await self.refill()

    def clock_jumped(self) -> None:
        """The injected clock jumped ahead (a test's replica process): what fell due goes out
        now, concurrently as in production (`resync` is the in-order variant)."""
        if self.sender is None:
            return
        for job in self.scheduler.get_jobs():
            if job.id.startswith("reminder:"):
                job.remove()
        self._request_sweep()
        self._spawn(self.refill())

    # ------------------------------------------------------------------ tracking

    def apply(self, changes: ReminderChanges) -> None:
        """What a committed transaction did to reminders: schedule, re-time or drop their jobs.
        A reminder cancelled or moved while its delivery waits for a slot is not sent."""
        if self.shared and self.sender is None:
            return  # another replica sends the reminders
        if self._in_flight:
            for reminder_id in (*changes.removed, *(r.id for r in changes.scheduled)):
                if reminder_id in self._in_flight:  # (its own "sent" mark lands here too: harmless)
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
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(job_id(reminder_id))

    def scheduled_count(self) -> int:
        return sum(1 for job in self.scheduler.get_jobs() if job.id.startswith("reminder:"))

    def _add_job(self, reminder: Reminder) -> None:
        self.scheduler.add_job(
            self._job,
            DateTrigger(run_date=self.clock.to_real(reminder.due_at)),
            args=[reminder.id],
            id=job_id(reminder.id),
            replace_existing=True,
            misfire_grace_time=None,  # lateness is handled here, not dropped by APScheduler
            coalesce=True,
        )

    async def _job(self, reminder_id: int) -> None:
        """What APScheduler runs when a reminder falls due: one sweep takes every reminder that
        is due by then, however many jobs fire at the same moment."""
        self._request_sweep()

    def _request_sweep(self) -> None:
        self._sweep_wanted = True
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.ensure_future(self._sweep_while_wanted())
            self._tasks.add(self._sweeper)
            self._sweeper.add_done_callback(self._tasks.discard)

    async def _sweep_while_wanted(self) -> None:
        while self._sweep_wanted:
            self._sweep_wanted = False
            try:
                await self.sweep()
            except Exception:  # the next job or refill sweeps again
                log.exception("taking due reminders failed")

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ firing

    async def sweep(self, *, late: bool = False, in_order: bool = False) -> None:
        """Deliver every reminder due now: claimed in batches of as many as there are free
        delivery slots (one transaction a batch, with their bakers and bakes); each is marked
        right after its own send, so a crash repeats at most the sends under way. `in_order`
        delivers one after the other (clock jumps in tests and the sandbox), else they go out
        concurrently, paced by the delivery limits."""
        if self.sender is None:
            return
        moment = self.clock.now() + timedelta(seconds=1)
        while True:
            room = MAX_CONCURRENT_DELIVERIES - len(self._in_flight)
            if room < min(CLAIM_AGAIN_AT, MAX_CONCURRENT_DELIVERIES):
                self._more_due = True  # claimed again as deliveries finish
                return
            batch = await self._claim(moment, room)
            for reminder, user, bake in batch:
                if reminder.id in self._in_flight:
                    continue
                self._in_flight.add(reminder.id)
                delivery = self._deliver(reminder, user, bake, late)
                if in_order:
                    await delivery
                else:
                    self._spawn(delivery)
            if len(batch) < room or self.sender is None:
                return

    async def _claim(self, moment: datetime, limit: int) -> list[tuple[Reminder, User, Bake | None]]:
        now = utc_now()
        until = now + self.claim_for
        return await self.db.write(lambda repo: repo.claim_due(moment, self.owner, now, until, limit=limit))

    async def _deliver(self, reminder: Reminder, user: User, bake: Bake | None, late: bool) -> None:
        try:
            async with self._delivery_slots:
                if self.sender is None:  # stopped while it waited for a slot: the next start sends it
                    with contextlib.suppress(Exception):
                        await self.db.write(lambda repo: repo.release_claims([reminder.id]))
                elif reminder.id not in self._withdrawn:
                    await self._send(reminder, user, bake, late)
        except Exception:  # one reminder's failure never stops the others
            log.exception("reminder %s could not be delivered", reminder.id)
            with contextlib.suppress(Exception):  # the next sweep tries it again
                await self.db.write(lambda repo: repo.release_claims([reminder.id]))
        finally:
            self._in_flight.discard(reminder.id)
            self._withdrawn.discard(reminder.id)
            free = MAX_CONCURRENT_DELIVERIES - len(self._in_flight)
            if self._more_due and free >= min(CLAIM_AGAIN_AT, MAX_CONCURRENT_DELIVERIES):
                self._more_due = False
                self._request_sweep()

    async def _send(self, reminder: Reminder, user: User, bake: Bake | None, late: bool) -> None:
        assert self.sender is not None
        now = self.clock.now()
        if not fits(reminder, bake):
            await self.db.write(lambda repo: repo.cancel_reminders(user.id, reminder_id=reminder.id))
            return
        if not user.active:  # blocked: kept for the summary when they are back
            await self.db.write(
                lambda repo: repo.mark_reminder(reminder.id, ReminderState.MISSED, sent_at=now)
            )
            return
        if reminder.kind in ROUTINE_KINDS and not late:
            quiet = parse_quiet(user.quiet_start, user.quiet_end)
            held = hold_for_quiet_hours(
                now, reminder.kind, quiet, zone_for(user.timezone, self.default_timezone)
            )
            if held > now:
                await self.db.write(lambda repo: repo.reschedule_reminder(user.id, reminder.id, held))
                return
        expected = await self._expected_rise(reminder, user, bake)
        outcome = await self.sender.send_reminder(reminder, user, bake, late=late, expected_rise=expected)
        state = {
            Outcome.SENT: ReminderState.SENT,
            Outcome.FAILED: ReminderState.FAILED,
            Outcome.BLOCKED: ReminderState.MISSED,
        }[outcome]
        sent_at = self.clock.now()
        await self.db.write(lambda repo: repo.mark_reminder(reminder.id, state, sent_at=sent_at))
        if outcome is Outcome.FAILED:
            log.error("reminder %s for user %s failed after retries", reminder.id, user.id)

    async def _expected_rise(self, reminder: Reminder, user: User, bake: Bake | None) -> float | None:
        """For a rise check: the rise the model expects of the bake now (its buttons offer values
        around it); None for other reminders, or when nothing is predicted."""
        if bake is None or not bake.in_bulk or reminder.kind not in RISE_KINDS:
            return None
        now = self.clock.now()
        return await self.db.read(lambda repo: bulk.expected_rise(repo, user, bake, now))

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
