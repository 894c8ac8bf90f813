"""The contract between the journeys and the screen: every screen a journey can ask for is drawn by the UI, and
every reason the error screen can be given is explained there."""

from __future__ import annotations

import os

import pytest

from kiosk.flows.screens import ERROR_REASONS, SCREENS


def test_every_journey_screen_and_error_reason_is_drawn_by_the_ui() -> None:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pytest.importorskip("pygame", reason="the UI needs pygame-ce (the sim extra)")
    from kiosk.ui.screens.common import ERRORS
    from kiosk.ui.view import registry

    assert set(SCREENS) <= set(registry())
    assert not ERROR_REASONS - set(ERRORS)
