"""Bench for storage.export: a long history (10,000 bakes x 30 readings) exported as CSV and JSON.

Run from the repo root:  .venv/bin/python bench/bench_export.py

Each measurement runs in its own subprocess, so the peak RSS (ru_maxrss) belongs to that one
format; the figure shown is the peak above the child's idle RSS after its imports. The output
goes to /dev/null. The reference, measured the same way in the same run, is a plain SELECT of
the same rows (bakes joined with their readings, in order) with no formatting at all: the
floor any export of this data pays on this machine. Aim: < 3 s and < 100 MB above idle per
format. Informational: a slow shared machine does not fail `make bench`.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from schedules.parsing import zone_for  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.export import write_export  # noqa: E402
from storage.repository import to_db  # noqa: E402

USER_ID = 4242
BAKES = 10_000
READINGS = 30
TARGET_SECONDS = 3.0
TARGET_MB = 100.0


def build_database(path: Path) -> None:
    """The schema through Database (migrations), then the rows with executemany, one transaction."""

    async def migrate() -> None:
        storage = await Database(path).open()
        await storage.close()

    asyncio.run(migrate())
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2020, 1, 1, 8, tzinfo=UTC)
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("BEGIN")
        db.execute("INSERT INTO users (id, chat_id, first_name, timezone, created_at) VALUES (?, ?, ?, ?, ?)",
                   (USER_ID, USER_ID, "Bench", "Europe/Berlin", to_db(t0)))
        bakes = []
        readings = []
        events = []
        for i in range(1, BAKES + 1):
            started = t0 + timedelta(hours=6 * i)
            bakes.append((i, USER_ID, f"Loaf #{i}, 75% \"house\"", 500.0, 375.0, 100.0, 10.0, 24.5, "done",
                          to_db(started), to_db(started + timedelta(hours=5)),
                          to_db(started + timedelta(hours=20)), 1 + i % 5, "crumb ok" if i % 3 else None,
                          75.0, 5.25))
            events.append((i, "mix", to_db(started)))
            for r in range(READINGS):
                readings.append((i, to_db(started + timedelta(minutes=10 * (r + 1))), r * 3.1,
                                 4.0, 4.0 + r * 0.12))
        db.executemany(
            "INSERT INTO bakes (id, user_id, name, flour_g, water_g, starter_g, salt_g, dough_temp_c, phase, "
            "started_at, bulk_ended_at, finished_at, rating, notes, target_rise_pct, predicted_bulk_hours) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", bakes)
        db.executemany("INSERT INTO bake_events (bake_id, kind, at) VALUES (?, ?, ?)", events)
        db.executemany(
            "INSERT INTO rise_readings (bake_id, taken_at, rise_pct, start_height, current_height) "
            "VALUES (?, ?, ?, ?, ?)", readings)
        db.execute("COMMIT")
    finally:
        db.close()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def child(mode: str, db_path: Path) -> None:
    """One measurement; prints {"seconds", "peak_mb", "idle_mb", "size"} as JSON."""
    idle = rss_mb()
    start = time.perf_counter()
    size = 0
    if mode == "build":
        build_database(db_path)
    elif mode == "select":
        db = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
        rows = db.execute(
            "SELECT b.*, r.taken_at, r.rise_pct, r.start_height, r.current_height FROM bakes b "
            "LEFT JOIN rise_readings r ON r.bake_id = b.id WHERE b.user_id = ? "
            "ORDER BY b.started_at, b.id, r.taken_at, r.id", (USER_ID,))
        for _row in rows:
            size += 1
        db.close()
    else:
        with open(os.devnull, "wb") as out:
            size = asyncio.run(write_export(db_path, USER_ID, mode, out, zone_for("Europe/Berlin")))
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "peak_mb": rss_mb() - idle, "idle_mb": idle, "size": size}))


def measure(mode: str, db_path: Path) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(db_path)],
        capture_output=True, text=True, check=True, cwd=REPO_ROOT,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench_export_") as folder:
        db_path = Path(folder) / "bench.sqlite3"
        # Built in a child too: a child's ru_maxrss starts from its parent's RSS at fork time,
        # so the parent must stay as small as the measuring children are at idle.
        setup = measure("build", db_path)["seconds"]
        print(f"export of {BAKES:,} bakes x {READINGS} readings ({BAKES * READINGS:,} rows), "
              f"database {db_path.stat().st_size / 1e6:.1f} MB, built in {setup:.1f} s")
        reference = measure("select", db_path)
        print(f"  reference  plain SELECT, no formatting   {reference['seconds']:6.2f} s   "
              f"+{reference['peak_mb']:5.1f} MB   (idle {reference['idle_mb']:.0f} MB; "
              f"{int(reference['size']):,} rows)")
        verdicts = []
        for fmt in ("csv", "json"):
            got = measure(fmt, db_path)
            ok = got["seconds"] < TARGET_SECONDS and got["peak_mb"] < TARGET_MB
            verdicts.append(ok)
            print(f"  {fmt:<4}       export -> /dev/null              {got['seconds']:6.2f} s   "
                  f"+{got['peak_mb']:5.1f} MB   (idle {got['idle_mb']:.0f} MB; "
                  f"{got['size'] / 1e6:.1f} MB written; {got['seconds'] / reference['seconds']:.1f}x "
                  f"the reference time)   {'OK' if ok else 'OVER AIM'}")
    print(f"aim per format: < {TARGET_SECONDS:.0f} s and < {TARGET_MB:.0f} MB above idle: "
          f"{'OK' if all(verdicts) else 'NOT MET'}")
    return 0  # informational: a slow shared machine should not fail `make bench`


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]))
    else:
        raise SystemExit(main())
