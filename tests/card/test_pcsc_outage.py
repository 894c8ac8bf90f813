"""When pcscd (and with it the reader) goes away and comes back: typed errors and events, then reading resumes."""

from __future__ import annotations

import pytest

from kiosk.drivers.card import (
    CardIdentityRead,
    CardInserted,
    CardPhotoRead,
    CardReadFailed,
    CardRemoved,
    ReaderUnavailable,
)
from kiosk.drivers.card.pcsc import PcscCardReader, read_card
from simulator import citizens as cz
from simulator.vcard.card import CardImage, ThaiIdCard
from tests.card.stack import TODAY, Events, running_stack

pytestmark = pytest.mark.stack


def card_of(key: str) -> ThaiIdCard:
    return ThaiIdCard(CardImage.of(cz.by_key(key)))


def test_pcscd_gone_then_back_while_watching() -> None:
    with running_stack() as stack, Events("", retry_s=0.1) as events:
        stack.insert(card_of("somchai"))
        seen = events.until(lambda e: isinstance(e, CardPhotoRead))
        assert [type(e) for e in seen] == [CardInserted, CardIdentityRead, CardPhotoRead]
        stack.pcscd.stop()  # the reader (and the daemon behind it) disappears with a card in it
        lost = events.until_failed()
        assert [type(e) for e in lost] == [CardRemoved, CardReadFailed]
        assert lost[-1].reason == "reader_unavailable"  # type: ignore[attr-defined]
        with running_stack() as again:  # pcscd is back (same socket path, new virtual reader)
            again.insert(card_of("arunee"))
            back = events.until(lambda e: isinstance(e, CardPhotoRead))
            assert [type(e) for e in back] == [CardInserted, CardIdentityRead, CardPhotoRead]
            assert back[1].identity.cid == cz.by_key("arunee").cid  # type: ignore[attr-defined]
            again.remove()
            assert [type(e) for e in events.until_removed()] == [CardRemoved]


def test_pcscd_gone_mid_read_is_reader_unavailable_and_nothing_half_read() -> None:
    with running_stack(apdu_delay_s=0.03) as stack, Events("", retry_s=0.1) as events:
        stack.insert(card_of("ruethai"))
        assert isinstance(events.next(), CardInserted)
        stack.pcscd.stop()
        seen = events.until_failed()
    failed = seen[-1]
    assert isinstance(failed, CardReadFailed) and failed.reason == "reader_unavailable", seen
    assert not any(isinstance(e, CardIdentityRead | CardPhotoRead) for e in seen)


def test_no_pcscd_at_all() -> None:
    with running_stack() as stack:
        reader = stack.readers[0]
    with pytest.raises(ReaderUnavailable):
        PcscCardReader(lambda e: None, today=lambda: TODAY).read_now(0.2)
    with pytest.raises(ReaderUnavailable):
        read_card(reader)
