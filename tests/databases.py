"""The test suite's databases: a throwaway PostgreSQL server, and reading either backend from a test.

The server is Debian's (`/usr/lib/postgresql/*/bin`), started by the suite itself: `initdb` into
a temporary folder, listening only on a unix socket in that folder (no TCP port), with fsync
off. PostgreSQL refuses to run as root, so as root the folder is handed to `nobody` and the
server runs as that user. Each test gets a database of its own (CREATE DATABASE is fast).
"""

from __future__ import annotations

import itertools
import os
import pwd
import re
import shutil
import sqlite3
import subprocess
import tempfile
from glob import glob
from pathlib import Path
from typing import Any

import psycopg

from storage.postgres import PgConnection, connect


def postgres_bin() -> Path | None:
    """The newest installed server's bin folder (Debian's layout), or None."""
    found = []
    for initdb in glob("/usr/lib/postgresql/*/bin/initdb"):
        version = Path(initdb).parent.parent.name
        if re.fullmatch(r"\d+(\.\d+)?", version):
            found.append((float(version), Path(initdb).parent))
    return max(found)[1] if found else None


class PostgresServer:
    """One server for the whole test run; `create_database()` gives each test a fresh database."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        # Under /tmp: a short path (a unix socket's is limited to ~100 bytes) that `nobody` can reach.
        parent = "/tmp" if os.path.isdir("/tmp") else None
        self.folder = Path(tempfile.mkdtemp(prefix="sourdough-pg-", dir=parent))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self._names = itertools.count(1)
        self._run_as: dict[str, Any] = {}
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.folder, nobody.pw_uid, nobody.pw_gid)
            self._run_as = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
        self._version = 0
        self._template: str | None = None

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            cwd=self.folder,
            env={**os.environ, "LC_ALL": "C", "LANG": "C"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            **self._run_as,
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{args[0]} failed ({result.returncode}): {result.stderr.strip()}\n{log}")

    def start(self) -> PostgresServer:
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "--no-sync", "-E", "UTF8", "--locale=C", "--no-instructions",
        )  # fmt: skip
        options = (
            f"-k {self.folder} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200 -c shared_buffers=32MB"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "-t", "60", "start"
        )  # fmt: skip
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            self._version = int(admin.execute("SHOW server_version_num").fetchone()[0])  # type: ignore[index]
        return self

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, name: str) -> str:
        return f"postgresql://postgres@/{name}?host={self.folder}"

    def create_database(self, *, migrated: bool = False) -> str:
        """A new database: empty, or (`migrated`) a copy of one with every migration applied
        (made once per run; most tests need the schema, not its making)."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        template = self._migrated_template() if migrated else "template0"
        strategy = " STRATEGY FILE_COPY" if self._version >= 150000 else ""
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}{strategy}")
        return self.url(name)

    def _migrated_template(self) -> str:
        if self._template is None:
            import asyncio

            from storage.postgres import PostgresDatabase

            url = self.create_database()

            async def migrate() -> None:
                await (await PostgresDatabase(url, pool_size=1).open()).close()

            _in_thread(lambda: asyncio.run(migrate()))  # a thread of its own: a loop may be running here
            self._template = url.split("/")[3].split("?")[0]
        return self._template

    def drop_database(self, url: str) -> None:
        name = url.split("/")[3].split("?")[0]
        force = " WITH (FORCE)" if self._version >= 130000 else ""
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}{force}")


def _in_thread(work: Any) -> None:
    import threading

    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the caller
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def query(target: Path | str, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    """Rows from the SQLite file or the PostgreSQL URL `target`, on a connection of their own;
    the SQL in the repository's portable form (`?` placeholders). Rows answer row[0] and
    row["name"] on both."""
    if isinstance(target, str) and target.startswith("postgresql://"):
        db: PgConnection = connect(target, application_name="sourdough tests")
        try:
            return list(db.execute(sql, params).fetchall())
        finally:
            db.close()
    with sqlite3.connect(target) as connection:
        connection.row_factory = sqlite3.Row
        return list(connection.execute(sql, params))
