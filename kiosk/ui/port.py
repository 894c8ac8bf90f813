"""The one doorway from the journeys to the screen: `show(name, data)` may be called from any thread."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from kiosk.ui.view import ScreenState

HISTORY_KEPT = 500  # screen names remembered for scenarios and the simulator's status line (a kiosk runs for months)


class ScreenPort:
    """Keeps the latest screen asked for; the frame loop takes it (states may be skipped, never reordered)."""

    def __init__(self, first: ScreenState | None = None) -> None:
        self._lock = threading.Lock()
        self._pending: ScreenState | None = first
        self._serial = 0
        self._names: list[str] = []
        self._dropped = 0

    def show(self, name: str, data: Mapping[str, Any] | None = None) -> None:
        with self._lock:
            self._pending = ScreenState(name, dict(data or {}))
            self._serial += 1
            self._names.append(name)
            if len(self._names) > HISTORY_KEPT:
                cut = len(self._names) - HISTORY_KEPT // 2
                del self._names[:cut]
                self._dropped += cut

    def take(self) -> ScreenState | None:
        with self._lock:
            state, self._pending = self._pending, None
            return state

    @property
    def serial(self) -> int:
        """How many screens have been asked for so far."""
        with self._lock:
            return self._serial

    @property
    def history(self) -> list[str]:
        """The names of the most recent screens asked for, oldest first."""
        with self._lock:
            return list(self._names)

    def since(self, serial: int) -> list[str]:
        """The screens asked for after `serial` was read (as far as they are still remembered)."""
        with self._lock:
            return self._names[max(0, serial - self._dropped) :]
