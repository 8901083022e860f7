"""Bench: updates/s, reply latency and CPU per update of the bot, next to an aiogram echo bot.

Run from the repo root:  .venv/bin/python bench/bench_throughput.py [--users 200] [--readings 20]

One after the other, each against a fresh Bot API emulator (the project's, over HTTP on
127.0.0.1): the echo bot, the bot on SQLite, the bot on PostgreSQL (one process), the bot as
two replicas on PostgreSQL (`--replicas` sets how many), the echo bot again (the ratios use the
mean of the two echo runs, which brackets drift in machine load). PostgreSQL is a throwaway
server started as the tests do (tests/databases.py), a fresh database for each of its rows;
those rows are skipped where it is not installed; `--backend` picks rows.

* The echo bot and the bot on SQLite and on PostgreSQL long-poll, with the same polling settings
  (polling_timeout=1, aiogram's defaults otherwise), and run in THIS process; the emulator and
  the simulated users run in a child process (bench/_loadgen.py), so this process's CPU time
  (`time.process_time()`, all its threads: the event loop, the bot's database thread(s),
  aiohttp) taken around the measured phase is the bot's side alone.
* The replicas are the bot as in production with replicas (README, "Running in production"):
  `python -m bot run` processes in webhook mode on one PostgreSQL database, behind a small
  round-robin proxy (tests/replicas.py, which tests/e2e/test_replicas.py runs too) in this
  process. The emulator posts each update to the proxy as Telegram does: up to setWebhook's
  max_connections at once (the bot's WEBHOOK_MAX_CONNECTIONS, 40), one update of a chat at a
  time. Their CPU is that of the replica processes together (/proc/PID/stat, user + system, all
  threads) around the measured phase; the proxy's (this process) is shown apart. The PostgreSQL
  server's CPU is in no row; the PostgreSQL rows add what the server counted in their database
  (pg_stat_database, warm-up included): transactions committed, and rolled back (a write refused
  for a conflict is rolled back and run again).

Load pattern, identical for every row:

* warm-up, not measured: every user sends `/newbake Loaf` and waits for the reply (for the
  bot this creates the user and a bake in a fresh database);
* measured: every user sends M `/rise X` readings closed-loop (send, wait for the reply in
  that chat, send the next), all users at once. Latency of a reading = from `send_text` to
  the reply arriving at the emulator (p50, p95, p99); updates/s = N x M / wall time of the
  measured phase; CPU/update = the bot's CPU seconds during the measured phase / (N x M).

The bot's own rate limiter is turned OFF (rate_limit_global_per_s=0, rate_limit_per_chat_per_s=0)
and the emulator enforces no limits: Telegram's ~30 msg/s would otherwise be all we measured.
The echo bot is the floor aiogram + aiohttp cost on this machine; the ratios bot/echo (rate) and
echo/bot (CPU per update) are what the bot's own work (middlewares, the database, rendering;
for replicas also the webhook server and the locks across replicas) leaves of it. Aims, for
every bot row: rate ratio >= 0.8 and CPU ratio >= 0.7 with 200 users x 20 readings.
Informational: does not fail `make bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import math
import re
import resource
import tempfile
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _harness
from _harness import bench_settings, fmt_ms, install_log_tally, percentile, start_polling, stop_polling
from _loadgen import LoadGenerator
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

from bot.app import build_app
from bot.runner import freeze_startup_heap
from tests.databases import PostgresServer, postgres_bin, query
from tests.replicas import Replica, RoundRobin, all_healthy, replica_env

AIM_RATIO = 0.8
AIM_CPU_RATIO = 0.7
FIRST_USER_ID = 700_001
REPLY_TIMEOUT_S = 60.0
REPLICA_START_TIMEOUT_S = 90.0
WEBHOOK_SECRET = "bench-secret_123"
LABEL_WIDTH = 34


@dataclass(frozen=True)
class CpuSnapshot:
    process: float  # all threads of this process
    user: float
    system: float
    loop_thread: float  # the thread running the event loop (this one)

    @classmethod
    def now(cls) -> CpuSnapshot:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return cls(time.process_time(), usage.ru_utime, usage.ru_stime, time.thread_time())

    @classmethod
    def of_replicas(cls, replicas: list[Replica]) -> CpuSnapshot:
        """The replica processes together (all their threads); no event-loop thread figure."""
        times = [r.cpu_times() for r in replicas]
        user, system = sum(t[0] for t in times), sum(t[1] for t in times)
        return cls(user + system, user, system, math.nan)

    def __sub__(self, other: CpuSnapshot) -> CpuSnapshot:
        return CpuSnapshot(self.process - other.process, self.user - other.user,
                           self.system - other.system, self.loop_thread - other.loop_thread)


@dataclass
class Run:
    label: str
    updates: int = 0
    seconds: float = 0.0
    warmup_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    timeouts: int = 0
    unexpected: int = 0
    example: str = ""
    cpu: CpuSnapshot = CpuSnapshot(0.0, 0.0, 0.0, 0.0)
    threads: int = 0  # threads alive in this process at the end of the measured phase
    load_cpu_s: float = 0.0  # the emulator + users child process, same phase
    load_log: list[str] = field(default_factory=list)
    processes: int = 1  # bot processes whose CPU `cpu` is (replicas: more than one)
    here_cpu_s: float = 0.0  # this process's CPU, same phase (replicas: the proxy's)
    notes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_per_update(self) -> float:
        return self.cpu.process / self.updates if self.updates else float("nan")


def reading_text(index: int) -> str:
    """Readings of 3-25 %: minutes after mixing, anything higher is questioned as implausible
    (schedules/plausibility.py) instead of logged, and the logged reading is the work measured."""
    return f"/rise {3 + (7 * index) % 23}"


async def drive(load: LoadGenerator, run: Run, users: int, readings: int, expect: dict[str, Any],
                cpu: Callable[[], CpuSnapshot] = CpuSnapshot.now) -> None:
    """Warm-up (one `/newbake Loaf` each), then the measured closed-loop readings; `cpu` reads
    the CPU time of the bot's process(es), taken around the measured phase."""
    user_ids = range(FIRST_USER_ID, FIRST_USER_ID + users)
    warm = await load.run(user_ids, ["/newbake Loaf"], first_name="Baker", timeout=REPLY_TIMEOUT_S)
    run.warmup_seconds = warm.seconds
    run.timeouts += warm.timeouts
    gc.collect()  # garbage of the warm-up (or an earlier run) is not this phase's work
    before, here = cpu(), time.process_time()
    measured = await load.run(user_ids, [reading_text(i) for i in range(readings)], expect=expect,
                              timeout=REPLY_TIMEOUT_S)
    run.cpu = cpu() - before
    run.here_cpu_s = time.process_time() - here
    run.threads = threading.active_count()
    run.seconds = measured.seconds
    run.latencies = measured.latencies
    run.timeouts += measured.timeouts
    run.unexpected = measured.unexpected
    run.example = measured.example
    run.load_cpu_s = measured.load_cpu_s
    run.load_log = warm.log + measured.log
    run.updates = users * readings


