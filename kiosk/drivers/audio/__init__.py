"""Audio guidance: a `Voice` that renders words to WAV (espeak-ng, Thai and English voices), an `Output` that plays
WAV (pygame.mixer on the configured device: the loudspeaker or the headphone socket), and the error tree.

Audio is never essential: a missing espeak-ng, a missing voice or an output that does not open is an
`AudioUnavailable`; the kiosk carries on silently (`kiosk.drivers.audio.guide.Guide`) and `kiosk doctor` reports it.

Use:
    voice = EspeakVoice()
    wav = voice.render("แตะหน้าจอเพื่อเริ่ม", "th")      # RIFF/WAVE bytes, 16-bit mono
    out = MixerOutput(device="")                          # "" = the system's default output
    out.play(wav, volume=0.7)
"""

from __future__ import annotations

from typing import Protocol

from kiosk.errors import DeviceError


class AudioError(DeviceError):
    device = "audio"
    reason = "failed"


class AudioUnavailable(AudioError):
    """No speech engine, no voice for the language, or no output device."""

    reason = "unavailable"


class RenderFailed(AudioError):
    """The speech engine ran but gave no usable sound."""

    reason = "render_failed"


class Voice(Protocol):
    def render(self, text: str, language: str) -> bytes:
        """`text` spoken in `language` ("th" | "en") as WAV bytes; AudioUnavailable / RenderFailed."""
        ...

    def voice_for(self, language: str) -> str:
        """The engine's voice name used for `language`."""
        ...


class Output(Protocol):
    def play(self, wav: bytes, volume: float) -> None:
        """Start playing `wav` (returns at once), replacing whatever was playing."""
        ...

    def stop(self) -> None: ...

    def close(self) -> None: ...


from kiosk.drivers.audio.espeak import EspeakVoice  # noqa: E402
from kiosk.drivers.audio.mixer import MixerOutput  # noqa: E402

__all__ = ["AudioError", "AudioUnavailable", "EspeakVoice", "MixerOutput", "Output", "RenderFailed", "Voice"]
