"""The card photo's long read as the person sees it: the driver's progress reaches the reading screen's data, only
ever forward and never past the end, on every journey's reading stage, and nowhere else."""

from __future__ import annotations

import math

from kiosk.drivers import card as card_driver
from kiosk.flows import enrol_officer, enrol_self, extract
from kiosk.flows.events import CardInserted, CardProgress, CardRead, Tapped
from tests.flows.fakes import IDENTITY, NAMES, PORTRAIT
from tests.flows.harness import CARD, Run
from tests.flows.kit import Kiosk


def reading(run: Run) -> Run:  # type: ignore[type-arg]
    assert run.screen.name == "reading_card", run.screen
    return run


def test_progress_moves_the_reading_screen_forward_only_and_stops_at_the_end() -> None:
    run = Run.start(enrol_self.FLOW).send(Tapped("accept"), CardInserted())
    reading(run)
    assert "progress" not in run.screen.data  # how long is unknown until the photo's read starts
    shown = []
    for fraction in (0.05, 0.4, 0.3, 0.75, 1.4, math.nan, -2.0, 1.0):
        run.send(CardProgress(fraction))
        shown.append(run.screen.data["progress"])
    assert shown == [0.05, 0.4, 0.4, 0.75, 1.0, 1.0, 1.0, 1.0]
    run.send(CardRead(CARD))
    assert run.screen.name == "card_data" and "progress" not in run.screen.data  # the next step starts afresh


def test_every_journeys_reading_stage_shows_progress_and_other_stages_ignore_it() -> None:
    run = Run.start(extract.FLOW).send(Tapped("document", "tr14_1"), Tapped("accept"), CardInserted())
    assert reading(run).send(CardProgress(0.5)).screen.data["progress"] == 0.5
    officer = Run.start(enrol_officer.FLOW).send(Tapped("sign_in", "card"), CardInserted())
    assert reading(officer).send(CardProgress(0.25)).screen.data["progress"] == 0.25
    consent = Run.start(enrol_self.FLOW)
    assert consent.screen.name == "consent"
    assert "progress" not in consent.send(CardProgress(0.5)).screen.data


def test_the_drivers_photo_progress_reaches_the_screen_through_the_runner() -> None:
    k = Kiosk()
    try:
        k.tap("start").tap("language", "en").tap("service", "thaid").on("consent").tap("accept").on("insert_card")
        k.post(card_driver.CardInserted("Virtual PCD", b"\x3b\x67"), card_driver.CardNamesRead(NAMES))
        k.post(card_driver.CardIdentityRead(IDENTITY))
        seen = []
        for fraction in (0.1, 0.55, 1.0):
            k.post(card_driver.CardPhotoProgress(fraction))
            k.on("reading_card", progress=fraction)
            seen.append(k.data["progress"])
        assert seen == [0.1, 0.55, 1.0] and k.data["name"] == "Mr. Somchai"  # the name-first greeting stays
        k.post(card_driver.CardPhotoRead(PORTRAIT)).on("card_data")
    finally:
        k.close()


def test_a_read_already_under_way_when_the_journey_asks_shows_how_far_it_has_got() -> None:
    """The watcher reads every insertion at once: a card inserted before the journey asks for it is part read."""
    k = Kiosk()
    try:
        k.post(card_driver.CardInserted("Virtual PCD", b"\x3b\x67"), card_driver.CardNamesRead(NAMES))
        k.post(card_driver.CardIdentityRead(IDENTITY), card_driver.CardPhotoProgress(0.6))
        k.tap("start").tap("language", "th").tap("service", "thaid").on("consent").tap("accept")
        k.on("reading_card", progress=0.6)
        k.post(card_driver.CardPhotoRead(PORTRAIT)).on("card_data")
    finally:
        k.close()