@asynccontextmanager
async def polling(dispatcher: Dispatcher, bot: Bot) -> AsyncIterator[None]:
    task = await start_polling(dispatcher, bot)
    try:
        yield
    finally:
        await stop_polling(dispatcher, task)


async def measure_echo(users: int, readings: int, label: str) -> Run:
    run = Run(label)
    async with LoadGenerator.started() as load:
        session = AiohttpSession(api=TelegramAPIServer.from_base(load.base_url))
        bot = Bot(load.token, session=session)
        dispatcher = Dispatcher()

        @dispatcher.message()
        async def echo(message: Message) -> None:
            await message.answer(message.text or "?")

        async with polling(dispatcher, bot):  # start_polling closes the bot's session when it stops
            await drive(load, run, users, readings, {"equal_sent": True})
    return run


async def measure_bot(users: int, readings: int, folder: Path, label: str = "SQLite",
                      url: str | None = None) -> Run:
    """The bot in this process, long polling: on a SQLite file, or (`url`) on PostgreSQL."""
    run = Run(f"bot        {label}")
    async with LoadGenerator.started() as load:
        settings = bench_settings(folder / "throughput.sqlite3", load,
                                  rate_limit_global_per_s=0, rate_limit_per_chat_per_s=0,
                                  **({"database_url": url} if url else {}))
        app = await build_app(settings, load.token)
        freeze_startup_heap()  # as `python -m bot run` does
        async with polling(app.dispatcher, app.bot):
            # RISE_LOGGED: "📈 <b>40 %</b> after 3 min (Loaf)."
            await drive(load, run, users, readings, {"prefix": "📈"})
    if url:
        run.notes.append(await transactions_note(url))
    return run


