"""The face service from `[camera]` and `[face]`: the camera (or the one given), the models and the verifier."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

from kiosk.config import CameraSection, Config
from kiosk.errors import DeviceError

if TYPE_CHECKING:
    from kiosk.drivers.camera import Camera
    from kiosk.ui.preview import Preview

log = logging.getLogger(__name__)


def open_configured_camera(c: CameraSection) -> Camera:
    """The camera `[camera]` describes: the one place its keys become the driver's values (kiosk and doctor)."""
    from kiosk.drivers.camera import open_camera

    return open_camera(
        c.backend,
        device=c.device,
        folder=c.folder,
        width=c.width,
        height=c.height,
        mirrored=c.mirrored,
        rotation_deg=c.rotation_deg,
    )


def face_service(cfg: Config, stack: contextlib.ExitStack, camera: Camera | None, preview: Preview | None) -> Any:
    """Camera and face models; None (the face journeys are not offered) when either cannot be had here."""
    if not cfg.camera.enabled and camera is None:
        return None
    from kiosk.face.flash import FlashLimits
    from kiosk.face.fusion import DecisionRule, FusionRule
    from kiosk.face.service import FaceService
    from kiosk.face.verifier import FaceModels, FaceVerifier, Flip

    c = cfg.camera
    try:
        if camera is None:
            camera = open_configured_camera(c)
        stack.callback(camera.close)
        f = cfg.face
        decision = DecisionRule(f.frames, FusionRule(f.fusion))
        verifier = FaceVerifier(
            FaceModels.load(f.model), threshold=f.match_threshold, flip=Flip(f.flip), decision=decision
        )
    except DeviceError as e:
        log.warning("camera or face models unavailable: %s", e)
        return None
    flash = FlashLimits() if cfg.face.flash_challenge else None
    source = preview.tee(camera) if preview is not None else camera
    return FaceService(source, verifier, flash_limits=flash, frames_window_s=cfg.face.frames_window_s)
