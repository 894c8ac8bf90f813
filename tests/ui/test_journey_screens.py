"""The screens against the real journeys: every state the journeys can reach draws without falling back, and every
control drawn on a journey's screen sends an action some journey (or the engine, or the view) understands."""

from __future__ import annotations

from functools import cache
from typing import Any

import pygame
import pytest

from kiosk.ui.text import Text
from kiosk.ui.view import FALLBACK, KioskView

explore_mod = pytest.importorskip("tests.flows.explore")

# Actions the journeys match on (kiosk/flows/*.py), the engine's own (keypad, cancel, continue), the view's own.
UNDERSTOOD = {
    "accept", "back", "booking", "cancel", "confirm", "day", "decline", "document", "done", "retry", "my_bookings",
    "new_booking", "office", "page", "print", "receipt", "reject", "service", "sign_in", "slot", "sign_out",
    "continue", "more_time", "listen_again", "volume", "digit", "backspace", "clear", "ok", "language", "large_text",
    "high_contrast", "view_page", "start",
}  # fmt: skip


@cache
def states(name: str) -> list[tuple[str, Any]]:
    reached = explore_mod.explore(explore_mod.FLOWS[name], limit=2500)
    out = []
    for stage, found in reached.items():
        out += [(stage, found[i]) for i in sorted({0, len(found) // 2, len(found) - 1})]
    return out


@pytest.mark.parametrize("name", sorted(explore_mod.FLOWS))
def test_every_reachable_journey_state_draws_with_understood_controls(text: Text, name: str) -> None:
    flow = explore_mod.FLOWS[name]
    surface = pygame.Surface((800, 480))
    view = KioskView(text)
    seen_screens = set()
    for stage, state in states(name):
        screen = flow.view(state, explore_mod.NOW)
        seen_screens.add(screen.name)
        view.show(screen.name, screen.data)
        view.draw(surface, now_s=1.0)
        assert screen.name == FALLBACK or view.state.name == screen.name
        actions = {h.event.action for h in view.controls}
        assert actions <= UNDERSTOOD, f"{name}.{stage} -> {screen.name}: {actions - UNDERSTOOD}"
        assert view.texts, f"{name}.{stage} -> {screen.name} drew no text"
    assert len(seen_screens) > 3


CITIZEN_JOURNEYS = ("thaid", "extract", "own_data", "booking", "thaid_officer")


@pytest.mark.parametrize("name", [n for n in CITIZEN_JOURNEYS if n in explore_mod.FLOWS])
def test_every_journey_screen_shows_its_step(text: Text, name: str) -> None:
    """Each journey declares its steps once (Flow(steps=…)); every stage it shows a screen for is in one, in order,
    and the screen says "Step n of m" ("ขั้นตอนที่ n จาก m") in the person's language."""
    flow = explore_mod.FLOWS[name]
    shown = {s for s in flow.stages if s not in ("notice", "take_card", "closed")}
    assert shown <= set(flow.steps), f"{name}: stages without a step: {sorted(shown - set(flow.steps))}"
    surface = pygame.Surface((800, 480))
    for stage, state in states(name):
        screen = flow.view(state, explore_mod.NOW)
        if screen.name in ("error", "remove_card", "thank_you", "attract", "timeout_warning", "confirm_cancel"):
            continue  # endings and interruptions are not steps
        n, m = screen.data["journey_step"], screen.data["journey_steps"]
        for lang, words in (("en", f"Step {n} of {m}"), ("th", f"ขั้นตอนที่ {n} จาก {m}")):
            view = KioskView(text, language=lang)
            view.show(screen.name, screen.data)
            view.draw(surface, now_s=1.0)
            assert words in view.texts, f"{name}.{stage} -> {screen.name} in {lang}"
