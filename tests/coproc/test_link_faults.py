"""The host driver against misbehaving boards on a real pty: silent, garbling, wrong firmware, half-answering."""

from __future__ import annotations

import contextlib
import os
import random
import struct
import threading
import tty
from collections.abc import Callable, Iterator

import pytest

from kiosk.drivers.coproc import (
    CoprocGarbled,
    CoprocPortError,
    CoprocRejected,
    CoprocSilent,
    CoprocWrongVersion,
    wire,
)
from kiosk.drivers.coproc.link import CoprocLink, open_port

Reply = Callable[[int, int, bytes], list[bytes]]  # (kind, seq, payload) of each host frame -> raw bytes to send back


class Peer:
    """A scripted board on the master side of a pty; the driver opens the slave path like /dev/ttyACM0."""

    def __init__(self, reply: Reply, *, raw: Callable[[bytes], bytes] | None = None) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.reply = reply
        self.raw = raw
        self.seq = 0
        self.received: list[tuple[int, int, bytes]] = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def frame(self, kind: int, payload: bytes = b"", seq: int | None = None) -> bytes:
        f = wire.Framer()
        if seq is None:
            seq, self.seq = self.seq, self.seq % 255 + 1
        n = f.build(kind, seq, payload, len(payload))
        return bytes(f.out[:n])

    def result(self, for_seq: int, for_kind: int, code: int, data: bytes = b"") -> bytes:
        return self.frame(wire.K_RESULT, bytes([for_seq, for_kind, code]) + data)

    def _run(self) -> None:
        d = wire.Deframer()
        while True:
            try:
                data = os.read(self.master, 256)
            except OSError:
                return
            if not data:
                return
            if self.raw is not None:
                try:
                    os.write(self.master, self.raw(data))
                except OSError:
                    return
                continue
            for b in data:
                m = d.push(b)
                if m < 0:
                    continue
                kind, seq, payload = d.body[0], d.body[1], bytes(d.body[2:m])
                self.received.append((kind, seq, payload))
                if kind != wire.K_ACK:
                    for out in self.reply(kind, seq, payload):
                        try:
                            os.write(self.master, out)
                        except OSError:
                            return

    def close(self) -> None:
        for fd in (self.slave, self.master):
            with contextlib.suppress(OSError):
                os.close(fd)


@pytest.fixture
def make_peer() -> Iterator[Callable[..., Peer]]:
    peers: list[Peer] = []

    def make(reply: Reply, **kw: Callable[[bytes], bytes]) -> Peer:
        peers.append(Peer(reply, **kw))
        return peers[-1]

    yield make
    for p in peers:
        p.close()


def connect(peer: Peer, timeout_s: float = 0.4) -> CoprocLink:
    return CoprocLink(open_port(peer.path, 115200), reply_timeout_s=timeout_s)


def identify_reply(peer: Peer, seq: int, *, proto: int = wire.PROTOCOL_VERSION, commands: bytes | None = None) -> bytes:
    cmds = bytes(wire.COMMANDS) if commands is None else commands
    data = struct.pack(wire.FMT_IDENTIFY_HEAD, proto, 1, len(cmds)) + cmds + b"9.9.9"
    return peer.result(seq, wire.K_IDENTIFY, wire.R_OK, data)


def test_a_silent_board(make_peer: Callable[..., Peer]) -> None:
    peer = make_peer(lambda kind, seq, payload: [])
    link = connect(peer)
    with pytest.raises(CoprocSilent) as e:
        link.open()
    assert e.value.device == "coproc" and e.value.reason == "silent"
    retransmissions = [r for r in peer.received if r[0] == wire.K_IDENTIFY]
    assert len(retransmissions) >= 2 and len({r[1] for r in retransmissions}) == 1  # the same frame again
    link.close()


def test_a_garbling_board(make_peer: Callable[..., Peer]) -> None:
    rnd = random.Random(4)
    peer = make_peer(lambda *a: [], raw=lambda data: bytes(rnd.randint(0, 255) for _ in range(3 * len(data))))
    link = connect(peer)
    with pytest.raises(CoprocGarbled) as e:
        link.open()
    assert e.value.reason == "garbled"
    link.close()


def test_a_board_whose_checksums_are_wrong_is_garbling(make_peer: Callable[..., Peer]) -> None:
    def reply(kind: int, seq: int, payload: bytes) -> list[bytes]:
        good = bytearray(peer.frame(wire.K_ACK, seq=seq))
        good[-2] ^= 0x40  # the last CRC byte
        return [bytes(good)]

    peer = make_peer(reply)
    link = connect(peer)
    with pytest.raises(CoprocGarbled):
        link.open()
    assert link.bad_frames >= 2
    link.close()


