"""Real progress on long work, as a person sees and hears it: every screen whose data holds `progress` draws the one
progress bar with its words and percentage in the screen's language, and the spoken prompt never says a percentage
(a replay would say a stale one) nor is it said again as the bar moves."""

from __future__ import annotations

import pygame

from kiosk.flows.screens import SCREENS
from kiosk.runner import Runner, SystemClock
from kiosk.ui.loop import ScreenLoop
from kiosk.ui.port import ScreenPort
from kiosk.ui.text import Text
from kiosk.ui.view import KioskView
from tests.ui.test_loop import SaidGuide

WORDS = {
    ("reading_card", "th"): "กำลังอ่านรูปถ่ายจากบัตร {pct}%",
    ("reading_card", "en"): "Reading the photo from your card: {pct}%",
    ("printing", "th"): "กำลังพิมพ์ {pct}%",
    ("printing", "en"): "Printing: {pct}%",
    ("working", "th"): "เสร็จแล้ว {pct}%",
    ("working", "en"): "Done: {pct}%",
}


def drawn(text: Text, name: str, data: dict[str, object], language: str) -> tuple[KioskView, pygame.Surface]:
    surface = pygame.Surface((800, 480))
    view = KioskView(text, language=language)
    view.show(name, data)
    view.draw(surface, now_s=0.5)
    return view, surface


def bar_fill(surface: pygame.Surface) -> int:
    """How many pixels (every fourth column) are the bar's fill colour, the primary blue."""
    from kiosk.ui import layout as C

    return sum(
        1 for y in range(surface.get_height()) for x in range(0, 800, 4) if surface.get_at((x, y))[:3] == C.PRIMARY
    )


def test_every_screen_with_progress_draws_the_bar_with_its_words_in_both_languages(text: Text) -> None:
    with_progress = sorted(name for name, keys in SCREENS.items() if "progress" in keys)
    assert with_progress == ["printing", "reading_card", "working"]
    for name in with_progress:
        for language in ("th", "en"):
            data = {"document_no": "TR141-0001-000042"} if name == "printing" else {}
            view, _ = drawn(text, name, {**data, "progress": 0.4}, language)
            assert WORDS[name, language].format(pct=40) in view.texts, (name, language, view.texts)
            _, low = drawn(text, name, {**data, "progress": 0.1}, language)
            _, high = drawn(text, name, {**data, "progress": 0.9}, language)
            # the bar itself grows: by about 0.8 of its width (two thirds of the screen's) at 20 px high
            assert bar_fill(high) - bar_fill(low) > 0.7 * (800 * 2 // 3) * 20 / 4, name
            unknown, _ = drawn(text, name, data, language)
            assert not any("%" in s for s in unknown.texts)  # no figure while how long is unknown


def test_the_printing_screen_draws_the_bar_the_print_journey_sends() -> None:
    """print2's contract: the printing screen's data holds `progress`; nothing else is needed to draw the bar."""
    assert "progress" in SCREENS["printing"]


def test_the_percentage_is_never_spoken_and_the_moving_bar_is_not_news(text: Text) -> None:
    runner = Runner(SystemClock())
    port = ScreenPort()
    guide = SaidGuide()
    surface = pygame.Surface((800, 480))
    loop = ScreenLoop(KioskView(text, language="en"), runner, port, area=surface.get_rect(), guide=guide)  # type: ignore[arg-type]
    try:
        port.show("reading_card", {"who": "citizen", "name": "Mr. Somchai"})
        loop.step(surface, now_s=0.0)
        for i in range(1, 21):
            port.show("reading_card", {"who": "citizen", "name": "Mr. Somchai", "progress": i / 20})
            loop.step(surface, now_s=i * 0.1)
            assert loop.view.texts.count(f"Reading the photo from your card: {round(i * 5)}%") == 1
        assert len(guide.said) == 1, guide.said
        assert "%" not in guide.said[0] and "Somchai" not in guide.said[0]  # the greeting's name is not said either
        assert "Please do not remove your card. When the card is read, the kiosk goes on by itself." in guide.said[0]
    finally:
        runner.close()
