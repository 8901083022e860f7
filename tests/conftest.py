"""Fixtures shared by every suite: the two database backends.

`backend` runs a test on SQLite and on PostgreSQL; `make_database(name)` gives it an unopened
database of that backend (the same name twice: the same database, for restarts). PostgreSQL is a
server this test run starts itself (tests/databases.py), once, the first time a test needs it.
Where no server is installed those tests skip, except under CI=true, where they fail (`make
test` installs the `postgresql` package first).

The suite runs in parallel (pytest-xdist, `-n auto` in pyproject.toml): each worker process
starts its own PostgreSQL server. A test marked `solo` runs while no other worker runs a test
(`pytest_runtest_protocol` below).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from storage.database import AnyDatabase, Database
from tests.databases import PostgresServer, postgres_bin

BACKENDS = ("sqlite", "postgres")


class RunAlone:
    """Lets a test run while the other xdist workers of this run wait: a readers-writer lock on
    two files that every worker of the run sees. Every test holds `lock` shared; a `solo` test
    holds it exclusively, so it starts once the tests under way elsewhere have ended and none
    starts until it has ended. `gate` keeps a waiting solo test from being overtaken: a worker
    passes it (briefly, shared) before it takes `lock`, and a solo test holds it exclusively
    while it waits and runs."""

    def __init__(self, folder: Path) -> None:
        self.gate = os.open(folder / "solo.gate", os.O_RDWR | os.O_CREAT, 0o600)
        self.lock = os.open(folder / "solo.lock", os.O_RDWR | os.O_CREAT, 0o600)

    @contextlib.contextmanager
    def holding(self, *, alone: bool) -> Iterator[None]:
        if alone:
            fcntl.flock(self.gate, fcntl.LOCK_EX)
            fcntl.flock(self.lock, fcntl.LOCK_EX)
        else:
            fcntl.flock(self.gate, fcntl.LOCK_SH)
            fcntl.flock(self.lock, fcntl.LOCK_SH)
            fcntl.flock(self.gate, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(self.lock, fcntl.LOCK_UN)
            if alone:
                fcntl.flock(self.gate, fcntl.LOCK_UN)


_run_alone = pytest.StashKey[RunAlone]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "solo: run while no other test runs (under xdist the other workers wait): for tests that "
        "measure rates or latencies of several processes, which a busy neighbour would distort",
    )
    # An xdist worker's basetemp is <the run's basetemp>/popen-gwN: the folder above is the run's.
    if hasattr(config, "workerinput") and config.option.basetemp:
        config.stash[_run_alone] = RunAlone(Path(config.option.basetemp).parent)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    run_alone = item.config.stash.get(_run_alone, None)
    if run_alone is None:  # one process: every test runs alone anyway
        return (yield)
    with run_alone.holding(alone=item.get_closest_marker("solo") is not None):
        return (yield)


@pytest.fixture(scope="session", autouse=True)
def bot_sessions_close_at_once() -> Iterator[None]:
    """aiogram's AiohttpSession.close() sleeps 250 ms after closing, for SSL connections to shut
    down; the bots of these tests talk plain HTTP to 127.0.0.1, and several hundred of them stop
    in a run. Here they close without that wait (bots run as processes keep it)."""
    aiohttp_session = sys.modules.get("aiogram.client.session.aiohttp")
    if aiohttp_session is None:  # no test module of this run uses aiogram
        yield
        return

    async def close(self: Any) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(aiohttp_session.AiohttpSession, "close", close)
        yield


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = postgres_bin()
    if bin_dir is None:
        message = "PostgreSQL is not installed (apt-get install postgresql; `make test` does it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    server = PostgresServer(bin_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database of its own for one test."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture
def postgres_migrated_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh database of its own for one test, with the schema already in place."""
    url = postgres_server.create_database(migrated=True)
    yield url
    postgres_server.drop_database(url)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_database(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., AnyDatabase]]:
    """`make_database("x")`: an unopened database named x on this test's backend. On PostgreSQL
    it starts with the schema in place (a copy of a migrated template), unless `empty=True`."""
    urls: dict[str, str] = {}
    server: PostgresServer | None = None

    def make(name: str = "bot", *, empty: bool = False) -> AnyDatabase:
        nonlocal server
        if backend == "sqlite":
            return Database(tmp_path / f"{name}.sqlite3")
        from storage.postgres import PostgresDatabase

        if server is None:
            server = request.getfixturevalue("postgres_server")
        if name not in urls:
            urls[name] = server.create_database(migrated=not empty)
        return PostgresDatabase(urls[name])

    yield make
    if server is not None:
        for url in urls.values():
            server.drop_database(url)


def target_of(database: AnyDatabase) -> Path | str:
    """What tests.databases.query reads: the SQLite file or the PostgreSQL URL."""
    return getattr(database, "url", None) or database.path  # type: ignore[union-attr]
