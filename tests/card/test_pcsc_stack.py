"""End to end through the real pcscd and pyscard: the virtual card sits behind vpcd, the driver is the kiosk's own.

One private pcscd with two virtual slots serves the module; removal at every APDU fans out to worker processes.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from kiosk.drivers.card import (
    CardData,
    CardIdentityRead,
    CardInserted,
    CardNames,
    CardPhotoMissing,
    CardPhotoRead,
    CardReadFailed,
    CardRemoved,
    CardTimeout,
    ReaderUnavailable,
)
from kiosk.drivers.card import codec as c
from kiosk.drivers.card.pcsc import PcscCardReader, read_card
from simulator import citizens as cz
from simulator.vcard.card import ATR_3B67, ATR_3B68, ATR_3B78, CardBehaviour, CardImage, Fault, ThaiIdCard
from simulator.vcard.pcscd import SOCKET_ENV, VirtualStack
from tests.card.stack import TODAY, Events, running_stack
from tests.conftest import ROOT

pytestmark = pytest.mark.stack

FULL_READ_APDUS = 63  # SELECT, 9 fields x 2, laser ID 4, photo 20 x 2 (checked in test_memory_card)
IDENTITY_APDUS = 23
SLOTS = 2  # vpcd keeps one table of slots per process: a second reader entry would overwrite the first's
REMOVAL_WORKERS = 4


@pytest.fixture(scope="module")
def stack() -> Iterator[VirtualStack]:
    with running_stack(readers=SLOTS // 2) as stack:
        yield stack


@pytest.fixture
def slot0(stack: VirtualStack) -> Iterator[str]:
    yield stack.readers[0]
    stack.remove(0)


def card_of(key: str, behaviour: CardBehaviour | None = None, **changes: object) -> ThaiIdCard:
    return ThaiIdCard(CardImage.of(cz.by_key(key), **changes), behaviour or CardBehaviour())


def wait_present(events: Events) -> CardInserted:
    event = events.next()
    assert isinstance(event, CardInserted), event
    return event


# --------------------------------------------------------------------------------------------------- good reads


@pytest.mark.parametrize("atr", [ATR_3B67, ATR_3B68, ATR_3B78], ids=["3B67", "3B68", "3B78"])
def test_full_read_through_pcscd(stack: VirtualStack, slot0: str, atr: bytes) -> None:
    citizen = cz.by_key("ruethai")
    card = card_of("ruethai", CardBehaviour(atr=atr))
    with Events(slot0) as events:
        stack.insert(card)
        inserted = wait_present(events)
        identity_event, photo_event = events.next(), events.next()
    assert inserted.atr == atr and inserted.reader == slot0
    assert isinstance(identity_event, CardIdentityRead) and isinstance(photo_event, CardPhotoRead)
    identity = identity_event.identity
    assert identity.cid == citizen.cid
    assert identity.name_th.full() == "นางฤทัยรัตน์ ภูมิผู้ใหญ่"
    assert identity.name_en.full() == "Mrs. Ruethairat Phumphuyai"
    assert str(identity.dob) == "1963-09-21" and identity.sex == "female"
    assert identity.address.soi == "ซอยบุญอุ้ม 7" and identity.address.province == "จังหวัดสมุทรปราการ"
    assert identity.laser_id == citizen.laser_id
    assert photo_event.jpeg == cz.portrait_jpeg(citizen)
    expected_p2 = c.get_response_p2(atr)
    assert all(a[3] == expected_p2 for a in card.log if a[1] == 0xC0)


def test_events_in_order_and_removal(stack: VirtualStack, slot0: str) -> None:
    with Events(slot0) as events:
        stack.insert(card_of("boonmee"))
        seen = events.until(lambda e: isinstance(e, CardPhotoRead))
        stack.remove(0)
        seen += events.until_removed()
    assert [type(e) for e in seen] == [CardInserted, CardIdentityRead, CardPhotoRead, CardRemoved]
    identity = seen[1].identity  # type: ignore[attr-defined]
    assert identity.expires is None and str(identity.dob) == "1937"


def test_a_card_already_in_the_reader_is_read_when_watching_starts(stack: VirtualStack, slot0: str) -> None:
    stack.insert(card_of("kanokwan"))
    first = PcscCardReader(lambda e: None, today=lambda: TODAY, reader=slot0)
    data = first.read_now(timeout_s=3.0)  # waits for pcscd to see the card
    assert data.cid == cz.by_key("kanokwan").cid
    with Events(slot0) as events:
        seen = events.until(lambda e: isinstance(e, CardPhotoRead))
    assert [type(e) for e in seen] == [CardInserted, CardIdentityRead, CardPhotoRead]


def test_photo_can_be_skipped(stack: VirtualStack, slot0: str) -> None:
    card = card_of("somchai")
    stack.insert(card)
    data = PcscCardReader(lambda e: None, today=lambda: TODAY, reader=slot0, read_photo=False).read_now(3.0)
    assert data.photo is None and data.name_en.first == "Somchai"
    assert card.apdu_count == IDENTITY_APDUS


def test_6a86_fallback_and_6c_through_pcscd(stack: VirtualStack, slot0: str) -> None:
    card = card_of("somsak", CardBehaviour(atr=ATR_3B68, get_response_p2=0x01, announce_256=True))
    stack.insert(card)
    PcscCardReader(lambda e: None, today=lambda: TODAY, reader=slot0).read_now(3.0)
    data = read_card(slot0, reject_expired_on=TODAY)
    assert isinstance(data, CardData) and data.name_th.middle == "วิลเลียม"
    responses = [(a[3], a[4]) for a in card.log if a[1] == 0xC0]
    assert responses[:3] == [(0x00, 0x00), (0x01, 0x00), (0x01, 13)]  # 6A 86, then 6C 0D, then the data


def test_concurrent_reads_of_one_card_do_not_interleave(stack: VirtualStack, slot0: str) -> None:
    """The watcher reads on insertion while a journey calls read_now: each read is one PC/SC transaction."""
    card = card_of("thanakorn")
    with Events(slot0) as events:
        stack.insert(card)
        assert isinstance(events.next(), CardInserted)
        results: list[CardData] = []
        readers = [
            threading.Thread(target=lambda: results.append(read_card(slot0, reject_expired_on=TODAY))) for _ in range(3)
        ]
        for t in readers:
            t.start()
        seen = events.until(lambda e: isinstance(e, CardPhotoRead | CardReadFailed))
        for t in readers:
            t.join()
    assert [type(e) for e in seen] == [CardIdentityRead, CardPhotoRead]
    assert len(results) == 3 and all(r.photo == cz.portrait_jpeg(cz.by_key("thanakorn")) for r in results)
    assert card.apdu_count == 4 * FULL_READ_APDUS


# --------------------------------------------------------------------------------------------------- bad cards


@pytest.mark.parametrize(
    ("key", "behaviour", "changes", "reason", "identity_first"),
    [
        ("weera", None, {}, "card_expired", False),
        ("somchai", None, {"cid": "1101700123457"}, "bad_check_digit", False),
        ("somchai", CardBehaviour(thai_id=False), {}, "not_thai_id", False),
        ("somchai", CardBehaviour(faults=(Fault(3, "corrupt"),)), {}, "malformed_response", False),
        ("somchai", CardBehaviour(faults=(Fault(7, "truncate"),)), {}, "malformed_response", False),
        ("somchai", CardBehaviour(faults=(Fault(2, "status", sw=0x6F00),)), {}, "unexpected_status", False),
        ("somchai", CardBehaviour(faults=(Fault(30, "status", sw=0x6A86),)), {}, "unexpected_status", True),
        ("somchai", None, {"sex": "9"}, "malformed_response", False),
        ("somchai", CardBehaviour(atr=bytes.fromhex("3B")), {}, "not_thai_id", False),
    ],
    ids=["expired", "check-digit", "not-thai", "corrupt", "truncated", "status", "status-photo", "field", "atr"],
)
def test_bad_cards_give_their_reason_and_no_data(
    stack: VirtualStack,
    slot0: str,
    key: str,
    behaviour: CardBehaviour | None,
    changes: dict[str, object],
    reason: str,
    identity_first: bool,
) -> None:
    with Events(slot0) as events:
        stack.insert(card_of(key, behaviour, **changes))
        seen = events.until_failed()
        stack.remove(0)
        seen += events.until_removed()
    failed = [e for e in seen if isinstance(e, CardReadFailed)]
    assert [f.reason for f in failed] == [reason]
    kinds = [type(e) for e in seen]
    expected = [CardInserted, CardIdentityRead, CardReadFailed] if identity_first else [CardInserted, CardReadFailed]
    assert kinds == [*expected, CardRemoved]  # never a photo: a failed read delivers nothing more


def test_a_mute_card_times_out_instead_of_hanging(stack: VirtualStack, slot0: str) -> None:
    with Events(slot0, read_timeout_s=0.5) as events:
        stack.insert(card_of("somchai", CardBehaviour(faults=(Fault(10, "stall"),))))
        seen = events.until_failed()
        stack.remove(0)
        seen += events.until_removed()
    assert [type(e) for e in seen] == [CardInserted, CardReadFailed, CardRemoved]
    assert seen[1].reason == "card_timeout"  # type: ignore[attr-defined]


def test_read_now_without_a_card_or_reader(stack: VirtualStack, slot0: str) -> None:
    with pytest.raises(CardTimeout):
        PcscCardReader(lambda e: None, today=lambda: TODAY, reader=slot0).read_now(0.2)
    with pytest.raises(ReaderUnavailable):
        PcscCardReader(lambda e: None, today=lambda: TODAY, reader="no such reader").read_now(0.2)


# ------------------------------------------------------------------------------------- removal at every APDU


@pytest.fixture(scope="module")
def removal_outcomes(stack: VirtualStack) -> dict[int, dict[str, Any]]:
    """For every n, what a watcher posted when the card was pulled out at APDU n, and how many APDUs the card saw.

    pcscd takes 0.2-0.4 s to notice each insertion and each removal, and vpcd serves two slots per pcscd, so the
    63 cases run in worker processes with a private pcscd each (one pcscd socket per process: simulator.vcard.pcscd).
    `stack` is only asked for so that a machine that cannot run a private pcscd skips (or fails) the same way."""
    cases = list(range(1, FULL_READ_APDUS + 1))
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.card.removal_worker", *map(str, cases[w::REMOVAL_WORKERS])],
            cwd=ROOT,
            env={k: v for k, v in os.environ.items() if k != SOCKET_ENV},  # each worker points at its own pcscd
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(REMOVAL_WORKERS)
    ]
    outcomes: dict[int, dict[str, Any]] = {}
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err[-2000:]
        for line in out.splitlines():
            case = json.loads(line)
            outcomes[case["n"]] = case
    return outcomes


@pytest.mark.parametrize("n", range(1, FULL_READ_APDUS + 1))
def test_removal_at_every_apdu(removal_outcomes: dict[int, dict[str, Any]], n: int) -> None:
    case = removal_outcomes[n]
    assert case["apdus"] == n
    kinds = case["events"]
    assert kinds[0] == "CardInserted" and kinds[-1] == "CardRemoved", case
    assert len(case["reasons"]) == 1 and case["reasons"][0] in ("card_removed", "reader_unavailable"), case
    assert "CardPhotoRead" not in kinds  # nothing half-read: the photo never arrives
    if n <= IDENTITY_APDUS:
        assert "CardIdentityRead" not in kinds
    else:  # the identity was delivered early, and the failure that follows it voids it
        assert kinds.index("CardIdentityRead") < kinds.index("CardReadFailed")


def test_names_first_and_a_blank_photo_keeps_the_identity(stack: VirtualStack, slot0: str) -> None:
    order: list[object] = []
    with Events(slot0, on_names=order.append) as events:
        stack.insert(card_of("ruethai", photo=b""))
        seen = events.until(lambda e: isinstance(e, CardPhotoMissing | CardReadFailed))
        order += seen
        stack.remove(0)
        events.until_removed()
    assert [type(e) for e in seen] == [CardInserted, CardIdentityRead, CardPhotoMissing]
    names = order[0]
    assert isinstance(names, CardNames) and names.cid == cz.by_key("ruethai").cid
    assert order.index(names) < order.index(seen[1])  # the names were handed on before the identity was posted


def test_the_photo_read_reports_its_progress_up_to_the_end_before_the_photo(stack: VirtualStack, slot0: str) -> None:
    """Through pcscd: after each chunk of the chip portrait the reader reports the fraction read, rising, ending at
    1.0, after the identity and before the photo is posted; a card with a blank photo area reports none."""
    events = Events(slot0)
    events.reader.on_photo_progress = events.queue.put  # in one queue with the events: their order is kept
    with events:
        stack.insert(card_of("somsak"))
        seen = events.until(lambda e: isinstance(e, CardPhotoRead | CardReadFailed))
        stack.remove(0)
        events.until_removed()
    fractions = [x for x in seen if isinstance(x, float)]
    kinds = [type(x).__name__ for x in seen if not isinstance(x, float)]
    assert kinds == ["CardInserted", "CardIdentityRead", "CardPhotoRead"], kinds
    assert seen[2 : 2 + len(fractions)] == fractions  # all of them between the identity and the photo
    assert len(fractions) == c.PHOTO_CHUNKS and fractions[-1] == 1.0
    assert all(0 < a < b for a, b in itertools.pairwise(fractions)), fractions
    blank = Events(slot0)
    blank.reader.on_photo_progress = blank.queue.put
    with blank:
        stack.insert(card_of("ruethai", photo=b""))
        seen = blank.until(lambda e: isinstance(e, CardPhotoMissing | CardReadFailed))
    assert not [x for x in seen if isinstance(x, float)]