async def transactions_note(url: str) -> str:
    """What PostgreSQL counted in the row's database (its warm-up too), once the bot is gone:
    transactions committed, and rolled back (writes refused for a conflict and run again)."""
    sql = "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = current_database()"
    row = (await asyncio.to_thread(query, url, sql))[0]
    return (f"  {'':<{LABEL_WIDTH}} PostgreSQL, warm-up included: {row[0]:,} transactions committed, "
            f"{row[1]:,} rolled back (writes refused for a conflict, run again)")


async def measure_replicas(users: int, readings: int, folder: Path, url: str, count: int) -> Run:
    """`count` replicas of the bot, `python -m bot run` processes in webhook mode on one
    PostgreSQL (as in production), behind a round-robin proxy in this process; the emulator posts
    the updates to the proxy, up to setWebhook's max_connections at once (the bot's default, 40),
    one update of a chat at a time, as Telegram does. CPU: the replica processes together."""
    run = Run(f"bot        PostgreSQL, {count} replicas", processes=count)
    async with LoadGenerator.started() as load:
        replicas = [Replica(n, folder / f"replica-{n}.log") for n in range(count)]
        proxy = RoundRobin([r.url for r in replicas])
        await proxy.start()
        env = replica_env(token=load.token, api_base=load.base_url, database_url=url,
                          webhook_url=proxy.url, secret=WEBHOOK_SECRET, DEFAULT_TIMEZONE="UTC",
                          RATE_LIMIT_GLOBAL_PER_S="0", RATE_LIMIT_PER_CHAT_PER_S="0")
        try:
            await asyncio.gather(*(r.start(env) for r in replicas))
            await until_ready(load, replicas, proxy.url)
            # RISE_LOGGED: "📈 <b>40 %</b> after 3 min (Loaf)."
            await drive(load, run, users, readings, {"prefix": "📈"},
                        cpu=lambda: CpuSnapshot.of_replicas(replicas))
            hook = await load.call("webhook")
        finally:
            await asyncio.gather(*(r.stop() for r in replicas))
            await proxy.stop()
        refused = sum(n for status, n in hook["answers"].items() if not 200 <= int(status) < 300)
        run.notes.append(
            f"  {'':<{LABEL_WIDTH}} webhook: max_connections {hook['max_connections']}, at most "
            f"{hook['peak']} posts in flight at once, {refused} not answered 2xx (posted again); "
            f"the proxy sent {' + '.join(str(proxy.served[r.url]) for r in replicas)} to the replicas"
        )
        run.load_log += replica_log_lines(replicas)
    run.notes.append(await transactions_note(url))
    return run


async def until_ready(load: LoadGenerator, replicas: list[Replica], webhook_url: str) -> None:
    """Every replica answers /healthz and the emulator posts to the proxy."""
    deadline = time.monotonic() + REPLICA_START_TIMEOUT_S
    while True:
        exited = [r for r in replicas if r.process is not None and r.process.returncode is not None]
        if exited:
            tail = exited[0].log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"replica {exited[0].number} exited at start-up:\n{tail}")
        if await all_healthy(replicas) and (await load.call("webhook"))["url"] == webhook_url:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the replicas were not ready within {REPLICA_START_TIMEOUT_S} s")
        await asyncio.sleep(0.2)


