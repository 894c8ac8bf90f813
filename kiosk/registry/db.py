"""One data layer over SQLite (embedded default) and PostgreSQL (fleet): connections, transactions, migrations.

SQL is written once with `?` placeholders and portable types; the PostgreSQL side rewrites placeholders. Both
engines support `RETURNING`, transactional DDL and `INSERT ... ON CONFLICT`.
"""

from __future__ import annotations

import os
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


# SQLITE_BUSY, _LOCKED, _NOMEM, _READONLY, _IOERR, _FULL, _CANTOPEN: the database, not the request, is at fault
_SQLITE_UNAVAILABLE = frozenset({5, 6, 7, 8, 10, 13, 14})


def private_file(path: Path) -> None:
    """Create `path` 0600 if absent, make it 0600 if not: SQLite gives its -wal and -shm files the same mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


class SqliteDatabase:
    """One connection behind a lock: SQLite has one writer anyway; BEGIN IMMEDIATE avoids upgrade deadlocks."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        private_file(path)
        self.conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[_SqliteTx]:
        with self.lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield _SqliteTx(self.conn)
                except BaseException:
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
                    raise
                self.conn.execute("COMMIT")
            except sqlite3.OperationalError as e:
                if e.sqlite_errorcode & 0xFF in _SQLITE_UNAVAILABLE:
                    raise DatabaseUnavailable(f"SQLite: {e.sqlite_errorname}") from None
                raise

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
    """A small fixed pool of psycopg connections; each transaction takes one for its whole duration. A connection
    lost (server restarted, network) is replaced on next use; while the server is away, DatabaseUnavailable."""

    dialect: Dialect = "postgresql"

    def __init__(self, dsn: str, pool_size: int = 4) -> None:
        self.dsn = dsn
        self.pool: queue.Queue[Any] = queue.Queue()
        try:
            for _ in range(pool_size):
                self.pool.put(self._connect())
        except DatabaseUnavailable:
            self.close()
            raise

    def _connect(self) -> Any:
        import psycopg

        try:
            return psycopg.connect(self.dsn, autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as e:
            raise DatabaseUnavailable(f"cannot connect to PostgreSQL: {e}") from None

    def _begin(self, conn: Any) -> Any:
        """BEGIN on `conn`, or on a fresh connection if that one is gone (nothing has run yet: safe to retry)."""
        import psycopg

        if conn is not None and not conn.closed and not conn.broken:
            try:
                conn.execute("BEGIN")
                return conn
            except (psycopg.OperationalError, psycopg.InterfaceError):
                conn.close()
        fresh = self._connect()
        try:
            fresh.execute("BEGIN")
        except (psycopg.OperationalError, psycopg.InterfaceError) as e:
            fresh.close()
            raise DatabaseUnavailable(f"PostgreSQL refused a transaction: {e}") from None
        return fresh

    @contextmanager
    def transaction(self) -> Iterator[_PgTx]:
        import psycopg

        conn = self.pool.get()
        try:
            conn = self._begin(conn)
            try:
                yield _PgTx(conn)
            except BaseException:
                if not conn.closed and not conn.broken:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except (psycopg.OperationalError, psycopg.InterfaceError) as e:
            raise DatabaseUnavailable(f"PostgreSQL connection lost: {e}") from None
        except DatabaseUnavailable:
            conn = None
            raise
        finally:
            usable = conn is not None and not conn.closed and not conn.broken
            self.pool.put(conn if usable else None)

    def close(self) -> None:
        while not self.pool.empty():
            conn = self.pool.get_nowait()
            if conn is not None:
                conn.close()


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
