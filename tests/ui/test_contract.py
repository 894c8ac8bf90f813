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


def test_the_inactivity_warning_covers_any_screen_and_only_more_time_is_touchable(text: Text) -> None:
    surface = pygame.Surface((800, 480))
    view = KioskView(text)
    view.show("menu", {"warning_s": 12})
    view.draw(surface)
    assert [h.event for h in view.controls] == [Tapped("more_time")]


def test_every_face_guidance_and_liveness_prompt_has_words() -> None:
    quality = pytest.importorskip("kiosk.face.quality")
    liveness = pytest.importorskip("kiosk.face.liveness")
    from kiosk.ui.screens.identity import FACE_HINTS, LIVENESS

    assert {h.value for h in quality.Hint} <= set(FACE_HINTS)
    assert {a.value for a in liveness.Action} <= set(LIVENESS)


def test_every_liveness_failure_has_its_own_words_in_thai_and_english() -> None:
    """What the citizen reads after each way a liveness challenge can fail (kiosk.face.liveness.Failure, mapped by
    the journeys' FACE_RETRY_REASONS): a message of its own, not the catch-all, translated into Thai."""
    liveness = pytest.importorskip("kiosk.face.liveness")
    identity = pytest.importorskip("kiosk.flows.identity")
    from kiosk.ui.i18n import translator

    th, en = translator("th"), translator("en")
    from kiosk.face.flash import FlashFailure

    for failure in [*liveness.Failure, *FlashFailure]:
        reason = identity.FACE_RETRY_REASONS.get(failure.value, "not in FACE_RETRY_REASONS")
        assert reason in ERRORS and ERRORS[reason] != ERRORS["failed"], failure
        for words in ERRORS[reason]:
            assert any("\u0e00" <= ch <= "\u0e7f" for ch in th(words)), (failure, words)
            assert en(words) == words
    assert ERRORS["liveness_broken_motion"][1] == "Turn your head slowly and keep your face in the frame."
    assert ERRORS["liveness_face_changed"][1] == "Only the card holder can use this service."


def test_every_fingerprint_prompt_and_quality_hint_has_words() -> None:
    finger = pytest.importorskip("kiosk.drivers.finger")
    from kiosk.ui.screens.identity import FINGER_HINTS

    codes = {p.value for p in finger.FingerPrompt} | {h for h in finger.QUALITY_HINTS.values() if h}
    assert codes <= set(FINGER_HINTS)
