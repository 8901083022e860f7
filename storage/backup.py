"""A consistent copy of the live database, taken while the bot runs.

Uses SQLite's online backup API from a separate read-only connection, in one step: in WAL
mode that is a single read transaction, i.e. a snapshot, and the bot's writes carry on
meanwhile (a reader never blocks the writer). The copy is written to a temporary file next to
the target, checked (`PRAGMA quick_check`), switched to a self-contained rollback journal and
only then renamed into place, so a half-written backup never looks complete.

Restoring: stop the bot, copy the backup over DATABASE_PATH (and delete any `-wal`/`-shm`
files next to it), start the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from pathlib import Path


class BackupError(Exception):
    """The backup could not be made; the message is safe to show an operator."""


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _backup_sync(db_path: Path, target: Path) -> None:
    source_path = Path(db_path)
    target = Path(target)
    if not source_path.is_file():
        raise BackupError(f"no database at {source_path}")
    live = [source_path, *(source_path.with_name(source_path.name + s) for s in ("-wal", "-shm", "-journal"))]
    if any(_same_file(target, path) for path in live):
        raise BackupError(f"refusing to back up {source_path} onto itself ({target})")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot create the folder {target.parent}: {exc}") from exc
    temp = target.with_name(f".{target.name}.{os.getpid()}.partial")
    with contextlib.suppress(FileNotFoundError):
        temp.unlink()
    try:
        source = sqlite3.connect(f"{source_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            source.execute("PRAGMA busy_timeout = 5000")
            dest = sqlite3.connect(temp)
            try:
                source.backup(dest)  # pages=-1: everything in one step, one consistent snapshot
                dest.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
                check = dest.execute("PRAGMA quick_check").fetchone()
                if check is None or check[0] != "ok":
                    raise BackupError(f"the copy failed its check: {check}")
            finally:
                dest.close()
        finally:
            source.close()
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, target)
        with contextlib.suppress(OSError):  # make the rename itself durable (POSIX)
            folder = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot back up {source_path}: {exc}") from exc
    except OSError as exc:
        raise BackupError(f"cannot write the backup {target}: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


async def backup_database(db_path: Path, target: Path) -> None:
    """Copy the database at `db_path` to `target` (replacing an older backup there).

    Safe while the bot is writing. Refuses to write onto the live database (or its WAL/SHM
    files); creates the target's folder; atomic: the target is either the old file or the
    complete new copy.
    """
    await asyncio.to_thread(_backup_sync, Path(db_path), Path(target))
