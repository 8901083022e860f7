"""What replicas rely on in storage: reminder claims (both backends, SKIP LOCKED on PostgreSQL),
a baker's open updates in the inbox, the per-baker locks and the pacer lease (PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from schedules.types import InboxEntry, NewReminder
from storage.database import AnyDatabase
from storage.postgres import BakerLocks, PacerLease, PostgresDatabase
from storage.repository import SqlRepository

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
REAL = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)  # the claims' clock (real time)


async def _with_reminders(db: AnyDatabase, count: int) -> list[int]:
    def action(repo: SqlRepository) -> list[int]:
        repo.upsert_user(7, 7, "Ann", NOW)
        items = [NewReminder("timer", NOW + timedelta(seconds=n), label=f"t{n}") for n in range(count)]
        return [r.id for r in repo.add_reminders(7, items, NOW)]

    return await db.write(action)


async def test_a_claimed_reminder_is_not_claimed_again_until_its_claim_expires(
    make_database: Callable[..., AnyDatabase],
) -> None:
    db = await make_database().open()
    try:
        ids = await _with_reminders(db, 3)
        later = NOW + timedelta(minutes=1)
        until = REAL + timedelta(seconds=30)
        first = await db.write(lambda repo: repo.claim_due(later, "a", REAL, until, limit=2))
        assert [r.id for r, _, _ in first] == ids[:2]  # in due order, at most `limit`
        assert first[0][1].id == 7
        second = await db.write(lambda repo: repo.claim_due(later, "b", REAL, until, limit=10))
        assert [r.id for r, _, _ in second] == ids[2:]  # what "a" holds is not taken
        # "a" died: once its claims expire, "b" takes them over.
        expired = until + timedelta(seconds=1)
        third = await db.write(lambda repo: repo.claim_due(later, "b", expired, expired, limit=10))
        assert sorted(r.id for r, _, _ in third) == ids
        # Marked sent: never claimed again; given back: claimable at once.
        assert await db.write(lambda repo: repo.mark_reminder(ids[0], "sent", sent_at=NOW))
        assert await db.write(lambda repo: repo.release_claims([ids[1]])) == 1
        again = await db.write(lambda repo: repo.claim_due(later, "c", REAL, until, limit=10))
        assert [r.id for r, _, _ in again] == [ids[1]]
        assert await db.write(lambda repo: repo.release_claims()) == 2  # every pending claim
        # A new pacer takes over what others hold, keeping its own.
        await db.write(lambda repo: repo.claim_due(later, "old", REAL, until, limit=1))
        await db.write(lambda repo: repo.claim_due(later, "new", REAL, until, limit=1))
        assert await db.write(lambda repo: repo.release_claims_except("new")) == 1
        holders = await db.write(lambda repo: repo.claim_due(later, "next", REAL, until, limit=10))
        assert len(holders) == 1  # the old pacer's, free again; the new pacer's is still held
    finally:
        await db.close()


async def test_due_reminders_are_claimed_by_turns_round_the_bakers(
    make_database: Callable[..., AnyDatabase],
) -> None:
    db = await make_database().open()
    try:

        def action(repo: SqlRepository) -> dict[int, list[int]]:
            made = {}
            for user_id, count in ((1, 3), (2, 2), (3, 1)):
                repo.upsert_user(user_id, user_id, f"Baker {user_id}", NOW)
                items = [NewReminder("timer", NOW, label=f"t{n}") for n in range(count)]
                made[user_id] = [r.id for r in repo.add_reminders(user_id, items, NOW)]
            return made

        ids = await db.write(action)
        later = NOW + timedelta(minutes=1)
        until = REAL + timedelta(seconds=30)
        first = await db.write(lambda repo: repo.claim_due(later, "a", REAL, until, limit=4))
        # Every baker's first before baker 1's second, although baker 1's were all made first.
        assert [r.id for r, _, _ in first] == [ids[1][0], ids[2][0], ids[3][0], ids[1][1]]
        rest = await db.write(lambda repo: repo.claim_due(later, "a", REAL, until, limit=10, after_user=1))
        # Baker 1 had the last turn: baker 2 goes first in the next batch.
        assert [r.id for r, _, _ in rest] == [ids[2][1], ids[1][2]]
    finally:
        await db.close()


async def test_a_bakers_open_updates_in_order(make_database: Callable[..., AnyDatabase]) -> None:
    db = await make_database().open()
    try:
        for update_id, user in ((12, 1), (10, 1), (11, 2), (13, 1)):
            entry = InboxEntry(update_id, "{}", user)
            assert await db.write(lambda repo, e=entry: repo.inbox_add(e, NOW))
        assert not await db.write(lambda repo: repo.inbox_add(InboxEntry(10, "{}", 1), NOW))
        assert [e.update_id for e in await db.read(lambda repo: repo.inbox_open_of(1))] == [10, 12, 13]
        assert await db.read(lambda repo: repo.inbox_open_bakers()) == [1, 2]
        await db.write(lambda repo: repo.inbox_done([10, 11], NOW))
        assert [e.update_id for e in await db.read(lambda repo: repo.inbox_open_of(1))] == [12, 13]
        assert await db.read(lambda repo: repo.inbox_open_bakers()) == [1]
    finally:
        await db.close()


async def test_replicas_claiming_at_once_take_different_reminders(postgres_migrated_url: str) -> None:
    dbs = [await PostgresDatabase(postgres_migrated_url).open() for _ in range(3)]
    try:
        ids = await _with_reminders(dbs[0], 60)
        later = NOW + timedelta(minutes=5)
        until = REAL + timedelta(seconds=30)
        batches = await asyncio.gather(
            *(
                db.write(lambda repo, o=f"r{n}": repo.claim_due(later, o, REAL, until, limit=25))
                for n, db in enumerate(dbs)
            )
        )
        taken = [r.id for batch in batches for r, _, _ in batch]
        assert len(taken) == len(set(taken)) == len(ids)  # each claimed once, none left
    finally:
        for db in dbs:
            await db.close()


async def test_a_bakers_lock_is_held_by_one_replica_and_freed_when_it_dies(
    postgres_migrated_url: str,
) -> None:
    one = BakerLocks(postgres_migrated_url, connections=2)
    two = BakerLocks(postgres_migrated_url, connections=2)
    await one.open()
    await two.open()
    try:
        async with one.hold(42) as held:
            assert held
            async with two.hold(42, wait=False) as other:
                assert not other
            async with two.hold(43, wait=False) as other:
                assert other  # another baker: free
            waiting = asyncio.create_task(_hold_then(two, 42))
            await asyncio.sleep(0.2)
            assert not waiting.done()  # waits on the server while `one` holds it
        assert await asyncio.wait_for(waiting, 5)
        # A replica that dies (its sessions end) frees what it held.
        async with one.hold(44):
            await asyncio.get_running_loop().run_in_executor(None, _kill_sessions, one)
            assert await asyncio.wait_for(_hold_then(two, 44), 5)
    finally:
        await one.close()
        await two.close()


async def _hold_then(locks: BakerLocks, key: int) -> bool:
    async with locks.hold(key) as held:
        return held


def _kill_sessions(locks: BakerLocks) -> None:
    for connection in locks._connections:
        connection.close()


async def test_one_pacer_at_a_time_and_another_takes_over(postgres_migrated_url: str) -> None:
    first, second = PacerLease(postgres_migrated_url), PacerLease(postgres_migrated_url)
    try:
        assert await first.acquire()
        assert await first.acquire()  # still held
        assert not await second.acquire()
        await first.close()  # the pacer stopped (or died: its session ended)
        assert await second.acquire()
    finally:
        await second.close()
