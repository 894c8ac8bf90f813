"""When pcscd (and with it the reader) goes away and comes back: typed errors and events, then reading resumes."""

from __future__ import annotations

import time

import pytest

from kiosk.drivers.card import (
    CardIdentityRead,
    CardInserted,
    CardPhotoRead,
    CardReadFailed,
    CardRemoved,
    ReaderAvailable,
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
            assert isinstance(events.next(), ReaderAvailable)  # said before any card is seen
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


def test_the_reader_coming_back_empty_is_posted_once_and_lets_the_kiosk_offer_cards_again() -> None:
    """Through the executor: a lost reader takes card services off the menu; its return alone brings them back."""
    from kiosk.flows.context import DeviceStatus
    from kiosk.flows.host import JourneyHost
    from kiosk.runner import Runner
    from tests.flows.fakes import Screens, fake_ports

    runner = Runner(tick_s=0.01)
    screens = Screens()

    def until_shown(name: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        runner.run(until=lambda: screens.last[0] == name or time.monotonic() > deadline)

    host = JourneyHost(runner, screens, fake_ports(), secret=b"s", status=DeviceStatus())
    watcher = PcscCardReader(runner.post, today=lambda: TODAY, retry_s=0.1)
    try:
        with running_stack() as stack:
            watcher.start()
            until_shown("attract", 5.0)
            stack.pcscd.stop()
            until_shown("out_of_service", 10.0)
            assert screens.last[0] == "out_of_service"  # every service here needs the card reader
        with running_stack():  # pcscd back, no card inserted
            until_shown("attract", 10.0)
            assert screens.last[0] == "attract" and host.status.card
    finally:
        watcher.stop()
        host.close()
        runner.close()


def test_pcscd_refusing_this_process_is_reader_unavailable_not_a_card_error() -> None:
    """8010006A came back once while the daemon was going away (and is what polkit answers a system service): the
    reader is not available to the kiosk; it is not a fault of the citizen's card."""
    from smartcard import scard

    from kiosk.drivers.card import ReaderUnavailable
    from kiosk.drivers.card.pcsc import error_for

    error = error_for(scard.SCARD_W_SECURITY_VIOLATION, "watching the reader")
    assert isinstance(error, ReaderUnavailable) and error.reason == "reader_unavailable"


def test_pcscd_breaking_off_while_the_reader_is_watched_is_reader_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    """80100013 (RPC transport error) came back once in CI while pcscd was stopped mid-read: no card exchange was
    under way, so it is the daemon that went, not the citizen's card."""
    from smartcard import scard

    from kiosk.drivers.card import ReaderUnavailable, pcsc

    monkeypatch.setattr(pcsc.scard, "SCardGetStatusChange", lambda *a: (scard.SCARD_F_COMM_ERROR, []))
    with pytest.raises(ReaderUnavailable) as e:
        pcsc.reader_state(object(), "reader", scard.SCARD_STATE_UNAWARE, 0)
    assert e.value.reason == "reader_unavailable" and "80100013" in str(e.value)
