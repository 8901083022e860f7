"""Bench: updates handled per second and reply latency of the bot, next to an aiogram echo bot.

Run from the repo root:  .venv/bin/python bench/bench_throughput.py [--users 200] [--readings 20]

Both bots long-poll the project's Bot API emulator over HTTP on 127.0.0.1 (a fresh emulator
each), with the same polling settings (polling_timeout=1, aiogram's defaults otherwise), in
this one process and event loop, the emulator and the simulated users included, one after the
other: echo, bot, echo again (the ratio uses the mean of the two echo runs, which brackets
drift in machine load). Load pattern, identical for both:

* warm-up, not measured: every user sends `/newbake Loaf` and waits for the reply (for the
  bot this creates the user and a bake in a fresh temp database);
* measured: every user sends M `/rise X` readings closed-loop (send, wait for the reply in
  that chat, send the next), all users at once. Latency of a reading = from `send_text` to
  the reply arriving at the emulator; updates/s = N x M / wall time of the measured phase.

The bot's own rate limiter is turned OFF (rate_limit_global_per_s=0, rate_limit_per_chat_per_s=0)
and the emulator enforces no limits: Telegram's ~30 msg/s would otherwise be all we measured.
The echo bot is the floor aiogram + aiohttp + the emulator cost on this machine; the ratio
bot/echo is what the bot's own work (middlewares, SQLite, rendering) leaves of it.
Aim: ratio >= 0.8 with 200 users x 20 readings. Informational: does not fail `make bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import _harness
from _harness import bench_settings, fmt_ms, install_log_tally, percentile, start_polling, stop_polling
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

from bot.app import build_app
from emulator.models import MessageTimeoutError
from emulator.server import BotAPIEmulator

AIM_RATIO = 0.8
FIRST_USER_ID = 700_001
REPLY_TIMEOUT_S = 60.0


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

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds > 0 else 0.0


def reading_text(index: int) -> str:
    return f"/rise {10 + (3 * index) % 190}"


async def drive(emulator: BotAPIEmulator, run: Run, users: int, readings: int,
                expected: Callable[[str, str], bool]) -> None:
    """Warm-up (one `/newbake Loaf` each), then the measured closed-loop readings."""
    user_ids = range(FIRST_USER_ID, FIRST_USER_ID + users)

    async def warm_up(uid: int) -> None:
        await emulator.send_text(uid, "/newbake Loaf", first_name="Baker")
        await emulator.next_message(uid, timeout=REPLY_TIMEOUT_S)

    async def baker(uid: int) -> None:
        for index in range(readings):
            text = reading_text(index)
            sent_at = time.perf_counter()
            await emulator.send_text(uid, text)
            try:
                reply = await emulator.next_message(uid, timeout=REPLY_TIMEOUT_S)
            except MessageTimeoutError:
                run.timeouts += 1
                continue
            run.latencies.append(time.perf_counter() - sent_at)
            if not expected(text, reply.text):
                run.unexpected += 1
                run.example = run.example or reply.text[:80]

    start = time.perf_counter()
    await asyncio.gather(*(warm_up(uid) for uid in user_ids))
    run.warmup_seconds = time.perf_counter() - start
    start = time.perf_counter()
    await asyncio.gather(*(baker(uid) for uid in user_ids))
    run.seconds = time.perf_counter() - start
    run.updates = users * readings


async def measure_echo(users: int, readings: int, label: str) -> Run:
    run = Run(label)
    async with BotAPIEmulator() as emulator:
        session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
        bot = Bot(emulator.token, session=session)
        dispatcher = Dispatcher()

        @dispatcher.message()
        async def echo(message: Message) -> None:
            await message.answer(message.text or "?")

        task = await start_polling(dispatcher, bot)
        try:
            await drive(emulator, run, users, readings, lambda sent, got: got == sent)
        finally:
            await stop_polling(dispatcher, task)
    return run


async def measure_bot(users: int, readings: int, folder: Path) -> Run:
    run = Run("bot        /rise readings")
    async with BotAPIEmulator() as emulator:
        settings = bench_settings(folder / "throughput.sqlite3", emulator,
                                  rate_limit_global_per_s=0, rate_limit_per_chat_per_s=0)
        app = await build_app(settings, emulator.token)
        task = await start_polling(app.dispatcher, app.bot)
        try:
            # RISE_LOGGED: "📈 <b>40 %</b> after 3 min (Loaf)."
            await drive(emulator, run, users, readings, lambda sent, got: got.startswith("📈"))
        finally:
            await stop_polling(app.dispatcher, task)
    return run


def line(run: Run) -> str:
    return (f"  {run.label:<30} {run.rate:8.1f} updates/s   p50 {fmt_ms(percentile(run.latencies, 50))}"
            f"   p99 {fmt_ms(percentile(run.latencies, 99))}   ({run.updates:,} updates in "
            f"{run.seconds:.2f} s; warm-up {run.warmup_seconds:.2f} s; {run.timeouts} timeouts, "
            f"{run.unexpected} unexpected replies)")


async def amain(users: int, readings: int) -> int:
    tally = install_log_tally()
    print(f"throughput: {users} users x {readings} rise readings = {users * readings:,} updates, "
          "closed loop per user, all users concurrently")
    print("  the bot's rate limits are OFF for this measurement (rate_limit_global_per_s=0, "
          "rate_limit_per_chat_per_s=0); the emulator enforces none either")
    print(f"  long polling over HTTP on 127.0.0.1, polling_timeout={_harness.POLLING_TIMEOUT} s; "
          "emulator, users and bot share one process and event loop; a fresh emulator per bot")
    before = await measure_echo(users, readings, "reference  echo bot, before")
    print(line(before))
    with tempfile.TemporaryDirectory(prefix="bench_throughput_") as folder:
        bot_run = await measure_bot(users, readings, Path(folder))
    print(line(bot_run))
    after = await measure_echo(users, readings, "reference  echo bot, after")
    print(line(after))
    for extra in tally.lines():
        print(extra)
    echo_rate = (before.rate + after.rate) / 2
    ratio = bot_run.rate / echo_rate if echo_rate else 0.0
    verdict = "OK" if ratio >= AIM_RATIO else "BELOW AIM"
    p50_ratio = percentile(bot_run.latencies, 50) / percentile(before.latencies + after.latencies, 50)
    print(f"  ratio bot / echo (mean of both echo runs, {echo_rate:.1f} updates/s): {ratio:.2f}   "
          f"(aim >= {AIM_RATIO}: {verdict}); bot p50 latency {p50_ratio:.1f}x the echo bot's")
    if bot_run.unexpected:
        print(f"  unexpected bot reply, e.g.: {bot_run.example!r}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="concurrent users (default 200)")
    parser.add_argument("--readings", type=int, default=20, help="readings per user (default 20)")
    args = parser.parse_args()
    return asyncio.run(amain(args.users, args.readings))


if __name__ == "__main__":
    raise SystemExit(main())
