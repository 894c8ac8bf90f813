"""The kiosk's keys and its SQLite store, opened from `[kiosk]` and `[store]` and closed with the kiosk."""

from __future__ import annotations

import contextlib
import sqlite3
from typing import TYPE_CHECKING

from kiosk.config import Config

if TYPE_CHECKING:
    from kiosk.store import KioskKeys


def open_keys_and_store(cfg: Config, stack: contextlib.ExitStack) -> tuple[KioskKeys, sqlite3.Connection]:
    """The kiosk's keys, made when it was enrolled (`MissingKeysError` before anything is opened or written if they
    are gone), and its store's connection, closed by `stack`."""
    from kiosk.store import load_keys, open_store

    keys = load_keys(cfg.kiosk.data_dir / "keys")
    conn = open_store(cfg.store.path)
    stack.callback(conn.close)
    return keys, conn
