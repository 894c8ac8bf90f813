"""espeak-ng (Debian's `espeak-ng` package) as the kiosk's voice: one process per rendering, WAV on stdout.

The text goes on the command line after `--` (never through a shell), so a word starting with "-" is still a word.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping

from kiosk.drivers.audio import AudioUnavailable, RenderFailed, wav

VOICES: Mapping[str, str] = {"th": "th", "en": "en"}
RENDER_TIMEOUT_S = 10.0


class EspeakVoice:
    def __init__(
        self,
        executable: str = "espeak-ng",
        *,
        voices: Mapping[str, str] = VOICES,
        speed_wpm: int = 150,
        timeout_s: float = RENDER_TIMEOUT_S,
    ) -> None:
        self.executable = executable
        self.voices = dict(voices)
        self.speed_wpm = speed_wpm
        self.timeout_s = timeout_s
        self._known: frozenset[str] | None = None

    def voice_for(self, language: str) -> str:
        try:
            return self.voices[language]
        except KeyError:
            raise AudioUnavailable(f"no voice configured for language {language!r}") from None

    def _binary(self) -> str:
        found = shutil.which(self.executable)
        if found is None:
            raise AudioUnavailable(f"{self.executable} not found (apt-get install espeak-ng)")
        return found

    def _check_voice(self, voice: str) -> None:
        """espeak-ng falls back to its default voice for a name it does not know: ask its voice list first."""
        if self._known is None:
            try:
                done = subprocess.run(
                    [self._binary(), "--voices"], capture_output=True, timeout=self.timeout_s, check=False
                )
            except (OSError, subprocess.TimeoutExpired) as e:
                raise AudioUnavailable(f"cannot list espeak-ng voices: {e}") from e
            known: set[str] = set()
            for row in done.stdout.decode("utf-8", "replace").splitlines()[1:]:
                cols = row.split()
                if len(cols) >= 5:
                    known |= {cols[1], cols[3], cols[4], cols[4].rsplit("/", 1)[-1]}
            self._known = frozenset(known)
        if voice not in self._known:
            raise AudioUnavailable(f"espeak-ng has no voice {voice!r}")

    def render(self, text: str, language: str) -> bytes:
        voice = self.voice_for(language)
        self._check_voice(voice)
        cmd = [self._binary(), "-v", voice, "-s", str(self.speed_wpm), "--stdout", "--", text]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=self.timeout_s, check=False)
        except subprocess.TimeoutExpired as e:
            raise RenderFailed(f"espeak-ng took longer than {self.timeout_s} s") from e
        except OSError as e:
            raise AudioUnavailable(f"cannot run {self.executable}: {e}") from e
        err = done.stderr.decode("utf-8", "replace").strip()
        if done.returncode != 0 or ("voice" in err.lower() and "not" in err.lower()):
            raise AudioUnavailable(f"espeak-ng voice {voice!r} failed: {err or done.returncode}")
        if not done.stdout.startswith(b"RIFF"):
            raise RenderFailed("espeak-ng gave no WAV")
        samples, rate = wav.decode(done.stdout)
        return wav.encode(samples, rate)
