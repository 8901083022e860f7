"""Reading the database the way a test checks what was saved (a separate connection).

`rows(db_path, sql)` reads the SQLite file at `db_path`, or, when the test's bot runs on
PostgreSQL, the database registered for that path in POSTGRES (by tests/e2e/conftest.py)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.databases import query

# settings.database_path → the PostgreSQL URL the bot really uses, for tests on PostgreSQL.
POSTGRES: dict[Path, str] = {}


def rows(db_path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    url = POSTGRES.get(Path(db_path))
    if url is not None:
        return query(url, sql, params)
    with sqlite3.connect(db_path) as connection:
        connection.row_factory = sqlite3.Row
        return list(connection.execute(sql, params))


def snapshot(db_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: compare before and after to prove nothing changed."""
    tables = [
        "users",
        "bakes",
        "rise_readings",
        "temperatures",
        "bake_events",
        "reminders",
        "starter_feedings",
    ]
    return {t: [tuple(r) for r in rows(db_path, f"SELECT * FROM {t} ORDER BY 1")] for t in tables}


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until `check()` holds: the bot records a delivery just after the message went out."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
