"""Bench: updates/s, reply latency and CPU per update of the bot, next to an aiogram echo bot.

Run from the repo root:  .venv/bin/python bench/bench_throughput.py [--users 200] [--readings 20]

Both bots long-poll the project's Bot API emulator over HTTP on 127.0.0.1 (a fresh emulator
each), with the same polling settings (polling_timeout=1, aiogram's defaults otherwise), one
after the other: echo, the bot on SQLite, the bot on PostgreSQL (a throwaway server started as
the tests do, tests/databases.py; skipped where not installed; `--backend` picks), echo again
(the ratios use the mean of the two echo runs, which brackets drift in machine load).
The bot under test runs in THIS process; the emulator and the
simulated users run in a child process (bench/_loadgen.py), so this process's CPU time
(`time.process_time()`, all its threads: the event loop, the bot's SQLite thread(s), aiohttp)
taken around the measured phase is the bot's side alone. Load pattern, identical for both:

* warm-up, not measured: every user sends `/newbake Loaf` and waits for the reply (for the
  bot this creates the user and a bake in a fresh temp database);
* measured: every user sends M `/rise X` readings closed-loop (send, wait for the reply in
  that chat, send the next), all users at once. Latency of a reading = from `send_text` to
  the reply arriving at the emulator; updates/s = N x M / wall time of the measured phase;
  CPU/update = this process's CPU seconds during the measured phase / (N x M).

The bot's own rate limiter is turned OFF (rate_limit_global_per_s=0, rate_limit_per_chat_per_s=0)
and the emulator enforces no limits: Telegram's ~30 msg/s would otherwise be all we measured.
The echo bot is the floor aiogram + aiohttp cost on this machine; the ratios bot/echo (rate) and
echo/bot (CPU per update) are what the bot's own work (middlewares, SQLite, rendering) leaves
of it. Aims: rate ratio >= 0.8 and CPU ratio >= 0.7 with 200 users x 20 readings.
Informational: does not fail `make bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import tempfile
import threading
import time
from collections.abc import AsyncIterator
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
from tests.databases import PostgresServer, postgres_bin

AIM_RATIO = 0.8
AIM_CPU_RATIO = 0.7
FIRST_USER_ID = 700_001
REPLY_TIMEOUT_S = 60.0


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


async def drive(load: LoadGenerator, run: Run, users: int, readings: int, expect: dict[str, Any]) -> None:
    """Warm-up (one `/newbake Loaf` each), then the measured closed-loop readings."""
    user_ids = range(FIRST_USER_ID, FIRST_USER_ID + users)
    warm = await load.run(user_ids, ["/newbake Loaf"], first_name="Baker", timeout=REPLY_TIMEOUT_S)
    run.warmup_seconds = warm.seconds
    run.timeouts += warm.timeouts
    gc.collect()  # garbage of the warm-up (or an earlier run) is not this phase's work
    before = CpuSnapshot.now()
    measured = await load.run(user_ids, [reading_text(i) for i in range(readings)], expect=expect,
                              timeout=REPLY_TIMEOUT_S)
    run.cpu = CpuSnapshot.now() - before
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
    return run


def line(run: Run) -> str:
    return (f"  {run.label:<30} {run.rate:8.1f} updates/s   p50 {fmt_ms(percentile(run.latencies, 50))}"
            f"   p99 {fmt_ms(percentile(run.latencies, 99))}   ({run.updates:,} updates in "
            f"{run.seconds:.2f} s; warm-up {run.warmup_seconds:.2f} s; {run.timeouts} timeouts, "
            f"{run.unexpected} unexpected replies)")


def cpu_line(run: Run) -> str:
    cpu, n = run.cpu, (run.updates or 1) / 1000  # figures in ms per update
    busy = cpu.process / run.seconds if run.seconds else float("nan")
    load_busy = run.load_cpu_s / run.seconds if run.seconds else float("nan")
    return (f"  {'':<30} CPU {cpu.process / n:6.3f} ms/update in the bot's process "
            f"(user {cpu.user / n:.3f} + system {cpu.system / n:.3f}; event-loop thread "
            f"{cpu.loop_thread / n:.3f}, other threads {(cpu.process - cpu.loop_thread) / n:.3f}"
            f" [{run.threads} alive]; {busy:.0%} of a core); "
            f"emulator + users process {run.load_cpu_s / n:.3f} ms/update ({load_busy:.0%} of a core)")


async def amain(users: int, readings: int, backends: list[str]) -> int:
    tally = install_log_tally()
    print(f"throughput: {users} users x {readings} rise readings = {users * readings:,} updates, "
          "closed loop per user, all users concurrently")
    print("  the bot's rate limits are OFF for this measurement (rate_limit_global_per_s=0, "
          "rate_limit_per_chat_per_s=0); the emulator enforces none either")
    print(f"  long polling over HTTP on 127.0.0.1, polling_timeout={_harness.POLLING_TIMEOUT} s; "
          "the bot in this process, the emulator and the users in a child process (a fresh one "
          "per bot); CPU = this process's CPU time (all threads) during the measured phase")
    before = await measure_echo(users, readings, "reference  echo bot, before")
    print(line(before))
    print(cpu_line(before))
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="bench_throughput_") as folder:
        if "sqlite" in backends:
            runs.append(await measure_bot(users, readings, Path(folder)))
            print(line(runs[-1]))
            print(cpu_line(runs[-1]))
        if "postgresql" in backends:
            bin_dir = postgres_bin()
            if bin_dir is None:
                print("  PostgreSQL: skipped (no server binaries in /usr/lib/postgresql/*/bin)")
            else:
                server = await asyncio.to_thread(PostgresServer(bin_dir).start)
                try:
                    url = await asyncio.to_thread(server.create_database, migrated=True)
                    runs.append(await measure_bot(users, readings, Path(folder), "PostgreSQL", url))
                    print(line(runs[-1]))
                    print(cpu_line(runs[-1]))
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
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgresql"],
                        help="the bot's database, default both (PostgreSQL where installed)")
    args = parser.parse_args()
    return asyncio.run(amain(args.users, args.readings, args.backend or ["sqlite", "postgresql"]))


if __name__ == "__main__":
    raise SystemExit(main())
