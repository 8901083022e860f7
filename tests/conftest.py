"""Fixtures shared by every suite: the two database backends.

`backend` runs a test on SQLite and on PostgreSQL; `make_database(name)` gives it an unopened
database of that backend (the same name twice: the same database, for restarts). PostgreSQL is a
server this test run starts itself (tests/databases.py), once, the first time a test needs it.
Where no server is installed those tests skip, except under CI=true, where they fail (`make
test` installs the `postgresql` package first).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from storage.database import AnyDatabase, Database
from tests.databases import PostgresServer, postgres_bin

BACKENDS = ("sqlite", "postgres")


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
