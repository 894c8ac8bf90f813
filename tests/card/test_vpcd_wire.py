"""The virtual card on vpcd's wire, with the test playing vpcd: framing, control codes, APDUs, pulled and mute cards."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from kiosk.drivers.card import codec as c
from simulator import citizens as cz
from simulator.vcard.card import ATR_3B67, CardBehaviour, CardImage, Fault, ThaiIdCard
from simulator.vcard.vpcd import VirtualCard


class FakeVpcd:
    """vpcd's side of the socket: listens, and a connection is the inserted card."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.server.getsockname()[1])
        self.conn: socket.socket | None = None

    def accept(self) -> None:
        self.server.settimeout(2.0)
        self.conn, _ = self.server.accept()
        self.conn.settimeout(2.0)

    def send(self, payload: bytes) -> None:
        assert self.conn is not None
        self.conn.sendall(len(payload).to_bytes(2, "big"))  # vpcd writes the length and the body separately
        self.conn.sendall(payload)

    def recv(self) -> bytes | None:
        assert self.conn is not None
        header = self.conn.recv(2, socket.MSG_WAITALL)
        if not header:
            return None
        return self.conn.recv(int.from_bytes(header, "big"), socket.MSG_WAITALL)

    def exchange(self, payload: bytes) -> bytes | None:
        self.send(payload)
        return self.recv()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.server.close()


@pytest.fixture
def vpcd() -> Iterator[FakeVpcd]:
    fake = FakeVpcd()
    yield fake
    fake.close()


def card(behaviour: CardBehaviour | None = None) -> ThaiIdCard:
    return ThaiIdCard(CardImage.of(cz.by_key("somchai")), behaviour or CardBehaviour())


def test_control_codes_and_apdus(vpcd: FakeVpcd) -> None:
    slot = VirtualCard(vpcd.port)
    slot.insert(card(CardBehaviour(atr=ATR_3B67)))
    vpcd.accept()
    try:
        assert vpcd.exchange(b"\x04") == ATR_3B67  # presence poll / ATR request
        vpcd.send(b"\x01")  # power on: no answer
        assert vpcd.exchange(c.select_apdu(c.PERSONAL_AID)) == bytes.fromhex("610A")
        assert vpcd.exchange(c.read_apdu(c.SEX.offset, 1)) == bytes.fromhex("6101")
        assert vpcd.exchange(c.get_response_apdu(0x01, 1)) == b"1\x90\x00"
        vpcd.send(b"\x02")  # reset: the applet is deselected
        assert vpcd.exchange(c.read_apdu(c.SEX.offset, 1)) == bytes.fromhex("6986")
        assert slot.card is not None and slot.card.apdu_count == 4  # control codes are not APDUs
    finally:
        slot.remove()
    assert not slot.inserted


def test_a_pulled_card_closes_the_connection(vpcd: FakeVpcd) -> None:
    slot = VirtualCard(vpcd.port)
    slot.insert(card(CardBehaviour(faults=(Fault(2, "remove"),))))
    vpcd.accept()
    assert vpcd.exchange(c.select_apdu(c.PERSONAL_AID)) == bytes.fromhex("610A")
    assert vpcd.exchange(c.read_apdu(c.CID.offset, 13)) is None
    assert slot.wait_removed(2.0)


def test_a_mute_card_answers_nothing_until_pulled(vpcd: FakeVpcd) -> None:
    slot = VirtualCard(vpcd.port)
    slot.insert(card(CardBehaviour(faults=(Fault(1, "stall"),))))
    vpcd.accept()
    vpcd.send(c.select_apdu(c.PERSONAL_AID))
    assert vpcd.conn is not None
    vpcd.conn.settimeout(0.2)
    with pytest.raises(TimeoutError):
        vpcd.recv()
    slot.remove()
    assert not slot.inserted
