"""Telling a serial port held by another process apart from one that cannot be opened at all."""

from __future__ import annotations

import errno

PORT_BUSY = "port_busy"  # the reason a driver's typed error carries when another process holds its port

_BUSY_ERRNOS = frozenset({errno.EWOULDBLOCK, errno.EAGAIN})


def is_port_busy(error: OSError) -> bool:
    """True when pyserial's `exclusive=True` lock (flock LOCK_EX|LOCK_NB) was refused: another process has the port."""
    return error.errno in _BUSY_ERRNOS
