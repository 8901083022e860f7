"""Bench: does a long history slow a baker's everyday commands? /status and /rise, 2,000 bakes vs 1.

Run from the repo root:  .venv/bin/python bench/bench_history.py [--bakes 2000] [--requests 200]

One bot (build_app, long polling over HTTP on 127.0.0.1, its rate limits OFF so that only the
bot's own work is timed), two bakers in the same database:

* "big": 2,000 finished bakes, one a day (each with 10 rise readings, 3 dough temperatures,
  6 events: mix, 2 folds, fridge in/out, done; 4 sent reminders: 2 folds, a rise check,
  "bulk is done"), a calibration learnt from them, and one bake in bulk, mixed 2 h ago;
* "small" (the reference, measured in the same run): the same bake in bulk and nothing else.

The rows are written with sqlite3 straight into the bot's database file after `build_app`
created the schema and before polling starts (explicit column lists; columns that have a
default are left to it unless the row needs another value).

Measured: latency of `/status` and of `/rise 40`, closed loop, one request at a time (send,
wait for the reply at the emulator, send the next): --requests per baker and command, in blocks
of 20 alternating between the bakers (which brackets drift in machine load). Latency = from the
user's `send_text` to the reply arriving at the emulator. The emulator and the user run in a
child process (bench/_loadgen.py), so this process's CPU time (all threads: event loop,
SQLite, HTTP) around a block is the bot's work for it: CPU/request = that / block size.
Aim: median latency big / small <= 1.2 for each command. Informational: does not fail `make bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import sqlite3
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _harness import bench_settings, fmt_ms, install_log_tally, percentile, start_polling, stop_polling
from _loadgen import LoadGenerator

from bot.app import build_app

AIM_RATIO = 1.2
BIG, SMALL = 810_001, 810_002
FIRST_NAME = "Baker"  # as the emulator sends it: the bot then has no reason to rewrite the user row
BLOCK = 20
WARMUP = 5  # requests per baker and command before measuring
REPLY_TIMEOUT_S = 30.0
COMMANDS: list[tuple[str, dict[str, Any]]] = [
    ("/status", {"contains": "Rise:"}),  # "▶️ Loaf — Bulk fermentation\nMixed ...\nRise: 40 % ..."
    ("/rise 40", {"prefix": "📈"}),  # RISE_LOGGED: "📈 40 % after 2 h (Loaf)."
]

# The model's figures for 20 % starter at 24 °C (schedules.fermentation): target 50 %, 6.1 h.
TARGET_PCT = 50.0
MODEL_HOURS = 6.1
CALIBRATION_BIG = '{"speed_factor":1.08,"samples":2000,"recent_errors_pct":[3.5,-4.0,2.5,-1.0,4.5]}'


def db_time(moment: datetime) -> str:
    """As storage.models.to_db writes times: fixed-width UTC text with milliseconds."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


# --------------------------------------------------------------------------------------------
# Database
# --------------------------------------------------------------------------------------------


@dataclass
class Seeded:
    bakes: int = 0
    readings: int = 0
    temperatures: int = 0
    events: int = 0
    reminders: int = 0
    seconds: float = 0.0
    megabytes: float = 0.0


