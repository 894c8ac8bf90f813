"""One data layer over SQLite (embedded default) and PostgreSQL (fleet): connections, transactions, migrations.

SQL is written once with `?` placeholders and portable types; the PostgreSQL side rewrites placeholders. Both
engines support `RETURNING`, transactional DDL and `INSERT ... ON CONFLICT`.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, Protocol

from kiosk.registry.migrations import MIGRATIONS

Row = tuple[Any, ...]
Dialect = Literal["sqlite", "postgresql"]


class IntegrityError(Exception):
    """A uniqueness or foreign-key constraint refused a write (the transaction was rolled back)."""


class DatabaseUnavailable(Exception):
    """The database cannot be reached or refused the connection."""


class Tx(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...
    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...
    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...


class Database(Protocol):
    dialect: Dialect

    def transaction(self) -> Any: ...  # a context manager yielding a Tx
    def close(self) -> None: ...


class _SqliteTx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            return self.conn.execute(sql, tuple(params)).rowcount
        except sqlite3.IntegrityError as e:
            raise IntegrityError(str(e)) from None

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        try:
            row = self.conn.execute(sql, tuple(params)).fetchone()
        except sqlite3.IntegrityError as e:
            raise IntegrityError(str(e)) from None
        return tuple(row) if row is not None else None

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return [tuple(r) for r in self.conn.execute(sql, tuple(params)).fetchall()]


class SqliteDatabase:
    """One connection behind a lock: SQLite has one writer anyway; BEGIN IMMEDIATE avoids upgrade deadlocks."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[_SqliteTx]:
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTx(self.conn)
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def close(self) -> None:
        with self.lock:
            self.conn.close()


class _PgTx:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def _run(self, sql: str, params: Sequence[Any]) -> Any:
        import psycopg

        try:
            return self.conn.execute(sql.replace("?", "%s"), tuple(params))
        except psycopg.errors.IntegrityError as e:
            raise IntegrityError(str(e)) from None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return int(self._run(sql, params).rowcount)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row = self._run(sql, params).fetchone()
        return tuple(row) if row is not None else None

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return [tuple(r) for r in self._run(sql, params).fetchall()]


class PostgresDatabase:
    """A small fixed pool of psycopg connections; each transaction takes one for its whole duration."""

    dialect: Dialect = "postgresql"

    def __init__(self, dsn: str, pool_size: int = 4) -> None:
        import psycopg

        self.pool: queue.Queue[Any] = queue.Queue()
        try:
            for _ in range(pool_size):
                self.pool.put(psycopg.connect(dsn, autocommit=True, connect_timeout=10))
        except psycopg.OperationalError as e:
            self.close()
            raise DatabaseUnavailable(f"cannot connect to PostgreSQL: {e}") from None

    @contextmanager
    def transaction(self) -> Iterator[_PgTx]:
        conn = self.pool.get()
        try:
            with conn.transaction():
                yield _PgTx(conn)
        finally:
            self.pool.put(conn)

    def close(self) -> None:
        while not self.pool.empty():
            self.pool.get_nowait().close()


def open_database(url: str) -> SqliteDatabase | PostgresDatabase:
    """`sqlite:///path/to/file.sqlite3` or a path; `postgresql://...` for PostgreSQL. Migrates to the latest schema."""
    db: SqliteDatabase | PostgresDatabase
    if url.startswith(("postgresql://", "postgres://")):
        db = PostgresDatabase(url)
    else:
        db = SqliteDatabase(Path(url.removeprefix("sqlite:///").removeprefix("sqlite://")))
    migrate(db)
    return db


def schema_version(db: SqliteDatabase | PostgresDatabase) -> int:
    with db.transaction() as tx:
        tx.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        row = tx.one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
    return int(row[0]) if row else 0


def migrate(db: SqliteDatabase | PostgresDatabase) -> list[int]:
    """Apply every numbered migration not yet applied, each in its own transaction; returns those applied."""
    applied: list[int] = []
    current = schema_version(db)
    for version, name, template in MIGRATIONS:
        if version <= current:
            continue
        sql = template.format(**_TYPES[db.dialect])
        with db.transaction() as tx:
            if tx.one("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)):
                continue  # another process migrated meanwhile
            for statement in (s.strip() for s in sql.split(";")):
                if statement:
                    tx.execute(statement)
            tx.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", (version, name))
        applied.append(version)
    return applied


_TYPES: dict[str, dict[str, str]] = {
    "sqlite": {"id": "INTEGER PRIMARY KEY AUTOINCREMENT", "bigint": "INTEGER", "bool": "INTEGER"},
    "postgresql": {"id": "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "bigint": "BIGINT", "bool": "INTEGER"},
}
