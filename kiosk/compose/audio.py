"""The spoken guidance from `[audio]`: espeak-ng's voices and the mixer on the configured output (or none)."""

from __future__ import annotations

from kiosk.config import AudioSection
from kiosk.drivers.audio import EspeakVoice, MixerOutput
from kiosk.drivers.audio.guide import Guide


def build_guide(cfg: AudioSection) -> Guide | None:
    """None when audio is off; otherwise a guide that falls silent by itself if espeak-ng or the output fails."""
    if not cfg.enabled:
        return None
    voice = EspeakVoice(cfg.espeak, voices={"th": cfg.voice_th, "en": cfg.voice_en}, speed_wpm=cfg.speed_wpm)
    return Guide(voice, MixerOutput(cfg.device), volume=cfg.volume)
