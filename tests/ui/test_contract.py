"""The screens cover what the journeys ask for: every screen name, error reason and service in `kiosk.flows`."""

from __future__ import annotations

import pygame
import pytest

from kiosk.ui.events import Tapped
from kiosk.ui.screens.common import ERRORS, SERVICES
from kiosk.ui.text import Text
from kiosk.ui.view import KioskView, registry

flows_screens = pytest.importorskip("kiosk.flows.screens")


def test_every_screen_the_journeys_name_is_drawn() -> None:
    missing = sorted(set(flows_screens.SCREENS) - set(registry()))
    assert not missing, f"screens the journeys use but the UI lacks: {missing}"


def test_every_error_reason_is_explained() -> None:
    missing = sorted(set(flows_screens.ERROR_REASONS) - set(ERRORS))
    assert not missing, f"error reasons without a message: {missing}"


def test_every_service_on_the_menu_has_a_label() -> None:
    from kiosk.flows.context import SERVICES as FLOW_SERVICES

    assert set(FLOW_SERVICES) <= set(SERVICES)


def test_the_inactivity_warning_covers_any_screen_and_only_continue_is_touchable(text: Text) -> None:
    surface = pygame.Surface((800, 480))
    view = KioskView(text)
    view.show("menu", {"warning_s": 12})
    view.draw(surface)
    assert [h.event for h in view.controls] == [Tapped("continue")]


def test_every_face_guidance_and_liveness_prompt_has_words() -> None:
    quality = pytest.importorskip("kiosk.face.quality")
    liveness = pytest.importorskip("kiosk.face.liveness")
    from kiosk.ui.screens.identity import FACE_HINTS, LIVENESS

    assert {h.value for h in quality.Hint} <= set(FACE_HINTS)
    assert {a.value for a in liveness.Action} <= set(LIVENESS)


def test_every_fingerprint_prompt_and_quality_hint_has_words() -> None:
    finger = pytest.importorskip("kiosk.drivers.finger")
    from kiosk.ui.screens.identity import FINGER_HINTS

    codes = {p.value for p in finger.FingerPrompt} | {h for h in finger.QUALITY_HINTS.values() if h}
    assert codes <= set(FINGER_HINTS)
