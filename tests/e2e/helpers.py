"""Reading the database the way a test checks what was saved (a separate connection)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


def rows(db_path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    with sqlite3.connect(db_path) as connection:
        connection.row_factory = sqlite3.Row
        return list(connection.execute(sql, params))


def snapshot(db_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: compare before and after to prove nothing changed."""
    tables = ["users", "bakes", "rise_readings", "temperatures", "bake_events", "reminders", "starter_feedings"]
    return {t: [tuple(r) for r in rows(db_path, f"SELECT * FROM {t} ORDER BY 1")] for t in tables}