def seed(path: Path, history: int, now: datetime) -> Seeded:
    """Both bakers, BIG's finished bakes, and one bake in bulk each, in one transaction."""
    start = time.perf_counter()
    rng = random.Random(20240611)
    bakes: list[tuple[Any, ...]] = []
    readings: list[tuple[Any, ...]] = []
    temps: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    reminders: list[tuple[Any, ...]] = []
    names = ("Country loaf", "Whole wheat", "Rye 30 %", "Seeded", "Baguettes", "Focaccia")
    for index in range(history):
        bake_id = index + 1
        started = (now - timedelta(days=history - index)).replace(hour=8, minute=0, second=0, microsecond=0)
        started += timedelta(minutes=rng.randint(0, 120))
        bulk_hours = MODEL_HOURS * rng.uniform(0.85, 1.3)
        bulk_end = started + timedelta(hours=bulk_hours)
        fridge_out = bulk_end + timedelta(hours=12)
        finished = fridge_out + timedelta(hours=1)
        dough_temp = round(rng.uniform(22.5, 26.0), 1)
        bakes.append((
            bake_id, BIG, f"{names[index % len(names)]} #{index + 1}", 1000.0, 750.0, 200.0, 20.0, dough_temp,
            "done", db_time(started), db_time(bulk_end), db_time(finished), rng.randint(2, 5),
            "Open crumb, a bit pale" if index % 10 == 0 else None, 4, 30, db_time(fridge_out),
            TARGET_PCT, MODEL_HOURS, round(MODEL_HOURS * 1.08, 2)))
        for k in range(1, 11):
            rise = TARGET_PCT * (k / 10) ** 1.3 + rng.uniform(-2.0, 2.0)
            readings.append((bake_id, db_time(started + timedelta(hours=bulk_hours * k / 10)),
                             round(max(rise, 1.0), 1)))
        for fraction in (0.0, 0.5, 1.0):
            temps.append((bake_id, db_time(started + timedelta(hours=bulk_hours * fraction)),
                          round(dough_temp + rng.uniform(-0.5, 0.5), 1)))
        events += [
            (bake_id, "mix", db_time(started), None),
            (bake_id, "fold", db_time(started + timedelta(minutes=30)), "1"),
            (bake_id, "fold", db_time(started + timedelta(minutes=60)), "2"),
            (bake_id, "fridge_in", db_time(bulk_end), "12 h"),
            (bake_id, "fridge_out", db_time(fridge_out), None),
            (bake_id, "done", db_time(finished), None),
        ]
        for kind, due, seq in (("fold", started + timedelta(minutes=30), 1),
                               ("fold", started + timedelta(minutes=60), 2),
                               ("rise_check", started + timedelta(hours=2), None),
                               ("bulk_done", started + timedelta(hours=MODEL_HOURS * 1.08), None)):
            reminders.append((BIG, bake_id, kind, db_time(due), "sent", seq, db_time(started), db_time(due)))

    # The bake in bulk, the same for both bakers: mixed 2 h ago at 24 °C, 3 folds done,
    # two readings, a rise check and "bulk is done" pending (neither due during the run).
    mixed = now - timedelta(hours=2)
    active_ids = {BIG: history + 1, SMALL: history + 2}
    for user_id, bake_id in active_ids.items():
        bakes.append((
            bake_id, user_id, "Loaf", 1000.0, 750.0, 200.0, 20.0, 24.0, "bulk", db_time(mixed), None, None,
            None, None, 4, 30, None, TARGET_PCT, MODEL_HOURS, round(MODEL_HOURS * 1.08, 2)))
        readings += [(bake_id, db_time(mixed + timedelta(hours=1)), 10.0),
                     (bake_id, db_time(mixed + timedelta(minutes=105)), 20.0)]
        temps += [(bake_id, db_time(mixed), 24.0), (bake_id, db_time(mixed + timedelta(hours=1)), 24.5)]
        events.append((bake_id, "mix", db_time(mixed), None))
        for seq in (1, 2, 3):
            due = mixed + timedelta(minutes=30 * seq)
            events.append((bake_id, "fold", db_time(due), str(seq)))
            reminders.append((user_id, bake_id, "fold", db_time(due), "sent", seq, db_time(mixed),
                              db_time(due)))
    pending = [(user_id, bake_id, kind, db_time(due), None, db_time(mixed))
               for user_id, bake_id in active_ids.items()
               for kind, due in (("rise_check", now + timedelta(minutes=40)),
                                 ("bulk_done", mixed + timedelta(hours=MODEL_HOURS * 1.08)))]

    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        created = db_time(now - timedelta(days=history + 1))
        db.execute("INSERT INTO users (id, chat_id, first_name, calibration, created_at) "
                   "VALUES (?, ?, ?, ?, ?)", (BIG, BIG, FIRST_NAME, CALIBRATION_BIG, created))
        db.execute("INSERT INTO users (id, chat_id, first_name, created_at) VALUES (?, ?, ?, ?)",
                   (SMALL, SMALL, FIRST_NAME, db_time(mixed)))
        db.executemany(
            "INSERT INTO bakes (id, user_id, name, flour_g, water_g, starter_g, salt_g, dough_temp_c, phase, "
            "started_at, bulk_ended_at, finished_at, rating, notes, folds_count, fold_interval_min, "
            "proof_ends_at, target_rise_pct, model_bulk_hours, predicted_bulk_hours) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", bakes)
        db.executemany("INSERT INTO rise_readings (bake_id, taken_at, rise_pct) VALUES (?, ?, ?)", readings)
        db.executemany("INSERT INTO temperatures (bake_id, taken_at, temp_c) VALUES (?, ?, ?)", temps)
        db.executemany("INSERT INTO bake_events (bake_id, kind, at, detail) VALUES (?, ?, ?, ?)", events)
        db.executemany(
            "INSERT INTO reminders (user_id, bake_id, kind, due_at, state, seq, created_at, sent_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", reminders)
        db.executemany(
            "INSERT INTO reminders (user_id, bake_id, kind, due_at, seq, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)", pending)
        db.executemany("UPDATE users SET selected_bake_id = ? WHERE id = ?",
                       [(bake_id, user_id) for user_id, bake_id in active_ids.items()])
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return Seeded(len(bakes), len(readings), len(temps), len(events), len(reminders) + len(pending),
                  time.perf_counter() - start, size / 1e6)


