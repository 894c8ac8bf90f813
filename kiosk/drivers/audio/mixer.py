"""pygame.mixer (SDL audio) as the kiosk's output: the loudspeaker or the headphone socket, by SDL device name.

The mixer is opened on first use, at espeak-ng's format (22 050 Hz, 16-bit, mono), so nothing is resampled; an output
that does not open is an `AudioUnavailable`, and the caller goes on without sound.
"""

from __future__ import annotations

import io
import os
import threading

# `kiosk doctor --json` may be the first to import pygame here: its greeting on stdout would break the JSON.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

from kiosk.drivers.audio import AudioUnavailable

RATE_HZ = 22050


class MixerOutput:
    def __init__(self, device: str = "", *, rate_hz: int = RATE_HZ) -> None:
        self.device = device  # SDL's name of the output ("" = the default); `kiosk doctor` lists the names
        self.rate_hz = rate_hz
        self._lock = threading.Lock()
        self._opened = False
        self._sound: pygame.mixer.Sound | None = None  # kept alive while it plays

    def _open(self) -> None:
        if self._opened:
            return
        try:
            if not pygame.mixer.get_init():
                pygame.mixer.init(frequency=self.rate_hz, size=-16, channels=1, devicename=self.device or None)
        except pygame.error as e:
            where = f"output {self.device!r}" if self.device else "the default output"
            raise AudioUnavailable(f"cannot open {where}: {e}") from e
        self._opened = True

    def play(self, wav: bytes, volume: float) -> None:
        with self._lock:
            self._open()
            try:
                sound = pygame.mixer.Sound(file=io.BytesIO(wav))
                sound.set_volume(max(0.0, min(1.0, volume)))
                pygame.mixer.stop()
                sound.play()
            except pygame.error as e:
                raise AudioUnavailable(f"cannot play: {e}") from e
            self._sound = sound

    def stop(self) -> None:
        with self._lock:
            if self._opened and pygame.mixer.get_init():
                pygame.mixer.stop()
            self._sound = None

    @property
    def busy(self) -> bool:
        return bool(self._opened and pygame.mixer.get_init() and pygame.mixer.get_busy())

    def close(self) -> None:
        with self._lock:
            if self._opened and pygame.mixer.get_init():
                pygame.mixer.quit()
            self._opened = False
            self._sound = None


def output_names() -> list[str]:
    """The output devices SDL sees (for the doctor and the `[audio] device` setting)."""
    try:
        from pygame._sdl2 import audio as sdl_audio

        return [str(n) for n in sdl_audio.get_audio_device_names(False)]
    except Exception:  # pygame._sdl2 raises its own error type when SDL audio is down: then nothing is seen
        return []
