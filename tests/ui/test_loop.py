"""The frame loop never waits for device work: jobs run in the runner's pool and their results arrive as events."""

from __future__ import annotations

import threading

import pygame

from kiosk.runner import Runner, SystemClock
from kiosk.ui.events import Tapped
from kiosk.ui.loop import ScreenLoop
from kiosk.ui.port import ScreenPort
from kiosk.ui.text import Text
from kiosk.ui.view import KioskView


def test_frames_keep_coming_while_a_device_job_blocks(text: Text) -> None:
    runner = Runner(SystemClock())
    port = ScreenPort()
    release = threading.Event()
    done: list[object] = []

    def device_job() -> object:
        # Blocks until the test has seen frames drawn meanwhile; a loop that waited for it would never get there.
        assert release.wait(timeout=10), "the frame loop was blocked behind the device job"
        return "read"

    def journey(event: object, now: float) -> None:
        if isinstance(event, Tapped) and event.action == "start":
            port.show("reading_card", {})
            runner.spawn("read card", device_job)
        elif event == "read":
            done.append(event)
            port.show("card_data", {})

    runner.subscribe(journey)
    surface = pygame.Surface((800, 480))
    loop = ScreenLoop(KioskView(text), runner, port, area=surface.get_rect())
    loop.step(surface, now_s=0.0)
    loop.pointer((400, 240))  # the attract screen: a touch anywhere starts
    drawn_while_busy = 0
    for i in range(1, 20):
        if loop.step(surface, now_s=i * 0.05):
            drawn_while_busy += 1
    assert loop.view.state.name == "reading_card"
    assert drawn_while_busy >= 10, "the spinner is redrawn every frame while the card is read"
    release.set()
    for i in range(200):
        loop.step(surface, now_s=2 + i * 0.05)
        if done:
            break
        threading.Event().wait(0.01)
    assert done and loop.view.state.name == "card_data"
    runner.close()


class SaidGuide:
    """Records what the loop asks of the guidance (the real one is tested with espeak-ng in tests/test_audio.py)."""

    def __init__(self) -> None:
        self.said: list[str] = []
        self.calls: list[str] = []

    def say(self, prompt: object) -> None:
        self.said.append(" ".join(seg.text for seg in prompt))  # type: ignore[attr-defined]

    def replay(self) -> None:
        self.calls.append("replay")

    def louder(self) -> None:
        self.calls.append("louder")

    def quieter(self) -> None:
        self.calls.append("quieter")

    def reset(self) -> None:
        self.calls.append("reset")


def test_each_new_screen_is_spoken_once_and_the_buttons_replay_and_change_volume(text: Text) -> None:
    runner = Runner(SystemClock())
    port = ScreenPort()
    guide = SaidGuide()
    surface = pygame.Surface((800, 480))
    loop = ScreenLoop(KioskView(text), runner, port, area=surface.get_rect(), guide=guide)  # type: ignore[arg-type]
    loop.step(surface, now_s=0.0)
    assert guide.calls == ["reset"] and "แตะหน้าจอเพื่อเริ่ม" in guide.said[0]
    port.show("language", {})
    loop.step(surface, now_s=0.1)
    loop.step(surface, now_s=0.2)
    assert len(guide.said) == 2 and "Choose a language" in guide.said[1]
    loop.tap(Tapped("volume", "up"))
    loop.tap(Tapped("volume", "down"))
    port.show("timeout_warning", {"seconds_left": 30})
    loop.step(surface, now_s=0.3)
    port.show("timeout_warning", {"seconds_left": 29})  # the countdown is not news
    loop.step(surface, now_s=1.3)
    assert len(guide.said) == 3 and "ต้องการเวลาเพิ่มหรือไม่" in guide.said[2]
    loop.tap(Tapped("listen_again"))
    assert guide.calls == ["reset", "louder", "quieter", "replay"]
    runner.close()


def test_a_touch_goes_where_the_calibration_matrix_puts_it(text: Text) -> None:
    """A panel mounted a quarter-turn from the display: [ui] touch_matrix = [0, 1, 0, -1, 0, 1] turns the panel's
    fractions into the screen's (libinput's convention), so a finger lands on the control drawn under it."""
    runner = Runner(SystemClock())
    taps: list[tuple[int, int]] = []
    surface = pygame.display.set_mode((800, 480))
    loop = ScreenLoop(KioskView(text), runner, ScreenPort(), area=surface.get_rect(), touch_matrix=(0, 1, 0, -1, 0, 1))
    loop.pointer = taps.append  # type: ignore[method-assign]
    loop.handle(pygame.event.Event(pygame.FINGERUP, x=0.25, y=0.5, touch_id=1, finger_id=1, dx=0, dy=0))
    loop.handle(pygame.event.Event(pygame.FINGERUP, x=1.0, y=0.0, touch_id=1, finger_id=1, dx=0, dy=0))
    assert taps == [(400, 360), (0, 0)]  # (0.5, 0.75) of 800×480; the corner is kept on the screen
    plain = ScreenLoop(KioskView(text), runner, ScreenPort(), area=surface.get_rect())
    plain.pointer = taps.append  # type: ignore[method-assign]
    plain.handle(pygame.event.Event(pygame.FINGERUP, x=0.25, y=0.5, touch_id=1, finger_id=1, dx=0, dy=0))
    assert taps[-1] == (200, 240)
    runner.close()