def test_firmware_speaking_another_protocol_is_refused(make_peer: Callable[..., Peer]) -> None:
    peer: Peer = make_peer(
        lambda kind, seq, payload: [peer.frame(wire.K_ACK, seq=seq), identify_reply(peer, seq, proto=2)]
    )
    link = connect(peer)
    with pytest.raises(CoprocWrongVersion, match="protocol 2"):
        link.open()
    link.close()


def test_firmware_lacking_a_command_is_refused(make_peer: Callable[..., Peer]) -> None:
    fewer = bytes(k for k in wire.COMMANDS if k != wire.K_WATCHDOG)
    peer: Peer = make_peer(lambda kind, seq, payload: [identify_reply(peer, seq, commands=fewer)])
    link = connect(peer)
    with pytest.raises(CoprocWrongVersion, match="0x18"):
        link.open()
    link.close()


def test_acknowledged_but_never_answered_is_silent(make_peer: Callable[..., Peer]) -> None:
    def reply(kind: int, seq: int, payload: bytes) -> list[bytes]:
        if kind == wire.K_IDENTIFY:
            return [identify_reply(peer, seq)]
        return [peer.frame(wire.K_ACK, seq=seq)]

    peer = make_peer(reply)
    link = connect(peer)
    assert link.open().firmware_version == "9.9.9"
    with pytest.raises(CoprocSilent, match="acknowledged"):
        link.heartbeat()
    assert len([r for r in peer.received if r[0] == wire.K_HEARTBEAT]) == 1  # acknowledged: not sent again
    link.close()


def test_an_unknown_result_code_is_a_rejection(make_peer: Callable[..., Peer]) -> None:
    def reply(kind: int, seq: int, payload: bytes) -> list[bytes]:
        if kind == wire.K_IDENTIFY:
            return [identify_reply(peer, seq)]
        return [peer.result(seq, kind, 77)]

    peer = make_peer(reply)
    link = connect(peer)
    link.open()
    with pytest.raises(CoprocRejected) as e:
        link.pattern("busy")
    assert e.value.code == "code_77"
    link.close()


@pytest.mark.parametrize("other", ["seq", "kind"])
def test_results_for_another_command_are_not_taken_for_ours(make_peer: Callable[..., Peer], other: str) -> None:
    def reply(kind: int, seq: int, payload: bytes) -> list[bytes]:
        if kind == wire.K_IDENTIFY:
            return [identify_reply(peer, seq)]
        if other == "seq":
            return [peer.result((seq + 1) % 256, kind, wire.R_OK, b"\x00")]  # a stale answer to some other seq
        return [peer.result(seq, wire.K_STATUS, wire.R_OK, b"\x00")]  # same seq, other command (a host restart)

    peer = make_peer(reply)
    link = connect(peer)
    link.open()
    with pytest.raises(CoprocSilent):
        link.heartbeat()
    link.close()


def test_a_closed_port_is_a_port_error(make_peer: Callable[..., Peer]) -> None:
    peer: Peer = make_peer(lambda kind, seq, payload: [identify_reply(peer, seq)])
    port = open_port(peer.path, 115200)
    link = CoprocLink(port, reply_timeout_s=0.4)
    link.open()
    peer.close()  # the device node disappears
    with pytest.raises(CoprocPortError):
        link.heartbeat()
    link.close()


def test_a_port_in_use_is_a_port_error(make_peer: Callable[..., Peer]) -> None:
    peer = make_peer(lambda kind, seq, payload: [])
    first = open_port(peer.path, 115200)
    try:
        with pytest.raises(CoprocPortError, match="cannot open"):
            open_port(peer.path, 115200)  # e.g. `kiosk coproc status` while the kiosk runs
    finally:
        first.close()
    open_port(peer.path, 115200).close()


def test_an_unopenable_port_is_a_port_error(tmp_path: object) -> None:
    with pytest.raises(CoprocPortError):
        open_port("/dev/nonexistent-coproc", 115200)


def test_firmware_with_the_older_result_layout_is_refused_as_another_version(make_peer: Callable[..., Peer]) -> None:
    """A board flashed before RESULT named the command kind answers `for_seq code data`: the driver must not read
    the kind's place as a code (that was "command 0x10 refused: code_16") but refuse the firmware by name."""

    def reply(kind: int, seq: int, payload: bytes) -> list[bytes]:
        cmds = bytes(wire.COMMANDS)
        data = struct.pack(wire.FMT_IDENTIFY_HEAD, wire.PROTOCOL_VERSION, 1, len(cmds)) + cmds + b"0.9.0"
        return [peer.frame(wire.K_RESULT, bytes([seq, wire.R_OK]) + data)]

    peer: Peer = make_peer(reply)
    link = connect(peer)
    with pytest.raises(CoprocWrongVersion, match="older RESULT layout") as e:
        link.open()
    assert e.value.reason == "wrong_version"
    link.close()
