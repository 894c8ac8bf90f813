"""The spoken guidance of every screen, derived from what the screen draws: its title and catalogue sentences in
the screen's language, each button with its colour and place, nothing personal; rendered by the real espeak-ng as
sound of a plausible length in the voice of the screen's language."""

from __future__ import annotations

import shutil
from typing import Any

import pygame
import pytest

from kiosk.drivers.audio import EspeakVoice, wav
from kiosk.drivers.audio.guide import Guide, Prompt
from kiosk.ui.i18n import translator
from kiosk.ui.screens.common import ERRORS
from kiosk.ui.speech import BILINGUAL, UNLISTED, prompt_for
from kiosk.ui.text import Text
from kiosk.ui.view import KioskView
from tests.ui.samples import SAMPLES

SIZE = (800, 480)


def spoken(text: Text, name: str, data: dict[str, Any], language: str, high_contrast: bool = False) -> Prompt:
    view = KioskView(text, language=language, high_contrast=high_contrast)
    view.show(name, data)
    view.draw(pygame.Surface(SIZE), now_s=1.0)
    return prompt_for(
        name,
        data,
        language=language,
        title=view.title,
        texts=view.texts,
        hits=view.controls,
        area=pygame.Rect((0, 0), SIZE),
        high_contrast=view.high_contrast,
    )


def words(prompt: Prompt) -> str:
    return " ".join(seg.text for seg in prompt)


@pytest.mark.parametrize("language", ["th", "en"])
def test_every_screen_has_a_prompt_in_its_language_from_its_own_words(text: Text, language: str) -> None:
    for name, data in SAMPLES.items():
        prompt = spoken(text, name, data, language)
        assert prompt, name
        if name not in BILINGUAL:
            assert prompt[0].language == language, (name, prompt)
        said = words(prompt)
        assert "_" not in said, (name, said)  # no developer key
        view = KioskView(text, language=language)
        view.show(name, data)
        view.draw(pygame.Surface(SIZE), now_s=1.0)
        if any(h.label and h.kind != "header" and h.event.action not in UNLISTED for h in view.controls):
            tap = translator("en" if name in BILINGUAL else language)("Tap the {colour} button “{label}” {place}.")
            assert tap.split("{")[0] in said, (name, said)


def test_the_prompt_says_which_button_is_where(text: Text) -> None:
    th = words(spoken(text, "timeout_warning", SAMPLES["timeout_warning"], "th"))
    assert "แตะปุ่มสีน้ำเงิน “ขอเวลาเพิ่ม” ที่ขอบล่างสุดและด้านขวา" in th and "ต้องการเวลาเพิ่มหรือไม่" in th
    en = words(spoken(text, "timeout_warning", SAMPLES["timeout_warning"], "en"))
    # the footer is below the bottom third's middle: its buttons are at the bottom edge, left and right
    assert "Tap the blue button “More time” at the very bottom, on the right." in en
    assert "Tap the grey button “Finish” at the very bottom, on the left." in en
    # three in a row (the loudspeaker, Finish, More time): the loudspeaker is told apart from Finish
    assert "To hear this again, tap “Listen again” at the very bottom, the first of five from the left." in en
    both = spoken(text, "language", {}, "th")
    assert [s.language for s in both] == ["th", "en"] and "Louder" in both[1].text and "ดังขึ้น" in both[0].text


def test_a_label_drawn_in_both_languages_is_said_in_the_prompts_own() -> None:
    both = spoken(Text(), "language", {}, "th")
    assert "“ดังขึ้น”" in both[0].text and "Louder" not in both[0].text.split("“ดังขึ้น”")[0][-40:]
    assert "“Louder”" in both[1].text and "ดังขึ้น ·" not in both[1].text


def test_in_high_contrast_the_prompt_names_the_colours_drawn(text: Text) -> None:
    en = words(spoken(text, "timeout_warning", SAMPLES["timeout_warning"], "en", high_contrast=True))
    assert "Tap the yellow button “More time” at the very bottom, on the right." in en  # yellow fill on black
    assert "Tap the black button “Finish” at the very bottom, on the left." in en  # black, outlined in white
    assert "blue" not in en and "grey" not in en
    th = words(spoken(text, "timeout_warning", SAMPLES["timeout_warning"], "th", high_contrast=True))
    assert "แตะปุ่มสีเหลือง “ขอเวลาเพิ่ม”" in th and "สีน้ำเงิน" not in th


@pytest.mark.parametrize("language", ["th", "en"])
def test_no_name_id_or_address_is_ever_spoken(text: Text, language: str) -> None:
    data = SAMPLES["card_data"]
    said = words(spoken(text, "card_data", data, language))
    for key in ("name_th", "name_en", "citizen_id", "address"):
        assert data[key] not in said
    for part in (*data["name_th"].split(), *data["name_en"].split()[1:]):
        assert part not in said, part
    assert not any(ch.isdigit() for ch in said.replace("1, 2", "").replace("1 2 3", "")), said


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed (scripts/setup)")
@pytest.mark.parametrize("language", ["th", "en"])
def test_every_screen_and_error_is_spoken_as_real_sound_in_its_voice(text: Text, language: str) -> None:
    voice = EspeakVoice()
    guide = Guide(voice, None)
    cases = [(name, data) for name, data in SAMPLES.items()]
    cases += [("error", {"reason": reason}) for reason in sorted(ERRORS)]
    for name, data in cases:
        prompt = spoken(text, name, data, language)
        sound = guide.render(prompt)
        chars = len(words(prompt))
        assert wav.rms_dbfs(sound) > -40.0, (name, data)
        assert chars / 40 < wav.duration_s(sound) < chars / 3 + 2, (name, chars, wav.duration_s(sound))
        if name not in BILINGUAL:
            assert voice.voice_for(prompt[0].language) == language
        if name == "error":
            title = translator(language)(ERRORS[data["reason"]][0])
            assert title in words(prompt), (data, words(prompt))
