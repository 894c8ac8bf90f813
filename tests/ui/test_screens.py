"""Every screen draws in both languages, at every supported panel size and in large text, inside its area."""

from __future__ import annotations

import pygame
import pytest

from kiosk.ui.layout import Layout
from kiosk.ui.text import Text
from kiosk.ui.view import FALLBACK, KioskView, registry
from tests.ui.samples import SAMPLES

SIZES = [(800, 480), (1024, 600), (1280, 800)]


def test_every_screen_has_sample_data() -> None:
    assert set(registry()) == set(SAMPLES)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
@pytest.mark.parametrize("language", ["th", "en"])
def test_screens_draw_controls_inside_the_screen_and_big_enough(
    text: Text, size: tuple[int, int], large: bool, language: str
) -> None:
    surface = pygame.Surface(size)
    view = KioskView(text, language=language, large_text=large)
    minimum = Layout(surface.get_rect(), large).px(44)
    for name, data in SAMPLES.items():
        view.show(name, data)
        view.draw(surface, now_s=1.0)
        for hit in view.controls:
            assert surface.get_rect().contains(hit.rect), (name, hit)
            if hit.event.action != "start":
                assert min(hit.rect.size) >= minimum, (name, hit.event, hit.rect.size, minimum)


def test_a_screen_drawn_into_a_sub_area_stays_there(text: Text) -> None:
    """The simulator draws the kiosk beside its panel: nothing may spill outside the kiosk's rectangle."""
    surface = pygame.Surface((1300, 600))
    surface.fill((255, 0, 255))
    area = pygame.Rect(10, 20, 800, 480)
    view = KioskView(text)
    for name, data in SAMPLES.items():
        view.show(name, data)
        view.draw(surface, area, now_s=0.3)
        outside = surface.copy()
        pygame.draw.rect(outside, (255, 0, 255), area)
        assert pygame.mask.from_threshold(outside, (255, 0, 255), (1, 1, 1, 255)).count() == 1300 * 600, name
        assert all(area.contains(h.rect) for h in view.controls), name


def test_unknown_screen_falls_back_to_out_of_service(text: Text) -> None:
    surface = pygame.Surface((800, 480))
    view = KioskView(text)
    view.show("no_such_screen", {})
    view.draw(surface)
    fallback = surface.copy()
    view.show(FALLBACK, {})
    view.draw(surface)
    assert pygame.image.tobytes(surface, "RGB") == pygame.image.tobytes(fallback, "RGB")
    assert view.controls == []


def test_the_language_changes_what_is_drawn(text: Text) -> None:
    a, b = pygame.Surface((800, 480)), pygame.Surface((800, 480))
    view = KioskView(text, language="th")
    view.show("insert_card", {})
    view.draw(a, now_s=0.0)
    view.language = "en"
    view.show("insert_card", {})
    view.draw(b, now_s=0.0)
    assert pygame.image.tobytes(a, "RGB") != pygame.image.tobytes(b, "RGB")


def test_progress_screens_keep_animating_while_waiting(text: Text) -> None:
    """Anything that may take more than half a second shows visible motion, so the screen never looks frozen."""
    surface = pygame.Surface((800, 480))
    view = KioskView(text)
    for name in ("reading_card", "working", "printing", "insert_card", "face_capture", "liveness"):
        view.show(name, {k: v for k, v in SAMPLES[name].items() if k != "progress"})
        view.draw(surface, now_s=0.1)
        first = pygame.image.tobytes(surface, "RGB")
        assert view.needs_redraw, name
        view.draw(surface, now_s=0.6)
        if name not in ("face_capture", "liveness"):  # the camera screens move with their frames
            assert pygame.image.tobytes(surface, "RGB") != first, name


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_activation_qr_on_screen_decodes_to_its_payload(text: Text, size: tuple[int, int]) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    import numpy as np

    payload = "THAID:KIT:" + "Ab3-" * 30
    surface = pygame.Surface(size)
    view = KioskView(text)
    view.show("activation_qr", {"qr": payload, "code": "AB12-CD34"})
    view.draw(surface)
    pixels = np.ascontiguousarray(pygame.surfarray.array3d(surface).transpose(1, 0, 2))
    found = zxingcpp.read_barcodes(pixels)
    assert [r.text for r in found] == [payload]


@pytest.mark.parametrize("colour", ["red", "green", "blue", "white", "off"])
@pytest.mark.parametrize("language", ["th", "en"])
def test_the_screen_flash_lights_the_whole_screen_and_keeps_cancel(text: Text, colour: str, language: str) -> None:
    """While the face service asks for a colour, most of the screen shows it; the words say why; Cancel stays."""
    from kiosk.ui.screens.identity import FLASH_COLOURS

    surface = pygame.Surface((800, 480))
    view = KioskView(text, language=language)
    view.show("liveness", {"prompt": f"flash_{colour}"})
    view.draw(surface, now_s=1.0)
    pixels = pygame.surfarray.array3d(surface).reshape(-1, 3)
    lit = (pixels == FLASH_COLOURS[colour]).all(axis=1).mean()
    assert lit > 0.7, (colour, lit)
    assert sorted(h.event.action for h in view.controls) == ["cancel", "listen_again"]
    words = {"th": "แสงจากจอช่วยยืนยันว่าท่านมาด้วยตนเอง", "en": "its light checks that you are here in person"}
    assert any(words[language] in t for t in view.texts), view.texts


@pytest.mark.parametrize(
    ("language", "done", "next_step"),
    [
        ("th", "กำลังพิมพ์ 40%", "อย่าดึงกระดาษ เมื่อเครื่องหยุดแล้ว ค่อยฉีกออกเบา ๆ ที่ช่องพิมพ์"),
        ("en", "Printing: 40%", "Do not pull the paper: when it stops, tear it off gently at the slot."),
    ],
)
def test_printing_shows_how_far_it_is_and_what_comes_next(text: Text, language: str, done: str, next_step: str) -> None:
    surface = pygame.Surface((800, 480))
    view = KioskView(text, language=language)
    view.show("printing", {"document": "tr14_1", "document_no": "TR14-2569-X7Q2", "progress": 0.4})
    view.draw(surface, now_s=0.1)
    drawn = " ".join(view.texts)
    assert done in drawn and next_step in drawn
    view.show("printing", {"document": "tr14_1", "document_no": "TR14-2569-X7Q2"})
    view.draw(surface, now_s=0.1)
    assert "%" not in " ".join(view.texts)  # before the printer reports, no made-up figure
