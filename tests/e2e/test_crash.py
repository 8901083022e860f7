"""A real bot process killed with SIGKILL and restarted on the same database file."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

from emulator.server import BotAPIEmulator
from tests.e2e.conftest import Baker
from tests.e2e.helpers import eventually, rows

REPO = Path(__file__).resolve().parents[2]


async def start_bot(emulator: BotAPIEmulator, db_path: Path) -> asyncio.subprocess.Process:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "BOT_TOKEN": emulator.token,
        "TELEGRAM_API_BASE": emulator.base_url,
        "DATABASE_PATH": str(db_path),
        "DEFAULT_TIMEZONE": "Europe/Berlin",
        "RATE_LIMIT_PER_CHAT_PER_S": "0",
        "LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    # Updates wait in the emulator until the bot polls: a probe user's /help answers when it is up
    # (a few seconds; many more where other tests or programs keep the cores busy).
    probe = Baker(emulator, 1)
    await probe.send("/help")
    await emulator.wait_for(probe.id, lambda m: "What I can do" in m.text, timeout=60)
    return process


async def kill(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGKILL)
    await process.wait()


async def test_sigkill_then_restart_delivers_every_reminder_exactly_once(tmp_path: Path) -> None:
    db_path = tmp_path / "crash.sqlite3"
    async with BotAPIEmulator() as emulator:
        baker = Baker(emulator, 4242)
        process = await start_bot(emulator, db_path)
        try:
            await baker.say("/newbake Crash loaf", timeout=10)
            for n in (2, 3, 4):
                assert "Timer set" in (await baker.say(f"/timer {n}s t{n}", timeout=10)).text
        finally:
            await kill(process)  # before any of them is due
        integrity = sqlite3.connect(db_path).execute("PRAGMA integrity_check").fetchone()[0]
        assert integrity == "ok"
        await asyncio.sleep(4.5)  # they all fall due while the bot is down

        process = await start_bot(emulator, db_path)
        try:
            seen = []
            for _ in range(3):
                message = await emulator.wait_for(
                    baker.id, lambda m: "Timer: t" in m.text and not m.edited, 10
                )
                assert "sent late because the bot was offline" in message.text
                seen.append(message.text.split("\n")[0])
            assert sorted(seen) == ["⏰ Timer: t2", "⏰ Timer: t3", "⏰ Timer: t4"]
            await asyncio.sleep(1.5)
            # None twice. (The last /timer was killed in the instant after its reply went out,
            # before the inbox marked it handled: it is handled again, which sets no second timer.)
            later = [m.text for m in emulator.drain(baker.id)]
            assert not [text for text in later if "Timer: t" in text], later
            timers = rows(db_path, "SELECT label FROM reminders WHERE kind = 'timer' ORDER BY label")
            assert [r["label"] for r in timers] == ["t2", "t3", "t4"]
            await eventually(
                lambda: (
                    {r["state"] for r in rows(db_path, "SELECT state FROM reminders WHERE kind = 'timer'")}
                    == {"sent"}
                ),
                timeout=5,
            )
            assert "Crash loaf" in (await baker.say("/status", timeout=10)).text
        finally:
            await kill(process)


async def test_kill_at_a_busy_moment_leaves_the_database_consistent(tmp_path: Path) -> None:
    db_path = tmp_path / "busy.sqlite3"
    async with BotAPIEmulator() as emulator:
        process = await start_bot(emulator, db_path)
        bakers = [Baker(emulator, 100 + n) for n in range(10)]
        try:
            for baker in bakers:
                await baker.send("/newbake Busy")
            for baker in bakers:
                await baker.reply(timeout=10)
            for round_ in range(5):
                for baker in bakers:
                    await baker.send(f"/rise {10 + round_}")
            await asyncio.sleep(0.05)  # mid-flight: some readings saved, some not
        finally:
            await kill(process)
        before_restart = {baker.id: len(emulator.drain(baker.id)) for baker in bakers}
        connection = sqlite3.connect(db_path)
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        # Every bake that exists has its full plan: no action was half-saved.
        for (bake_id,) in connection.execute("SELECT id FROM bakes"):
            kinds = {
                k for (k,) in connection.execute("SELECT kind FROM reminders WHERE bake_id = ?", (bake_id,))
            }
            events = [
                k for (k,) in connection.execute("SELECT kind FROM bake_events WHERE bake_id = ?", (bake_id,))
            ]
            assert kinds >= {"fold", "rise_check"} and events == ["mix"]
        saved = connection.execute("SELECT COUNT(*) FROM rise_readings").fetchone()[0]
        connection.close()
        assert saved <= 50
        process = await start_bot(emulator, db_path)  # and it starts again on that file
        try:
            # Nothing lost: every reading sent is saved exactly once (those in flight at the kill
            # were in the inbox, or not yet confirmed to Telegram), and every baker hears back.
            await eventually(
                lambda: rows(db_path, "SELECT COUNT(*) AS n FROM rise_readings")[0]["n"] == 50, timeout=15
            )
            per_bake = rows(db_path, "SELECT bake_id, COUNT(*) AS n FROM rise_readings GROUP BY bake_id")
            assert sorted(r["n"] for r in per_bake) == [5] * 10
            heard = dict(before_restart)

            def everyone_heard_back() -> bool:
                for baker in bakers:
                    heard[baker.id] += len(emulator.drain(baker.id))
                return all(n >= 5 for n in heard.values())  # a reply to each of the 5 readings

            await eventually(everyone_heard_back, timeout=15)
            reply = await bakers[0].say("/status", timeout=10)
            assert "Busy" in reply.text
        finally:
            await kill(process)
