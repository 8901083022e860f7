"""Bench for durable reminders: start-up on a big database, and a fan-out of due reminders.

Run from the repo root:  .venv/bin/python bench/bench_reminders.py [--part startup|fanout]

a. start-up: a database with 20,000 users (one bake each) and 100,000 pending reminders spread
   over the next 7 days (from +10 min, so none falls due during the run). `python -m bot run`
   is started as a SUBPROCESS against a fresh emulator (BOT_TOKEN, TELEGRAM_API_BASE,
   DATABASE_PATH, LOG_LEVEL=INFO in its environment); a user's `/help` is queued before the
   process starts. Measured: process start -> the /help reply reaches the emulator, and the
   bot process's peak RSS (VmHWM from /proc, so nothing inherited from this parent counts).
   The jobs loaded come from the bot's "bot started; N reminder job(s)" log line. Reference
   in the same run: the same measurement on an empty database (schema only). Median of
   --trials runs each, alternating. Aim: < 3 s and < 250 MB.

b. fan-out: 5,000 reminders all due at the same moment, a few seconds after the bot (in this
   process, build_app + long polling, the start-up heap frozen as `python -m bot run` does) has
   started; the emulator runs in a child process (bench/_loadgen.py), so the bot's event loop
   does not share a core with it. Run on SQLite and on PostgreSQL (a throwaway server started
   as the tests do, tests/databases.py; skipped with a note where it is not installed), each
   twice: 1,000 users x 5 (fold, fold, rise_check, bulk_done, timer: a baker whose reminders
   coincide) and 5,000 users x 1 (the per-chat limit never binds). Emulator: global_rate_limit
   = 500 msg/s (sliding 1 s window, 429 retry_after 1 beyond it); bot: rate_limit_global_per_s
   =500, rate_limit_per_chat_per_s=1. Counted at the emulator: distinct reminders delivered,
   lost, twice, 429s; time from the due moment to the last delivery next to the floor 5,000 /
   500 = 10 s; CPU per reminder of both processes. Waiting stops at 1.5 x the floor; what has
   not arrived by then counts as lost. Then the database must hold all 5,000 rows as 'sent'.
   Aims: 5,000 x 1 within 1.05 x the floor with no 429, 1,000 x 5 within 1.10 x; none lost,
   none twice.

Informational: a slow shared machine does not fail `make bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import random
import re
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import _harness
from _harness import REPO_ROOT, bench_settings, install_log_tally, start_polling, stop_polling
from _loadgen import LoadGenerator

from bot.app import build_app
from bot.runner import freeze_startup_heap
from emulator.models import MessageTimeoutError
from emulator.server import BotAPIEmulator
from storage.database import Database
from storage.postgres import connect as pg_connect
from storage.repository import to_db
from tests.databases import PostgresServer, postgres_bin

# a. start-up
USERS = 20_000
REMINDERS = 100_000
SPREAD = timedelta(days=7)
FIRST_DUE = timedelta(minutes=10)
AIM_STARTUP_S = 3.0
AIM_RSS_MB = 250.0
HELP_USER = 999_999_001
STARTED_LINE = re.compile(r"bot started; (\d+) reminder job")

KINDS = ("fold", "fold", "rise_check", "bulk_done", "timer")  # cycled over each user's reminders

# b. fan-out
FANOUT_TOTAL = 5_000
RATE = 500
GIVE_UP_FLOORS = 1.5  # stop waiting at 1.5 x the floor after the due moment; what is missing is "lost"
LEAD_S = 3.0  # the due moment, counted from when the database is written
AIM_FLOOR_RATIO = {1: 1.05, 5: 1.10}  # by reminders per user; and no 429 with one each


# --------------------------------------------------------------------------------------------
# Database
# --------------------------------------------------------------------------------------------


async def create_schema(path: Path) -> None:
    storage = await Database(path).open()
    await storage.close()


def fill(path: Path, users: int, per_user: int, due_at: list[datetime], *, first_user: int = 1) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    try:
        fill_on(db, users, per_user, due_at, first_user=first_user)
    finally:
        db.close()


def fill_on(db: Any, users: int, per_user: int, due_at: list[datetime], *, first_user: int = 1) -> None:
    """users (chat_id = id) with one bake each, then per_user reminders each, in one transaction,
    on a SQLite connection or a PostgreSQL one (storage.postgres.connect: the same `?` SQL).

    Reminder n (0-based, user-major) gets kind KINDS[n % 5] and due_at[n]; a 'timer' has no bake.
    """
    now = to_db(datetime.now(UTC))
    db.execute("BEGIN")
    user_ids = range(first_user, first_user + users)
    db.executemany(
        "INSERT INTO users (id, chat_id, first_name, setup_done, created_at) VALUES (?, ?, ?, 1, ?)",
        [(uid, uid, f"Baker {uid}", now) for uid in user_ids])
    # bake ids are assigned in insertion order: user_ids[i] owns bake i + 1 in a fresh table
    db.executemany(
        "INSERT INTO bakes (id, user_id, name, phase, started_at, folds_count, fold_interval_min) "
        "VALUES (?, ?, 'Loaf', 'bulk', ?, 4, 30)",
        [(index + 1, uid, now) for index, uid in enumerate(user_ids)])
    rows = []
    for index, uid in enumerate(user_ids):
        for j in range(per_user):
            n = index * per_user + j
            kind = KINDS[n % len(KINDS)]
            bake_id = None if kind == "timer" else index + 1
            label = "oven" if kind == "timer" else None
            seq = j + 1 if kind == "fold" else None
            rows.append((uid, bake_id, kind, to_db(due_at[n]), label, seq, now))
    db.executemany(
        "INSERT INTO reminders (user_id, bake_id, kind, due_at, label, seq, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    db.execute("COMMIT")


# --------------------------------------------------------------------------------------------
# a. Start-up
# --------------------------------------------------------------------------------------------


@dataclass
class Startup:
    seconds: float = 0.0           # process start -> /help reply at the emulator
    started_at_s: float = 0.0      # process start -> "bot started" log line read from its stderr
    peak_mb: float = 0.0
    jobs: int | None = None
    problems: list[str] = field(default_factory=list)


def vm_hwm_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for row in status:
            if row.startswith("VmHWM:"):
                return int(row.split()[1]) / 1024  # kB
    return float("nan")


async def measure_startup(db_path: Path) -> Startup:
    result = Startup()
    async with BotAPIEmulator() as emulator:
        env = dict(os.environ, BOT_TOKEN=emulator.token, TELEGRAM_API_BASE=emulator.base_url,
                   DATABASE_PATH=str(db_path), LOG_LEVEL="INFO", DEFAULT_TIMEZONE="UTC")
        await emulator.send_text(HELP_USER, "/help", first_name="Ann")  # waiting before the bot exists
        start = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=REPO_ROOT, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE)
        tail: list[str] = []

        async def read_log() -> None:
            assert proc.stderr is not None
            async for raw in proc.stderr:
                text = raw.decode(errors="replace").rstrip()
                match = STARTED_LINE.search(text)
                if match and result.jobs is None:
                    result.jobs = int(match.group(1))
                    result.started_at_s = time.perf_counter() - start
                if " ERROR " in text or "Traceback" in text:
                    result.problems.append(text[:200])
                tail[:] = [*tail[-20:], text]

        reader = asyncio.create_task(read_log())
        try:
            reply = await emulator.next_message(HELP_USER, timeout=60)
            result.seconds = time.perf_counter() - start
            if "What I can do" not in reply.text:
                result.problems.append(f"unexpected /help reply: {reply.text[:80]!r}")
            await asyncio.sleep(0.3)  # let the log line through; VmHWM is a high-water mark anyway
            result.peak_mb = vm_hwm_mb(proc.pid)
        except MessageTimeoutError:
            result.problems.append("no /help reply within 60 s; log tail:\n    " + "\n    ".join(tail))
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGINT)  # aiogram's own handler stops polling cleanly
                try:
                    await asyncio.wait_for(proc.wait(), 15)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()
                    result.problems.append("the bot did not stop within 15 s of SIGINT; killed")
            await asyncio.wait_for(reader, 5)
    return result


async def import_cost(module: str) -> tuple[float, float]:
    """(seconds the import statement takes, VmHWM MB after it) in a bare child that only imports it."""
    code = ("import time\nstart = time.perf_counter()\n"
            f"import {module}\n"
            "hwm = [r.split()[1] for r in open('/proc/self/status') if r.startswith('VmHWM:')][0]\n"
            "print(time.perf_counter() - start, hwm)")
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", code, cwd=REPO_ROOT,
                                                stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    seconds, hwm_kb = out.split()[-2:]
    return float(seconds), int(hwm_kb) / 1024


def summarise(runs: list[Startup]) -> tuple[float, float, float, int | None]:
    return (statistics.median(r.seconds for r in runs), statistics.median(r.started_at_s for r in runs),
            max(r.peak_mb for r in runs), runs[-1].jobs)


async def part_startup(folder: Path, trials: int) -> None:
    empty, full = folder / "empty.sqlite3", folder / "full.sqlite3"
    build_start = time.perf_counter()
    await create_schema(empty)
    await create_schema(full)
    rng = random.Random(20240611)
    now = datetime.now(UTC)
    span = (SPREAD - FIRST_DUE).total_seconds()
    due = [now + FIRST_DUE + timedelta(seconds=rng.uniform(0, span)) for _ in range(REMINDERS)]
    per_user = REMINDERS // USERS
    fill(full, USERS, per_user, due)
    in_horizon = sum(1 for d in due if d < now + timedelta(minutes=60))
    print(f"a. start-up: {USERS:,} users, {USERS:,} bakes, {REMINDERS:,} pending reminders over the next "
          f"7 days ({in_horizon:,} within the 60 min horizon); database {full.stat().st_size / 1e6:.1f} MB, "
          f"built in {time.perf_counter() - build_start:.1f} s")
    print(f"   `python -m bot run` in a subprocess, LOG_LEVEL=INFO, against a fresh emulator each run; "
          f"median of {trials} run(s) each, alternating; peak RSS = max VmHWM")
    results: dict[str, list[Startup]] = {"empty": [], "full": []}
    for _ in range(trials):
        for name, path in (("empty", empty), ("full", full)):
            results[name].append(await measure_startup(path))
    problems = [p for runs in results.values() for r in runs for p in r.problems]
    if any(r.seconds == 0.0 for runs in results.values() for r in runs):
        for problem in problems:
            print(f"   problem: {problem}")
        print("   start-up: FAILED (see problems above)")
        return
    ref_s, ref_started, ref_mb, ref_jobs = summarise(results["empty"])
    got_s, got_started, got_mb, got_jobs = summarise(results["full"])
    print(f"   reference  empty database     first reply {secs(ref_s)}   peak RSS {ref_mb:6.1f} MB   "
          f"(\"bot started\" logged at {ref_started:.2f} s; {ref_jobs} reminder job(s) loaded)")
    print(f"   bot        100k reminders     first reply {secs(got_s)}   peak RSS {got_mb:6.1f} MB   "
          f"(\"bot started\" logged at {got_started:.2f} s; {got_jobs} reminder job(s) loaded)")
    ok = got_s < AIM_STARTUP_S and got_mb < AIM_RSS_MB
    print(f"   ratio to the empty database: time {got_s / ref_s:.2f}x, peak RSS {got_mb / ref_mb:.2f}x; "
          f"aim < {AIM_STARTUP_S:.0f} s and < {AIM_RSS_MB:.0f} MB: {'OK' if ok else 'OVER AIM'}")
    print("   runs (s): empty " + ", ".join(f"{r.seconds:.2f}" for r in results["empty"])
          + "; full " + ", ".join(f"{r.seconds:.2f}" for r in results["full"]))
    costs = [(module, *await import_cost(module)) for module in ("aiogram", "bot.charts", "bot.app")]
    print("   where it goes: `import X` alone in a bare child takes: " + "; ".join(
        f"{module} {seconds:.2f} s / {mb:.0f} MB" for module, seconds, mb in costs))
    for problem in problems:
        print(f"   problem: {problem}")


def secs(seconds: float) -> str:
    return f"{seconds:5.2f} s"


# --------------------------------------------------------------------------------------------
# b. Fan-out
# --------------------------------------------------------------------------------------------


class Backend:
    """Where the fan-out's database lives: a SQLite file, or a database on a throwaway PostgreSQL
    server (tests/databases.py); it writes the rows and reads the states on a connection of its own."""

    def __init__(self, name: str, path: Path, url: str | None = None) -> None:
        self.name = name
        self.path = path
        self.url = url

    def connect(self) -> Any:
        if self.url is not None:
            return pg_connect(self.url, application_name="bench")
        return sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)

    def settings(self) -> dict[str, Any]:
        return {"database_url": self.url} if self.url is not None else {}


def set_due(conn: Any, moment: datetime) -> None:
    conn.execute("UPDATE reminders SET due_at = ? WHERE state = 'pending'", (to_db(moment),))


def states_on(conn: Any) -> Counter[str]:
    return Counter({row[0]: row[1] for row in
                    conn.execute("SELECT state, COUNT(*) FROM reminders GROUP BY state").fetchall()})


def sent_ids_on(conn: Any) -> set[int]:
    return {row[0] for row in conn.execute("SELECT id FROM reminders WHERE state = 'sent'").fetchall()}


@dataclass
class Recorded:
    """What the emulator (in the load generator's child process) saw."""

    times: dict[int, list[float]]
    chats: int
    other: int
    rejected_429: int
    cpu_s: float

    @property
    def distinct(self) -> int:
        return len(self.times)

    @property
    def duplicated(self) -> int:
        return sum(len(t) - 1 for t in self.times.values())

    @property
    def last(self) -> float:
        return max((max(t) for t in self.times.values()), default=float("nan"))

    @property
    def first(self) -> float:
        return min((min(t) for t in self.times.values()), default=float("nan"))


async def part_fanout(backend: Backend, per_user: int) -> dict[str, Any]:
    tally = install_log_tally()
    expected = FANOUT_TOTAL
    users = expected // per_user
    floor = expected / RATE
    first_user = 500_001
    conn = backend.connect()
    try:
        fill_on(conn, users, per_user, [datetime.now(UTC) + timedelta(days=1)] * expected,
                first_user=first_user)
        kinds = f"kinds {', '.join(KINDS)} " + ("in turn across users" if per_user == 1 else "each")
        print(f"b. fan-out on {backend.name}, {users:,} users x {per_user} ({kinds}): "
              f"{expected:,} reminders all due at one moment; emulator global_rate_limit={RATE}/s; "
              f"bot rate_limit_global_per_s={RATE}, rate_limit_per_chat_per_s=1; the bot in this process, "
              "the emulator in a child process")
        max_unmarked = 0
        async with LoadGenerator.started() as load:
            await load.call("configure", global_rate_limit=RATE,
                            users=list(range(first_user, first_user + users)))
            await load.call("record")
            due_moment = datetime.now(UTC) + timedelta(seconds=LEAD_S)
            set_due(conn, due_moment)
            due_epoch = due_moment.timestamp()
            give_up = due_epoch + GIVE_UP_FLOORS * floor
            settings = bench_settings(backend.path, load, rate_limit_global_per_s=RATE,
                                      rate_limit_per_chat_per_s=1, **backend.settings())
            app = await build_app(settings, load.token)
            freeze_startup_heap()  # as `python -m bot run` does
            task = await start_polling(app.dispatcher, app.bot)
            ready_before_due = due_epoch - time.time()
            jobs = app.reminders.scheduled_count()
            await asyncio.sleep(max(0.0, due_epoch - time.time()))
            gc.collect()
            cpu_before, load_before = time.process_time(), (await load.call("recorded"))["cpu_s"]
            try:
                while time.time() < give_up:
                    progress = await load.call("recorded")
                    if progress["distinct"] >= expected:
                        break
                    await asyncio.sleep(0.1)
                    # Durability window: messages out whose row is not 'sent' yet would be repeated
                    # after a crash at this moment.
                    # (in a thread: a query on this loop would stall the bot it measures)
                    sent_now = (await asyncio.to_thread(states_on, conn))["sent"]
                    max_unmarked = max(max_unmarked, progress["distinct"] - sent_now)
                cpu_s = time.process_time() - cpu_before
                # The row is marked after the message went out: give the last ones a moment
                # (not when giving up: the bot stops at once, with the rest still pending).
                settle_deadline = time.time() + 5
                while (progress["distinct"] == expected and states_on(conn)["sent"] < expected
                       and time.time() < settle_deadline):
                    await asyncio.sleep(0.1)
            finally:
                await stop_polling(app.dispatcher, task)
            answer = await load.call("recorded", full=True)
        recorded = Recorded({int(k): v for k, v in answer["times"].items()}, answer["chats"], answer["other"],
                            answer["rejected_429"], answer["cpu_s"] - load_before)
        db_states = states_on(conn)
        marked = sent_ids_on(conn)
    finally:
        conn.close()

    delivered = recorded.distinct
    complete = delivered == expected
    total = recorded.last - due_epoch if delivered else float("nan")
    print(f"   bot ready {ready_before_due:.2f} s before the due moment; {jobs:,} reminder job(s) scheduled")
    print(f"   delivered (distinct reminders): {delivered:,} of {expected:,}"
          + ("" if complete else f" (stopped waiting {GIVE_UP_FLOORS * floor:.0f} s after the due moment)"))
    print(f"   lost: {expected - delivered:,}" + ("" if complete else " (not delivered by then)"))
    print(f"   twice (extra copies): {recorded.duplicated:,}; chats reached: "
          f"{recorded.chats:,} of {users:,}; other bot messages: {recorded.other}")
    print(f"   429 answered by the emulator: {recorded.rejected_429:,}; bot 'flood control' waits logged: "
          f"{_flood_waits(tally)}")
    print(f"   first delivery {recorded.first - due_epoch:.2f} s after the due moment; "
          f"last delivery {total:.2f} s after it")
    ratio = total / floor if complete else float("inf")
    if complete:
        verdict = "OK" if ratio <= AIM_FLOOR_RATIO[per_user] else "OVER AIM"
        print(f"   total from due to last delivery: {total:.2f} s; floor {expected:,} / {RATE} per s = "
              f"{floor:.1f} s; ratio {ratio:.2f} (aim <= {AIM_FLOOR_RATIO[per_user]}: {verdict})")
    else:
        print(f"   total from due to last delivery: more than {GIVE_UP_FLOORS * floor:.0f} s "
              f"(incomplete); floor {expected:,} / {RATE} per s = {floor:.1f} s; "
              f"ratio > {GIVE_UP_FLOORS:.1f} (aim <= {AIM_FLOOR_RATIO[per_user]}: OVER AIM)")
    if delivered:
        print(f"   delivery rate: {delivered / total:.0f} msg/s overall; {_busiest(recorded)}")
        print(f"   CPU from the due moment to the last delivery: bot process "
              f"{cpu_s / delivered * 1000:.3f} ms per reminder ({cpu_s / total:.0%} of a core), "
              "emulator process "
              f"{recorded.cpu_s / delivered * 1000:.3f} ms per reminder")
    sent = db_states.get("sent", 0)
    print(f"   database after the bot stopped: {dict(sorted(db_states.items()))}; all {expected:,} 'sent': "
          f"{'yes' if sent == expected else f'NO ({sent:,})'}")
    print(f"   during the run, most messages delivered but not yet 'sent' in the database (sampled "
          f"every 0.1 s; a crash then repeats them all): {max_unmarked:,}")
    print(f"   delivered but not 'sent' in the database (repeated at the next start): "
          f"{len(set(recorded.times) - marked):,}; 'sent' but never delivered: "
          f"{len(marked - set(recorded.times)):,}")
    for line in tally.lines("   "):
        print(line)
    return {"backend": backend.name, "per_user": per_user, "delivered": delivered,
            "lost": expected - delivered, "twice": recorded.duplicated, "429": recorded.rejected_429,
            "ratio": ratio}


def _flood_waits(tally: _harness.LogTally) -> int:
    return sum(n for (level, name), n in tally.counts.items()
               if name == "bot.delivery" and "flood control" in tally.samples[(level, name)])


def _busiest(recorded: Recorded) -> str:
    seconds = Counter(int(t) for times in recorded.times.values() for t in times)
    if not seconds:
        return ""
    rates = [seconds[s] for s in range(min(seconds), max(seconds) + 1)]
    return (f"per wall-clock second: min {min(rates)}, median {statistics.median(rates):.0f}, "
            f"max {max(rates)} msg/s")


# --------------------------------------------------------------------------------------------


async def amain(part: str, trials: int, per_users: list[int], backends: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="bench_reminders_") as name:
        folder = Path(name)
        if part in ("all", "startup"):
            await part_startup(folder, trials)
        if part in ("all", "fanout"):
            results = []
            for backend_name in backends:
                async with fanout_backends(folder, backend_name, per_users) as backends_made:
                    for per_user, backend in backends_made:
                        results.append(await part_fanout(backend, per_user))
            if results:
                print("fan-out summary (aims: 5,000 x 1 within 1.05 x the floor with no 429; "
                      "1,000 x 5 within 1.10 x; none lost, none twice)")
                for r in results:
                    users = FANOUT_TOTAL // r["per_user"]
                    print(f"   {r['backend']:<10} {users:>5,} x {r['per_user']}: "
                          f"delivered {r['delivered']:,}, lost {r['lost']:,}, twice {r['twice']:,}, "
                          f"429s {r['429']:,}, "
                          f"time / floor {r['ratio']:.2f}")
    return 0


@contextlib.asynccontextmanager
async def fanout_backends(folder: Path, name: str,
                          per_users: list[int]) -> AsyncIterator[list[tuple[int, Backend]]]:
    """A fresh database for each fan-out run: SQLite files, or databases on a PostgreSQL server
    started for the bench (skipped, with a note, where its binaries are not installed)."""
    if name == "sqlite":
        made = []
        for per_user in per_users:
            path = folder / f"fanout_{per_user}.sqlite3"
            await create_schema(path)
            made.append((per_user, Backend("SQLite", path)))
        yield made
        return
    bin_dir = postgres_bin()
    if bin_dir is None:
        print("b. fan-out on PostgreSQL: skipped (no server binaries in /usr/lib/postgresql/*/bin; "
              "apt-get install postgresql)")
        yield []
        return
    server = await asyncio.to_thread(PostgresServer(bin_dir).start)
    try:
        made = [(per_user, Backend("PostgreSQL", folder / "unused.sqlite3",
                                   await asyncio.to_thread(server.create_database, migrated=True)))
                for per_user in per_users]
        yield made
    finally:
        await asyncio.to_thread(server.stop)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["all", "startup", "fanout"], default="all",
                        help="run one part only (default: both)")
    parser.add_argument("--trials", type=int, default=3, help="start-up runs per database (default 3)")
    parser.add_argument("--per-user", type=int, action="append", choices=[1, 5],
                        help="fan-out: reminders per user, 5 (1,000 users) and/or 1 (5,000 users); "
                        "default both")
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgresql"],
                        help="fan-out: the database, default both (PostgreSQL where installed)")
    args = parser.parse_args()
    return asyncio.run(amain(args.part, args.trials, args.per_user or [5, 1],
                             args.backend or ["sqlite", "postgresql"]))


if __name__ == "__main__":
    raise SystemExit(main())