_LOG_LINE = re.compile(r"^\S+ \S+ (WARNING|ERROR|CRITICAL) (\S+): (.*)$")


def replica_log_lines(replicas: list[Replica]) -> list[str]:
    """The replicas' WARNING+ log lines, counted like this process's (LogTally)."""
    counts: Counter[tuple[str, str]] = Counter()
    samples: dict[tuple[str, str], str] = {}
    for replica in replicas:
        for text in replica.log.read_text(errors="replace").splitlines():
            found = _LOG_LINE.match(text)
            if found:
                key = (found.group(1), found.group(2))
                counts[key] += 1
                samples.setdefault(key, found.group(3)[:160])
    return [f"  replicas: log {level} {name}: {n} x, e.g. {samples[(level, name)]!r}"
            for (level, name), n in counts.most_common()]


def line(run: Run) -> str:
    p50, p95, p99 = (fmt_ms(percentile(run.latencies, q)) for q in (50, 95, 99))
    return (f"  {run.label:<{LABEL_WIDTH}} {run.rate:8.1f} updates/s   p50 {p50}   p95 {p95}"
            f"   p99 {p99}   ({run.updates:,} updates in "
            f"{run.seconds:.2f} s; warm-up {run.warmup_seconds:.2f} s; {run.timeouts} timeouts, "
            f"{run.unexpected} unexpected replies)")


def cpu_line(run: Run) -> str:
    cpu, n = run.cpu, (run.updates or 1) / 1000  # figures in ms per update
    busy = cpu.process / run.seconds if run.seconds else float("nan")
    load_busy = run.load_cpu_s / run.seconds if run.seconds else float("nan")
    if run.processes > 1:
        return (f"  {'':<{LABEL_WIDTH}} CPU {cpu.process / n:6.3f} ms/update in the {run.processes} replica "
                f"processes together (user {cpu.user / n:.3f} + system {cpu.system / n:.3f}; "
                f"{busy:.0%} of a core); the proxy (this process) {run.here_cpu_s / n:.3f} ms/update; "
                f"emulator + users process {run.load_cpu_s / n:.3f} ms/update ({load_busy:.0%} of a core)")
    return (f"  {'':<{LABEL_WIDTH}} CPU {cpu.process / n:6.3f} ms/update in the bot's process "
            f"(user {cpu.user / n:.3f} + system {cpu.system / n:.3f}; event-loop thread "
            f"{cpu.loop_thread / n:.3f}, other threads {(cpu.process - cpu.loop_thread) / n:.3f}"
            f" [{run.threads} alive]; {busy:.0%} of a core); "
            f"emulator + users process {run.load_cpu_s / n:.3f} ms/update ({load_busy:.0%} of a core)")


