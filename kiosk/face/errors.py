"""The face pipeline's typed errors (device "face"): missing model or runtime, unreadable portrait."""

from __future__ import annotations

from kiosk.errors import DeviceError


class FaceError(DeviceError):
    device = "face"
    reason = "failed"


class ModelUnavailable(FaceError):
    """A model file is missing, corrupt (checksum), or no TFLite runtime can load it."""

    reason = "model_unavailable"


class PortraitUnusable(FaceError):
    """The enrolment portrait cannot be decoded or holds no usable face."""

    reason = "portrait_unusable"
