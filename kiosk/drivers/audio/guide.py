"""The spoken guidance as one device: say a prompt (rendered once, kept in memory only), say it again, volume up,
down and back to the start for the next person. Never blocks the caller: a worker thread renders and plays the newest
prompt; an audio failure is logged once (never the words) and the kiosk goes on silently.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass

from kiosk.drivers.audio import AudioError, Output, Voice, wav

log = logging.getLogger(__name__)
VOLUME_STEP = 0.15
CACHE_SEGMENTS = 256


@dataclass(frozen=True)
class Segment:
    language: str  # "th" | "en": the voice that speaks it
    text: str


Prompt = tuple[Segment, ...]


class Guide:
    def __init__(self, voice: Voice, output: Output | None, *, volume: float = 0.7) -> None:
        self.voice = voice
        self.output = output
        self.start_volume = volume
        self.volume = volume
        self.failure = ""  # why there is no sound ("" while it works), for the doctor and the logs
        self._cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._last: Prompt = ()
        self._pending: Prompt | None = None
        self._wake = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None

    # --- rendering (the worker's, and the tests') ---------------------------------------------------------------

    def render(self, prompt: Prompt) -> bytes:
        """The whole prompt as one WAV, each segment in its language's voice (rendered once, then from memory)."""
        parts = []
        for seg in prompt:
            key = (self.voice.voice_for(seg.language), seg.text)
            got = self._cache.get(key)
            if got is None:
                got = self.voice.render(seg.text, seg.language)
                self._cache[key] = got
                if len(self._cache) > CACHE_SEGMENTS:
                    self._cache.popitem(last=False)
            else:
                self._cache.move_to_end(key)
            parts.append(got)
        return wav.join(parts)

    # --- what the screen asks --------------------------------------------------------------------------------

    def say(self, prompt: Prompt) -> None:
        if not prompt:
            return
        self._last = prompt
        self._post(prompt)

    def replay(self) -> None:
        if self._last:
            self._post(self._last)

    def louder(self) -> None:
        self.volume = min(1.0, round(self.volume + VOLUME_STEP, 2))
        self.replay()

    def quieter(self) -> None:
        self.volume = max(0.1, round(self.volume - VOLUME_STEP, 2))
        self.replay()

    def reset(self) -> None:
        """The next person: the starting volume, nothing to replay, and another try of a failed output."""
        self.volume = self.start_volume
        self._last = ()
        if self.output is not None:
            self.output.stop()
        self.failure = ""

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        if self.output is not None:
            self.output.close()

    # --- the worker ------------------------------------------------------------------------------------------

    def _post(self, prompt: Prompt) -> None:
        if self.failure or self.output is None:
            return
        with self._wake:
            self._pending = prompt
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="audio-guide", daemon=True)
                self._thread.start()
            self._wake.notify()

    def _work(self) -> None:
        while True:
            with self._wake:
                while self._pending is None and not self._closed:
                    self._wake.wait()
                if self._pending is None:
                    return  # closed, with nothing left to say
                prompt, self._pending = self._pending, None
            if prompt is None:
                continue
            try:
                sound = self.render(prompt)
                if self.output is not None:
                    self.output.play(sound, self.volume)
            except AudioError as e:
                if not self.failure:
                    log.warning("audio guidance off: %s (%s)", e.reason, e)
                self.failure = e.reason
