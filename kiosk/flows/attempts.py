"""Attempt counters and lockouts per card holder and factor (face, finger, passcode, pin), keyed by a keyed hash of
the citizen ID so that pulling and re-inserting the card starts nothing afresh.

The book is a value: journeys update it purely and hand it to the executor (`PersistAttempts`) to keep. Times are
the runner's monotonic seconds; the executor converts them to wall time when it stores the book.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace

Factor = str  # "face" | "finger" | "passcode" | "pin" | "cid"


def holder_key(citizen_id: str, secret: bytes) -> str:
    """The kiosk's name for a card holder: HMAC-SHA256 of the ID under a per-kiosk secret (13 digits are too few to
    hash without a key), cut to 128 bits."""
    return hmac.new(secret, citizen_id.encode("ascii"), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Strikes:
    holder: str
    factor: Factor
    failures: int
    first_at: float
    locked_until: float | None = None


@dataclass(frozen=True)
class AttemptBook:
    """Failures per (holder, factor) within `window`; reaching the limit locks the factor until `locked_until`."""

    entries: tuple[Strikes, ...] = ()

    def _find(self, holder: str, factor: Factor, now: float, window_s: float) -> Strikes | None:
        for e in self.entries:
            if e.holder == holder and e.factor == factor:
                if e.locked_until is not None:
                    return e if now < e.locked_until else None
                return e if now - e.first_at < window_s else None
        return None

    def _without(self, holder: str, factor: Factor) -> tuple[Strikes, ...]:
        return tuple(e for e in self.entries if not (e.holder == holder and e.factor == factor))

    def locked(self, holder: str, factor: Factor, now: float) -> bool:
        return any(
            e.holder == holder and e.factor == factor and e.locked_until is not None and now < e.locked_until
            for e in self.entries
        )

    def failures(self, holder: str, factor: Factor, now: float, window_s: float) -> int:
        e = self._find(holder, factor, now, window_s)
        return e.failures if e else 0

    def remaining(self, holder: str, factor: Factor, now: float, *, limit: int, window_s: float) -> int:
        if self.locked(holder, factor, now):
            return 0
        return max(0, limit - self.failures(holder, factor, now, window_s))

    def fail(self, holder: str, factor: Factor, now: float, *, limit: int, lockout_s: float) -> AttemptBook:
        """One more failure; the `limit`-th locks the factor for `lockout_s` (older failures are forgotten)."""
        e = self._find(holder, factor, now, lockout_s) or Strikes(holder, factor, 0, now)
        e = replace(e, failures=e.failures + 1)
        if e.failures >= limit:
            e = replace(e, locked_until=now + lockout_s)
        return AttemptBook((*self._without(holder, factor), e))

    def succeed(self, holder: str, factor: Factor) -> AttemptBook:
        return AttemptBook(self._without(holder, factor))

    def pruned(self, now: float, window_s: float) -> AttemptBook:
        """Only the entries that still count."""
        return AttemptBook(tuple(e for e in self.entries if self._find(e.holder, e.factor, now, window_s) is e))
