"""Touches become events on the runner's queue; preferences apply at once; digits are never drawn, only dots."""

from __future__ import annotations

import pygame

from kiosk.runner import FakeClock, Runner, Tick
from kiosk.ui.events import Tapped
from kiosk.ui.loop import ScreenLoop
from kiosk.ui.port import ScreenPort
from kiosk.ui.text import Text
from kiosk.ui.view import KioskView
from tests.ui.samples import SAMPLES


def make(text: Text, size: tuple[int, int] = (800, 480)) -> tuple[ScreenLoop, list[object], pygame.Surface]:
    runner = Runner(FakeClock())
    seen: list[object] = []
    runner.subscribe(lambda ev, now: seen.append(ev))
    surface = pygame.Surface(size)
    loop = ScreenLoop(KioskView(text), runner, ScreenPort(), area=surface.get_rect())
    return loop, seen, surface


def taps(seen: list[object]) -> list[Tapped]:
    return [e for e in seen if isinstance(e, Tapped)]


def click(loop: ScreenLoop, pos: tuple[int, int]) -> None:
    loop.handle(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=pos))


def centre_of(loop: ScreenLoop, action: str, value: str = "") -> tuple[int, int]:
    for h in loop.view.controls:
        if h.event == Tapped(action, value):
            return h.rect.center
    raise AssertionError(f"no control {action}:{value} on {loop.view.state.name}")


def test_keypad_touches_post_digits_in_order(text: Text) -> None:
    loop, seen, surface = make(text)
    loop.port.show("passcode", {"purpose": "set", "entered": 0, "length": 8})
    loop.step(surface)
    for d in "25806":
        click(loop, centre_of(loop, "digit", d))
    click(loop, centre_of(loop, "backspace"))
    loop.step(surface)
    assert [(t.action, t.value) for t in taps(seen)] == [("digit", d) for d in "25806"] + [("backspace", "")]
    assert any(isinstance(e, Tick) for e in seen), "the loop keeps the journeys' clock ticking"


def test_ok_is_only_touchable_with_every_digit_entered(text: Text) -> None:
    loop, _, surface = make(text)
    loop.port.show("passcode", {"entered": 7, "length": 8})
    loop.step(surface)
    assert all(h.event.action != "ok" for h in loop.view.controls)
    loop.port.show("passcode", {"entered": 8, "length": 8})
    loop.step(surface)
    assert any(h.event.action == "ok" for h in loop.view.controls)


def test_touch_on_a_resized_panel_hits_the_same_key(text: Text) -> None:
    loop, seen, surface = make(text, (1280, 800))
    loop.port.show("passcode", {"entered": 0, "length": 8})
    loop.step(surface)
    click(loop, centre_of(loop, "digit", "7"))
    loop.step(surface)
    assert taps(seen) == [Tapped("digit", "7")]


def test_touch_screen_finger_events_are_mapped_from_fractions(text: Text) -> None:
    pygame.display.set_mode((800, 480))
    loop, seen, surface = make(text)
    loop.port.show("language", {})
    loop.step(surface)
    x, y = centre_of(loop, "language", "en")
    loop.handle(pygame.event.Event(pygame.FINGERUP, x=x / 800, y=y / 480, touch_id=0, finger_id=0))
    loop.step(surface)
    assert taps(seen) == [Tapped("language", "en")]
    assert loop.view.language == "en"


def test_language_and_large_text_switches_apply_at_once_and_reach_the_journeys(text: Text) -> None:
    loop, seen, surface = make(text)
    loop.port.show("menu", SAMPLES["menu"])
    loop.step(surface)
    normal = next(h.rect for h in loop.view.controls if h.event.action == "service")
    click(loop, centre_of(loop, "language", "en"))
    click(loop, centre_of(loop, "large_text", "on"))
    assert loop.view.language == "en" and loop.view.large_text
    loop.step(surface)
    assert taps(seen) == [Tapped("language", "en"), Tapped("large_text", "on")]
    # In large text the menu's tiles grow (defect 3: they halved), and the services that no longer fit are paged.
    first = next(h.rect for h in loop.view.controls if h.event.action == "service")
    assert first.height > normal.height and first.width >= normal.width
    assert any(h.event.action == "view_page" for h in loop.view.controls)


def test_disabled_services_cannot_be_touched(text: Text) -> None:
    loop, _seen, surface = make(text)
    loop.port.show("menu", {"services": [{"id": "thaid", "enabled": True}, {"id": "booking", "enabled": False}]})
    loop.step(surface)
    assert [h.event for h in loop.view.controls if h.event.action == "service"] == [Tapped("service", "thaid")]


