"""The fingerprint sensor's interface: what a sensor can do, what it answers, and every way it can fail.

The protocol is the ZhianTec ZFM / R30x / R503 / AS608 UART family (`codec` holds the frames, `uart` the driver).
Templates are opaque bytes that the kiosk keeps in its own store; the sensor's flash library is only a cache.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from kiosk.errors import ConfigError, DeviceError

# --------------------------------------------------------------------------------------------------- results


ENROLMENT_FULL_SCORE = 200  # a Match score between two placements that counts as 100 % consistent


class FingerPrompt(enum.Enum):
    """What the citizen must do next during an enrolment (values are the screens' hint keys)."""

    PLACE = "place_finger"
    LIFT = "lift_finger"
    PLACE_AGAIN = "place_again"


class CaptureQuality(enum.Enum):
    """How one capture went, so the screen can tell the citizen what to do next."""

    GOOD = "good"
    CAPTURE_FAILED = "capture_failed"  # GenImg 03: the sensor could not take an image; press again
    POOR_IMAGE = "poor_image"  # Img2Tz 06: image too faint or smudged; clean the finger, press firmly
    TOO_FEW_FEATURES = "too_few_features"  # Img2Tz 07: too little of the finger; press flatter, cover the window

    @property
    def usable(self) -> bool:
        return self is CaptureQuality.GOOD

    @property
    def hint(self) -> str:
        """The screens' hint key for this outcome ("" when nothing needs saying)."""
        return QUALITY_HINTS[self]


QUALITY_HINTS = {
    CaptureQuality.GOOD: "",
    CaptureQuality.CAPTURE_FAILED: "press_harder",
    CaptureQuality.POOR_IMAGE: "poor_image",
    CaptureQuality.TOO_FEW_FEATURES: "press_harder",
}


@dataclass(frozen=True)
class Capture:
    """One finger placement: the character buffer it went into, its quality, and how many GenImg polls it took."""

    buffer: int
    quality: CaptureQuality
    polls: int = 1

    @property
    def usable(self) -> bool:
        return self.quality.usable


@dataclass(frozen=True)
class SystemParameters:
    """ReadSysPara's 16-byte block, decoded into units."""

    status_register: int
    system_id: int
    library_size: int
    security_level: int
    address: int
    packet_size_bytes: int
    baud: int

    @property
    def busy(self) -> bool:
        return bool(self.status_register & 0x01)

    @property
    def password_verified(self) -> bool:
        return bool(self.status_register & 0x04)


@dataclass(frozen=True)
class MatchResult:
    """A 1:1 comparison: the sensor's score and whether it reaches the kiosk's threshold."""

    matched: bool
    score: int


@dataclass(frozen=True)
class SearchHit:
    """A 1:N search result: the library page that matched and its score."""

    page: int
    score: int


@dataclass(frozen=True)
class Enrolment:
    """A finished two-capture enrolment: the exported template and every capture it took (good or poor)."""

    template: bytes
    captures: tuple[Capture, ...]
    score: int = 0  # the sensor's Match score between the two captures: how consistent the placements were

    @property
    def quality_percent(self) -> int:
        """0..100 for the screens: the captures' consistency, less for every unusable capture on the way."""
        poor = sum(not c.usable for c in self.captures)
        return max(0, min(100, self.score * 100 // ENROLMENT_FULL_SCORE) - 10 * poor)


class LedColor(enum.IntEnum):
    """R503 aura LED colours."""

    RED = 1
    BLUE = 2
    PURPLE = 3


class LedMode(enum.IntEnum):
    """R503 aura LED modes."""

    BREATHING = 1
    FLASHING = 2
    ON = 3
    OFF = 4
    FADE_ON = 5
    FADE_OFF = 6


@dataclass(frozen=True)
class FingerSettings:
    """The values the driver needs (the composition root fills them from `[finger]`; drivers never see the config)."""

    address: int = 0xFFFFFFFF
    password: int = 0
    packet_size: int = 128
    capture_timeout_s: float = 10.0
    reply_timeout_s: float = 2.0
    has_led: bool = True
    match_threshold: int = 50
    poll_interval_s: float = 0.1  # pause between GenImg polls while waiting for a finger or a lift
    max_poor_captures: int = 3  # poor captures in a row before a composite operation gives up

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.packet_size not in (32, 64, 128, 256):
            problems.append(f"packet_size {self.packet_size} is not one of 32, 64, 128, 256")
        for name in ("address", "password"):
            if not 0 <= getattr(self, name) <= 0xFFFFFFFF:
                problems.append(f"{name} does not fit 32 bits")
        for name in ("capture_timeout_s", "reply_timeout_s", "poll_interval_s"):
            if not getattr(self, name) > 0:
                problems.append(f"{name} must be positive")
        if self.max_poor_captures < 1:
            problems.append("max_poor_captures must be at least 1")
        if problems:
            raise ConfigError("[finger] " + "; ".join(problems))


# --------------------------------------------------------------------------------------------------- errors


class FingerError(DeviceError):
    """Any failure of the fingerprint sensor."""

    device = "finger"
    reason = "failed"


class SensorUnavailable(FingerError):
    """The port cannot be opened, read or written (unplugged, no such device, closed)."""

    reason = "unavailable"


class FingerTimeout(FingerError):
    """The sensor did not answer within its deadline (silent, stalled or unplugged)."""

    reason = "timeout"


class BadFrame(FingerError):
    """The sensor answered bytes that are not a valid frame (start code, address, type, length or checksum)."""

    reason = "bad_frame"


class NoFinger(FingerError):
    """No finger was placed before the capture deadline."""

    reason = "no_finger"


class CaptureCancelled(FingerError):
    """The journey gave up (the citizen cancelled or walked away) while the driver waited for a finger."""

    reason = "cancelled"


class FingerNotLifted(FingerError):
    """The finger stayed on the sensor past the deadline when it had to be lifted between captures."""

    reason = "not_lifted"


class BadTemplate(FingerError):
    """Template bytes from the kiosk's store that cannot be sent to a sensor (empty or far too long)."""

    reason = "bad_template"


class PoorCapture(FingerError):
    """Too many captures in a row were unusable; `quality` is the last one, so the screen can guide the citizen."""

    reason = "poor_capture"

    def __init__(self, quality: CaptureQuality, message: str = "") -> None:
        super().__init__(message or f"unusable capture: {quality.value}", reason=quality.value)
        self.quality = quality


class SensorRefused(FingerError):
    """The sensor answered a confirmation code that is an error for this command; `code` is that byte."""

    reason = "refused"
    code: int = -1

    def __init__(self, message: str = "", *, code: int | None = None) -> None:
        super().__init__(message or f"{self.reason} (code {self.code if code is None else code:#04x})")
        if code is not None:
            self.code = code


class SensorPacketError(SensorRefused):
    code, reason = 0x01, "sensor_packet_error"


class CaptureError(SensorRefused):
    """A capture step the driver does not turn into a quality (used only where a code appears out of place)."""

    code, reason = 0x03, "imaging_failed"


class ImageMessy(SensorRefused):
    """06 where the driver does not turn it into a capture quality."""

    code, reason = 0x06, "image_messy"


class FeatureExtractionFailed(SensorRefused):
    """07 where the driver does not turn it into a capture quality."""

    code, reason = 0x07, "feature_extraction_failed"


class NoMatch(SensorRefused):
    code, reason = 0x08, "no_match"


class NotFound(SensorRefused):
    code, reason = 0x09, "not_found"


class CannotCombine(SensorRefused):
    """RegModel: the two captures are not the same finger."""

    code, reason = 0x0A, "cannot_combine"


class BadLocation(SensorRefused):
    code, reason = 0x0B, "bad_location"


class TemplateInvalid(SensorRefused):
    """The library page is empty or its template (or the one in the buffer) is not valid."""

    code, reason = 0x0C, "template_invalid"


class TemplateUploadFailed(SensorRefused):
    code, reason = 0x0D, "template_upload_failed"


class DataReceiveFailed(SensorRefused):
    """The sensor cannot receive the following data packets."""

    code, reason = 0x0E, "data_receive_failed"


class ImageUploadFailed(SensorRefused):
    code, reason = 0x0F, "image_upload_failed"


class DeleteFailed(SensorRefused):
    code, reason = 0x10, "delete_failed"


class EmptyFailed(SensorRefused):
    code, reason = 0x11, "empty_failed"


class WrongPassword(SensorRefused):
    code, reason = 0x13, "wrong_password"


class NoImage(SensorRefused):
    """Img2Tz without a valid image in the image buffer."""

    code, reason = 0x15, "no_image"


class FlashError(SensorRefused):
    code, reason = 0x18, "flash_error"


class InvalidRegister(SensorRefused):
    code, reason = 0x1A, "invalid_register"


class LibraryFull(SensorRefused):
    code, reason = 0x1F, "library_full"


class AddressIncorrect(SensorRefused):
    code, reason = 0x20, "address_incorrect"


class PasswordRequired(SensorRefused):
    code, reason = 0x21, "password_required"


REFUSALS: dict[int, type[SensorRefused]] = {
    cls.code: cls
    for cls in (
        SensorPacketError,
        CaptureError,
        ImageMessy,
        FeatureExtractionFailed,
        NoMatch,
        NotFound,
        CannotCombine,
        BadLocation,
        TemplateInvalid,
        TemplateUploadFailed,
        DataReceiveFailed,
        ImageUploadFailed,
        DeleteFailed,
        EmptyFailed,
        WrongPassword,
        NoImage,
        FlashError,
        InvalidRegister,
        LibraryFull,
        AddressIncorrect,
        PasswordRequired,
    )
}


def refusal(code: int, doing: str) -> SensorRefused:
    """The typed error for confirmation `code` met while `doing` something; unknown codes keep their byte."""
    cls = REFUSALS.get(code)
    if cls is None:
        return SensorRefused(f"{doing}: unexpected confirmation code {code:#04x}", code=code)
    return cls(f"{doing}: {cls.reason} ({code:#04x})")


# --------------------------------------------------------------------------------------------------- interface

CaptureListener = Callable[[Capture], None]
PromptListener = Callable[[FingerPrompt], None]


class FingerSensor(Protocol):
    """What the kiosk's journeys ask of a fingerprint sensor; every method raises only `FingerError`s."""

    def cancel(self) -> None: ...
    def handshake(self) -> SystemParameters: ...
    def verify_password(self) -> None: ...
    def read_parameters(self) -> SystemParameters: ...
    def capture(self, buffer: int = 1, timeout_s: float | None = None) -> Capture: ...
    def capture_usable(
        self, buffer: int = 1, timeout_s: float | None = None, on_capture: CaptureListener | None = None
    ) -> Capture: ...
    def wait_for_lift(self, timeout_s: float | None = None) -> None: ...
    def combine(self) -> None: ...
    def enroll(
        self,
        timeout_s: float | None = None,
        on_capture: CaptureListener | None = None,
        on_prompt: PromptListener | None = None,
    ) -> Enrolment: ...
    def export_template(self, buffer: int = 1) -> bytes: ...
    def import_template(self, template: bytes, buffer: int = 1) -> None: ...
    def compare(self, template: bytes) -> MatchResult: ...
    def match_buffers(self) -> MatchResult: ...
    def verify_page(
        self, page: int, timeout_s: float | None = None, on_capture: CaptureListener | None = None
    ) -> MatchResult: ...
    def verify(
        self, template: bytes, timeout_s: float | None = None, on_capture: CaptureListener | None = None
    ) -> MatchResult: ...
    def search(self, buffer: int = 1, start: int = 0, count: int | None = None) -> SearchHit | None: ...
    def identify(
        self, timeout_s: float | None = None, on_capture: CaptureListener | None = None
    ) -> SearchHit | None: ...
    def store(self, page: int, buffer: int = 1) -> None: ...
    def load(self, page: int, buffer: int = 1) -> None: ...
    def delete(self, page: int, count: int = 1) -> None: ...
    def empty(self) -> None: ...
    def template_count(self) -> int: ...
    def used_pages(self) -> set[int]: ...
    def free_page(self) -> int: ...
    def led(self, color: LedColor, mode: LedMode, speed: int = 0x80, cycles: int = 0) -> bool: ...
