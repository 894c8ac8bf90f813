"""Own data: verified, shown on screen page by page, never printed."""

from __future__ import annotations

from kiosk.flows import own_data
from kiosk.flows.effects import FetchRecord, Print
from kiosk.flows.events import (
    CardInserted,
    CardRead,
    CardRemoved,
    FaceCaptured,
    FaceMatched,
    LivenessDone,
    Record,
    RecordFetched,
    Tapped,
)
from tests.flows.harness import CARD, Run

RECORD = Record("own", tuple((f"field {i}", f"value {i}") for i in range(8)))


def test_verified_data_is_shown_in_pages_and_nothing_is_printed() -> None:
    run = Run.start(own_data.FLOW).send(Tapped("accept"), CardInserted(), CardRead(CARD))
    run.send(FaceCaptured(), LivenessDone(True), FaceMatched(True))
    assert FetchRecord("own", CARD.citizen_id) in run.last
    run.send(RecordFetched(RECORD))
    screen = run.screen
    assert screen.name == "own_data" and screen.data["pages"] == 2 and len(screen.data["rows"]) == 6  # type: ignore[arg-type]
    run.send(Tapped("page", "2"))
    assert run.at("rows") == [
        {"field": "field 6", "value": "value 6"},
        {"field": "field 7", "value": "value 7"},
    ]
    run.send(Tapped("page", "9"), Tapped("print"))
    assert run.at("page") == 2 and not run.all(Print)
    run.send(CardRemoved())
    assert run.stage == "closed"
