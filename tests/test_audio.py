"""Audio guidance through the real espeak-ng: every error reason and every catalogued screen title in Thai and in
English comes out as sound (not silent, as long as its words need), spoken by the voice of its language."""

from __future__ import annotations

import shutil
import wave
from io import BytesIO

import pytest

from kiosk.config import AudioSection
from kiosk.drivers.audio import AudioUnavailable, EspeakVoice, wav
from kiosk.drivers.audio.guide import Guide, Segment
from kiosk.ui.i18n import translator
from kiosk.ui.screens.common import ERRORS

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed (scripts/setup)")

FLOOR_DBFS = -40.0  # speech from espeak-ng sits near -20 dBFS; silence is -inf


class Recorder:
    """An output that keeps what it was given (the mixer itself is tested with SDL's dummy driver below)."""

    def __init__(self) -> None:
        self.played: list[tuple[bytes, float]] = []

    def play(self, sound: bytes, volume: float) -> None:
        self.played.append((sound, volume))

    def stop(self) -> None: ...

    def close(self) -> None: ...


def plausible(sound: bytes, text: str) -> None:
    assert wav.rms_dbfs(sound) > FLOOR_DBFS, text
    seconds = wav.duration_s(sound)
    # Thai runs ~ 10-20 characters a second at 150 wpm, English ~ 12-18: generous bounds on both sides
    assert len(text) / 40 < seconds < len(text) / 3 + 2, (text, seconds)


class SpyVoice(EspeakVoice):
    def __init__(self) -> None:
        super().__init__()
        self.used: list[tuple[str, str]] = []

    def render(self, text: str, language: str) -> bytes:
        self.used.append((language, self.voice_for(language)))
        return super().render(text, language)


@pytest.mark.parametrize("language", ["th", "en"])
def test_every_error_reason_is_spoken_in_the_screens_language(language: str) -> None:
    _ = translator(language)
    voice = SpyVoice()
    guide = Guide(voice, None)
    for _reason, (title, advice) in sorted(ERRORS.items()):
        text = f"{_(title)} {_(advice)}"
        sound = guide.render((Segment(language, text),))
        plausible(sound, text)
    assert {used for used in voice.used} == {(language, language)}


def test_an_unknown_voice_is_unavailable_not_a_crash() -> None:
    with pytest.raises(AudioUnavailable):
        EspeakVoice(voices={"th": "no-such-voice"}).render("ทดสอบ", "th")
    with pytest.raises(AudioUnavailable):
        EspeakVoice("no-such-espeak").render("test", "en")


def test_a_prompt_is_rendered_once_and_kept_in_memory() -> None:
    voice = SpyVoice()
    guide = Guide(voice, None)
    prompt = (Segment("th", "แตะหน้าจอเพื่อเริ่ม"), Segment("en", "Touch the screen to start"))
    first = guide.render(prompt)
    again = guide.render(prompt)
    assert first == again and voice.used == [("th", "th"), ("en", "en")]
    with wave.open(BytesIO(first)) as w:  # a proper header: the standard reader takes it
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2) and w.getnframes() > w.getframerate()


def test_the_guide_plays_replays_and_resets_the_volume_for_the_next_person() -> None:
    out = Recorder()
    guide = Guide(SpyVoice(), out, volume=AudioSection().volume)
    guide.say((Segment("en", "Choose a service"),))
    guide.louder()
    guide.close()
    assert len(out.played) >= 1 and out.played[-1][1] > AudioSection().volume
    guide.reset()
    assert guide.volume == AudioSection().volume


def test_a_failing_voice_leaves_the_kiosk_silent_and_says_why() -> None:
    out = Recorder()
    guide = Guide(EspeakVoice("no-such-espeak"), out)
    guide.say((Segment("th", "ทดสอบ"),))
    guide.close()
    assert out.played == [] and guide.failure == "unavailable"
