"""The one doorway from the journeys to the screen: `show(name, data)` may be called from any thread."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from kiosk.ui.view import ScreenState


class ScreenPort:
    """Keeps the latest screen asked for; the frame loop takes it (states may be skipped, never reordered)."""

    def __init__(self, first: ScreenState | None = None) -> None:
        self._lock = threading.Lock()
        self._pending: ScreenState | None = first
        self._serial = 0
        self.history: list[str] = []  # screen names in the order shown (scenario expectations read it)

    def show(self, name: str, data: Mapping[str, Any] | None = None) -> None:
        with self._lock:
            self._pending = ScreenState(name, dict(data or {}))
            self._serial += 1
            self.history.append(name)

    def take(self) -> ScreenState | None:
        with self._lock:
            state, self._pending = self._pending, None
            return state

    @property
    def serial(self) -> int:
        with self._lock:
            return self._serial
