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
    "start",
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
