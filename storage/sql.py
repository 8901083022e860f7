"""The slice of DB-API both backends give the repository: `sqlite3.Connection` as it is, and
`storage.postgres.PgConnection` (psycopg behind the same calls).

The SQL the repository writes is portable: `?` placeholders (the PostgreSQL adapter turns them
into psycopg's), `ON CONFLICT`, `RETURNING`, partial indexes, `COALESCE`, no SQLite-only
functions. Rows are read by position (`row[0]`) and by name (`row["id"]`, `row.keys()`), which
`sqlite3.Row` and the adapter's rows both support.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol


class Row(Protocol):
    """A result row: by position, by column name, and its column names."""

    def keys(self) -> list[str]: ...

    def __getitem__(self, key: Any, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def fetchmany(self, size: int = ..., /) -> list[Any]: ...

    def close(self) -> None: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What the repository (and the FSM storage, the importer, the export) call on a connection."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Cursor: ...
