"""The face service from `[camera]` and `[face]`: the camera (or the one given), the models and the verifier."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

from kiosk.config import CameraSection, Config, FaceSection
from kiosk.errors import DeviceError

if TYPE_CHECKING:
    from kiosk.drivers.camera import Camera
    from kiosk.face.verifier import FaceVerifier
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


def configured_verifier(f: FaceSection) -> FaceVerifier:
    """The face models and the match `[face]` describes: the one place its keys become the verifier's values."""
    from kiosk.face.fusion import DecisionRule, FusionRule
    from kiosk.face.verifier import FaceModels, FaceVerifier, Flip

    return FaceVerifier(
        FaceModels.load(f.model),
        threshold=f.match_threshold,
        flip=Flip(f.flip),
        portrait_alignments=f.portrait_alignments,
        decision=DecisionRule(f.frames, FusionRule(f.fusion)),
    )


def face_service(cfg: Config, stack: contextlib.ExitStack, camera: Camera | None, preview: Preview | None) -> Any:
    """Camera and face models; None (the face journeys are not offered) when either cannot be had here."""
    if not cfg.camera.enabled and camera is None:
        return None
    from kiosk.face.flash import FlashLimits
    from kiosk.face.service import FaceService

    c = cfg.camera
    try:
        if camera is None:
            camera = open_configured_camera(c)
        stack.callback(camera.close)
        verifier = configured_verifier(cfg.face)
    except DeviceError as e:
        log.warning("camera or face models unavailable: %s", e)
        return None
    flash = FlashLimits() if cfg.face.flash_challenge else None
    source = preview.tee(camera) if preview is not None else camera
    return FaceService(source, verifier, flash_limits=flash, frames_window_s=cfg.face.frames_window_s)
