"""The root of every typed error the kiosk raises; each device package derives its own tree from DeviceError."""

from __future__ import annotations


class KioskError(Exception):
    """Anything the kiosk itself reports as a failure (never a bare Exception)."""


class ConfigError(KioskError):
    """The configuration file is missing, malformed, or names an unknown or mistyped key."""


class DeviceError(KioskError):
    """A device failed; `device` names it and `reason` is a stable, machine-readable code for the screens."""

    device: str = "device"
    reason: str = "failed"

    def __init__(self, message: str = "", *, reason: str | None = None) -> None:
        super().__init__(message or self.reason)
        if reason is not None:
            self.reason = reason