def test_a_click_outside_the_kiosk_area_is_not_a_touch(text: Text) -> None:
    runner = Runner(FakeClock())
    seen: list[object] = []
    runner.subscribe(lambda ev, now: seen.append(ev))
    surface = pygame.Surface((1200, 480))
    loop = ScreenLoop(KioskView(text), runner, ScreenPort(), area=pygame.Rect(0, 0, 800, 480))
    loop.port.show("attract", {})
    loop.step(surface)
    click(loop, (1000, 200))
    click(loop, (400, 200))
    loop.step(surface)
    assert taps(seen) == [Tapped("start")]


def test_passcode_shows_one_dot_per_digit_and_no_digits(text: Text) -> None:
    loop, _, surface = make(text)
    dots_area = None
    for entered in (0, 3, 8):
        loop.port.show("passcode", {"entered": entered, "length": 8})
        loop.step(surface)
        L = loop.view
        assert L.state.data["entered"] == entered
        body = pygame.Rect(20, 70, 300, 40)  # where the dots are drawn at 800×480 (left column, top)
        dots_area = surface.subsurface(body).copy()
        dark = pygame.mask.from_threshold(dots_area, (20, 24, 33), (40, 40, 40, 255))
        # Each filled dot is a solid disc: count connected dark blobs.
        assert len(dark.connected_components(minimum=20)) == entered
    assert dots_area is not None


def test_typing_digits_on_a_keyboard_works_on_keypad_screens_only(text: Text) -> None:
    loop, seen, surface = make(text)
    loop.port.show("menu", {})
    loop.step(surface)
    loop.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_5, unicode="5", mod=0, scancode=0))
    loop.port.show("citizen_id_entry", {"digits": ""})
    loop.step(surface)
    loop.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_5, unicode="5", mod=0, scancode=0))
    loop.step(surface)
    assert taps(seen) == [Tapped("digit", "5")]


def test_a_touch_counts_once_though_sdl_also_reports_it_as_a_click(text: Text) -> None:
    pygame.display.set_mode((800, 480))
    loop, seen, surface = make(text)
    loop.port.show("language", {})
    loop.step(surface)
    x, y = centre_of(loop, "language", "en")
    loop.handle(pygame.event.Event(pygame.FINGERUP, x=x / 800, y=y / 480, touch_id=0, finger_id=0))
    loop.handle(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=(x, y), touch=True))
    loop.step(surface)
    assert taps(seen) == [Tapped("language", "en")]


def test_the_next_person_starts_in_thai_with_normal_text(text: Text) -> None:
    loop, _, surface = make(text)
    loop.port.show("menu", {})
    loop.step(surface)
    click(loop, centre_of(loop, "language", "en"))
    click(loop, centre_of(loop, "large_text", "on"))
    loop.port.show("thank_you", {})
    loop.step(surface)
    assert loop.view.language == "en" and loop.view.large_text
    loop.port.show("attract", {})
    loop.step(surface)
    assert loop.view.language == "th" and not loop.view.large_text


def test_the_screen_history_stays_bounded_and_since_still_answers() -> None:
    from kiosk.ui.port import HISTORY_KEPT, ScreenPort

    port = ScreenPort()
    for i in range(HISTORY_KEPT * 3):
        port.show("menu" if i % 2 else "attract")
    mark = port.serial
    assert len(port.history) <= HISTORY_KEPT
    port.show("error")
    assert port.since(mark) == ["error"]
    assert port.take() is not None and port.take() is None


def test_a_touched_key_shows_pressed_for_a_few_frames_then_not(text: Text) -> None:
    loop, _, surface = make(text)
    loop.port.show("passcode", {"entered": 0, "length": 8})
    loop.step(surface, now_s=0.0)
    cx, cy = centre_of(loop, "digit", "5")
    key = next(h.rect for h in loop.view.controls if h.event == Tapped("digit", "5"))
    x, y = key.left + 8, cy  # beside the digit's glyph, on the key's face
    before = surface.get_at((x, y))
    click(loop, (cx, cy))
    loop.step(surface, now_s=0.1)
    pressed = surface.get_at((x, y))
    assert sum(pressed[:3]) < sum(before[:3]), "the key darkens under the finger"
    for i in range(6):
        loop.step(surface, now_s=0.2 + i * 0.03)
    assert surface.get_at((x, y)) == before
