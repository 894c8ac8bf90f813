"""The systemd notify protocol (sd_notify): tells the service manager the kiosk is ready, alive, and why it stops.

Standard library only: one datagram per message to `$NOTIFY_SOCKET` (a path, or `@name` for the abstract
namespace). Without that variable (a developer's terminal, the simulator) every call does nothing. The watchdog is
fed from the screen loop (`Notifier.alive` every frame, sent at most at half of `$WATCHDOG_USEC`), so a kiosk whose
loop is stuck stops pinging and systemd restarts it (`WatchdogSec=` in packaging/systemd/kiosk.service).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


def _address(raw: str) -> str | bytes:
    if raw.startswith("@"):
        return b"\0" + raw[1:].encode()
    return raw


@dataclass
class Notifier:
    """Messages to the service manager; `socket_path` None means no manager is listening."""

    socket_path: str | None
    watchdog_s: float | None = None
    _last_ping: float | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Notifier:
        env = os.environ if env is None else env
        path = env.get("NOTIFY_SOCKET") or None
        watchdog_s = None
        usec, pid = env.get("WATCHDOG_USEC"), env.get("WATCHDOG_PID")
        if usec and usec.isdigit() and int(usec) > 0 and (not pid or pid == str(os.getpid())):
            watchdog_s = int(usec) / 1_000_000
        return cls(path, watchdog_s)

    def send(self, *fields: str) -> bool:
        """Send `KEY=value` lines as one datagram; False (logged once per call) when the manager cannot be reached."""
        if self.socket_path is None:
            return False
        message = "\n".join(fields).encode()
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(message, _address(self.socket_path))
        except OSError as e:
            log.warning("service manager not reachable at its notify socket: %s", e)
            return False
        return True

    def ready(self, status: str) -> None:
        self.send("READY=1", f"STATUS={status}", f"MAINPID={os.getpid()}")

    def status(self, status: str) -> None:
        self.send(f"STATUS={status}")

    def alive(self, now_s: float) -> None:
        """Feed the watchdog, at most every half of its interval (call it from every turn of the loop)."""
        if self.watchdog_s is None:
            return
        if self._last_ping is not None and now_s - self._last_ping < self.watchdog_s / 2:
            return
        self._last_ping = now_s
        self.send("WATCHDOG=1")

    def stopping(self, status: str) -> None:
        self.send("STOPPING=1", f"STATUS={status}")
