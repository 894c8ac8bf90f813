"""The kiosk's own SQLite file: WAL journal, synchronous=FULL (a commit survives power loss), numbered migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kiosk.registry.db import private_file

MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'acknowledged', 'failed')),
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            status INTEGER,
            reason TEXT NOT NULL DEFAULT '',
            response TEXT);
        CREATE INDEX outbox_pending ON outbox (state, seq);
        CREATE TABLE sync_state (id INTEGER PRIMARY KEY CHECK (id = 1), failures INTEGER NOT NULL,
            next_attempt_at REAL NOT NULL, last_error TEXT NOT NULL);
        INSERT INTO sync_state VALUES (1, 0, 0, '');
        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY, at REAL NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL,
            detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, signature TEXT NOT NULL);
        CREATE TABLE cache (name TEXT PRIMARY KEY, body TEXT NOT NULL, fetched_at REAL NOT NULL)
        """,
    ),
)


def open_store(path: Path) -> sqlite3.Connection:
    """Open (creating and migrating) the kiosk store; autocommit mode, each writer uses explicit transactions."""
    private_file(path)
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=30, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for number, sql in MIGRATIONS:
            if number > version:
                for statement in (s.strip() for s in sql.split(";")):
                    if statement:
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return conn
