"""The camera's typed errors (device "camera"): absent, timed out, or delivering frames that cannot be used."""

from __future__ import annotations

from kiosk.errors import DeviceError


class CameraError(DeviceError):
    device = "camera"
    reason = "camera_failed"


class CameraUnavailable(CameraError):
    """No camera: the back end's library is not installed, the device is missing or busy, or the folder is empty.
    The reason stays "unavailable" (the journeys' executor reads it as "camera down"); the message says why."""

    reason = "unavailable"


class CameraTimeout(CameraError):
    """No frame arrived before the read's deadline."""

    reason = "timeout"


class CameraGone(CameraError):
    """The camera delivered frames and then stopped (unplugged, driver error)."""

    reason = "gone"