# --------------------------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------------------------


@dataclass
class Series:
    latencies: list[float] = field(default_factory=list)
    cpu_s: float = 0.0
    requests: int = 0
    timeouts: int = 0
    unexpected: int = 0
    example: str = ""

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)

    @property
    def median(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")

    @property
    def cpu_per_request(self) -> float:
        return self.cpu_s / self.requests if self.requests else float("nan")


async def measure(load: LoadGenerator, requests: int) -> tuple[dict[tuple[str, int], Series], list[str]]:
    results = {(command, uid): Series() for command, _ in COMMANDS for uid in (BIG, SMALL)}
    log: list[str] = []
    for command, expect in COMMANDS:
        for uid in (BIG, SMALL):
            warm = await load.run([uid], [command] * WARMUP, expect=expect, first_name=FIRST_NAME,
                                  timeout=REPLY_TIMEOUT_S)
            log += warm.log
        blocks = max(1, -(-requests // BLOCK))
        for block in range(blocks):
            size = min(BLOCK, requests - block * BLOCK)
            order = (BIG, SMALL) if block % 2 == 0 else (SMALL, BIG)
            for uid in order:
                series = results[(command, uid)]
                gc.collect()
                cpu_start = time.process_time()
                job = await load.run([uid], [command] * size, expect=expect, timeout=REPLY_TIMEOUT_S)
                series.cpu_s += time.process_time() - cpu_start
                series.requests += size
                series.latencies += job.latencies
                series.timeouts += job.timeouts
                series.unexpected += job.unexpected
                series.example = series.example or job.example
                log += job.log
    return results, log


def row(command: str, label: str, series: Series) -> str:
    return (f"  {command:<9} {label:<28} p50 {fmt_ms(series.median)}   p90 {fmt_ms(series.p(90))}   "
            f"CPU {series.cpu_per_request * 1000:6.2f} ms/request   ({series.requests} requests, "
            f"{series.timeouts} timeouts, {series.unexpected} unexpected replies"
            + (f", e.g. {series.example!r}" if series.example else "") + ")")


async def amain(history: int, requests: int) -> int:
    tally = install_log_tally()
    with tempfile.TemporaryDirectory(prefix="bench_history_") as folder:
        db_path = Path(folder) / "history.sqlite3"
        async with LoadGenerator.started() as load:
            settings = bench_settings(db_path, load, rate_limit_global_per_s=0, rate_limit_per_chat_per_s=0)
            app = await build_app(settings, load.token)
            seeded = seed(db_path, history, datetime.now(UTC))
            print(f"history: baker 'big' with {history:,} finished bakes + 1 in bulk vs baker 'small' "
                  f"with the bake in bulk only; in all {seeded.bakes:,} bakes, {seeded.readings:,} rise "
                  f"readings, {seeded.temperatures:,} temperatures, {seeded.events:,} events, "
                  f"{seeded.reminders:,} reminders; database {seeded.megabytes:.1f} MB, seeded in "
                  f"{seeded.seconds:.2f} s")
            print(f"  closed loop, one request at a time; {requests} per baker and command in blocks of "
                  f"{BLOCK} alternating between the bakers, after {WARMUP} unmeasured each; the bot's "
                  "rate limits OFF; the bot in this process, emulator + user in a child process, HTTP on "
                  "127.0.0.1; CPU = this process's CPU time (all threads) per request")
            task = await start_polling(app.dispatcher, app.bot)
            try:
                results, load_log = await measure(load, requests)
            finally:
                await stop_polling(app.dispatcher, task)
    for command, _ in COMMANDS:
        small, big = results[(command, SMALL)], results[(command, BIG)]
        print(row(command, "reference  small (1 bake)", small))
        print(row(command, f"bot        big ({history + 1:,} bakes)", big))
        ratio = big.median / small.median
        verdict = "OK" if ratio <= AIM_RATIO else "OVER AIM"
        print(f"  {command:<9} ratio big / small: p50 {ratio:.2f}, p90 {big.p(90) / small.p(90):.2f}, "
              f"CPU/request {big.cpu_per_request / small.cpu_per_request:.2f}   "
              f"(aim p50 <= {AIM_RATIO}: {verdict})")
    for extra in tally.lines() + load_log:
        print(extra)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bakes", type=int, default=2000,
                        help="finished bakes of the big baker (default 2000)")
    parser.add_argument("--requests", type=int, default=200,
                        help="measured requests per baker and command (default 200)")
    args = parser.parse_args()
    return asyncio.run(amain(args.bakes, args.requests))


if __name__ == "__main__":
    raise SystemExit(main())