async def amain(users: int, readings: int, backends: list[str], replicas: int = 2) -> int:
    tally = install_log_tally()
    print(f"throughput: {users} users x {readings} rise readings = {users * readings:,} updates, "
          "closed loop per user, all users concurrently")
    print("  the bot's rate limits are OFF for this measurement (rate_limit_global_per_s=0, "
          "rate_limit_per_chat_per_s=0); the emulator enforces none either")
    print(f"  long polling over HTTP on 127.0.0.1, polling_timeout={_harness.POLLING_TIMEOUT} s; "
          "the bot in this process, the emulator and the users in a child process (a fresh one "
          "per bot); CPU = this process's CPU time (all threads) during the measured phase")
    if "replicas" in backends:
        print(f"  replicas: {replicas} `python -m bot run` processes in webhook mode on one PostgreSQL "
              "database behind a round-robin proxy (this process), the emulator posting up to "
              "max_connections updates at once, one per chat at a time; CPU = the replica processes' "
              "CPU time together (all threads) during the measured phase")
    before = await measure_echo(users, readings, "reference  echo bot, before")
    print(line(before))
    print(cpu_line(before))
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="bench_throughput_") as folder:
        if "sqlite" in backends:
            runs.append(await measure_bot(users, readings, Path(folder)))
            print(line(runs[-1]))
            print(cpu_line(runs[-1]))
        if "postgresql" in backends or "replicas" in backends:
            bin_dir = postgres_bin()
            if bin_dir is None:
                print("  PostgreSQL: skipped (no server binaries in /usr/lib/postgresql/*/bin)")
            else:
                server = await asyncio.to_thread(PostgresServer(bin_dir).start)
                try:
                    if "postgresql" in backends:
                        url = await asyncio.to_thread(server.create_database, migrated=True)
                        runs.append(await measure_bot(users, readings, Path(folder), "PostgreSQL", url))
                        print(line(runs[-1]))
                        print(cpu_line(runs[-1]))
                        for note in runs[-1].notes:
                            print(note)
                    if "replicas" in backends:
                        url = await asyncio.to_thread(server.create_database, migrated=True)
                        runs.append(await measure_replicas(users, readings, Path(folder), url, replicas))
                        print(line(runs[-1]))
                        print(cpu_line(runs[-1]))
                        for note in runs[-1].notes:
                            print(note)
                finally:
                    await asyncio.to_thread(server.stop)
    after = await measure_echo(users, readings, "reference  echo bot, after")
    print(line(after))
    print(cpu_line(after))
    for extra in tally.lines() + before.load_log + [x for r in runs for x in r.load_log] + after.load_log:
        print(extra)
    echo_rate = (before.rate + after.rate) / 2
    echo_cpu = (before.cpu_per_update + after.cpu_per_update) / 2
    p50_echo = percentile(before.latencies + after.latencies, 50)
    print(f"  echo bot (mean of both runs): {echo_rate:.1f} updates/s, CPU {echo_cpu * 1000:.3f} ms/update "
          f"(runs: {before.cpu_per_update * 1000:.3f}, {after.cpu_per_update * 1000:.3f})")
    for bot_run in runs:
        ratio = bot_run.rate / echo_rate if echo_rate else 0.0
        verdict = "OK" if ratio >= AIM_RATIO else "BELOW AIM"
        p50_ratio = percentile(bot_run.latencies, 50) / p50_echo
        bot_cpu = bot_run.cpu_per_update
        cpu_ratio = echo_cpu / bot_cpu if bot_cpu > 0 else 0.0
        cpu_verdict = "OK" if cpu_ratio >= AIM_CPU_RATIO else "BELOW AIM"
        print(f"  {bot_run.label}: ratio bot / echo {ratio:.2f} updates/s (aim >= {AIM_RATIO}: {verdict}); "
              f"CPU {bot_cpu * 1000:.3f} ms/update, echo_cpu / bot_cpu {cpu_ratio:.2f} "
              f"(aim >= {AIM_CPU_RATIO}: {cpu_verdict}); p50 latency {p50_ratio:.1f}x the echo bot's")
        if bot_run.unexpected:
            print(f"  unexpected bot reply, e.g.: {bot_run.example!r}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="concurrent users (default 200)")
    parser.add_argument("--readings", type=int, default=20, help="readings per user (default 20)")
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgresql", "replicas"],
                        help="the bot on SQLite, on PostgreSQL (one process), or as replicas in webhook "
                        "mode on PostgreSQL; default all three (PostgreSQL where installed)")
    parser.add_argument("--replicas", type=int, default=2, help="replica processes (default 2)")
    args = parser.parse_args()
    backends = args.backend or ["sqlite", "postgresql", "replicas"]
    return asyncio.run(amain(args.users, args.readings, backends, args.replicas))


if __name__ == "__main__":
    raise SystemExit(main())
