"""Hostile byte streams on a real pty: random bytes and mutated valid replies never hang the driver and never raise
anything but a typed FingerError."""

from __future__ import annotations

import contextlib
import os
import time
import tty
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.drivers.finger import FingerError, FingerSettings, SystemParameters, codec
from kiosk.drivers.finger.codec import Code
from kiosk.drivers.finger.uart import FingerUart, open_port

HOSTILE = FingerSettings(reply_timeout_s=0.03, capture_timeout_s=0.03, poll_interval_s=0.005)
PARAMS = SystemParameters(0, 9, 200, 3, 0xFFFFFFFF, 32, 57600)
TEMPLATE = bytes(range(256)) * 2

OPERATIONS: dict[str, tuple[Callable[[FingerUart], Any], bytes]] = {
    "read_parameters": (lambda d: d.read_parameters(), codec.reply(Code.OK, codec.encode_parameters(PARAMS))),
    "template_count": (lambda d: d.template_count(), codec.reply(Code.OK, codec.u16(3))),
    "search": (lambda d: d.search(1, 0, 200), codec.reply(Code.OK, codec.u16(4) + codec.u16(120))),
    "match": (lambda d: d.match_buffers(), codec.reply(Code.OK, codec.u16(88))),
    "capture": (lambda d: d.capture(), codec.reply(Code.OK) + codec.reply(Code.OK)),
    "export_template": (
        lambda d: d.export_template(),
        codec.reply(Code.OK) + b"".join(codec.data_packets(TEMPLATE, 32)),
    ),
    "used_pages": (
        lambda d: d.used_pages(),
        codec.reply(Code.OK, codec.encode_parameters(PARAMS)) + codec.reply(Code.OK, b"\x81" * 32),
    ),
}


@contextmanager
def hostile_peer(stream: bytes) -> Iterator[FingerUart]:
    """A pty whose far end has already 'answered' `stream`, with the driver opened on the near end."""
    master, slave = os.openpty()
    tty.setraw(slave)
    port = open_port(os.ttyname(slave), 57600)
    try:
        os.write(master, stream)
        yield FingerUart(port, HOSTILE, read_slice_s=0.005)
    finally:
        port.close()
        os.close(master)
        os.close(slave)


def run_hostile(operation: str, stream: bytes) -> None:
    call, _ = OPERATIONS[operation]
    with hostile_peer(stream) as driver:
        start = time.monotonic()
        try:
            call(driver)
        except FingerError as e:
            assert e.device == "finger" and e.reason
        # a hang guard, not a timing claim: the deadlines of a few commands are far below it
        assert time.monotonic() - start < 5.0


def test_the_unmutated_replies_are_accepted() -> None:
    for operation, (call, stream) in OPERATIONS.items():
        with hostile_peer(stream) as driver:
            assert call(driver) is not None or operation == "search", operation


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(operation=st.sampled_from(sorted(OPERATIONS)), stream=st.binary(max_size=700))
def test_random_bytes(operation: str, stream: bytes) -> None:
    run_hostile(operation, stream)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    operation = draw(st.sampled_from(sorted(OPERATIONS)))
    stream = bytearray(OPERATIONS[operation][1])
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(stream)))
        match draw(st.sampled_from(["flip", "delete", "insert", "truncate", "set"])):
            case "flip" if at < len(stream):
                stream[at] ^= 1 << draw(st.integers(0, 7))
            case "delete":
                del stream[at : at + draw(st.integers(1, 16))]
            case "insert":
                stream[at:at] = draw(st.binary(min_size=1, max_size=16))
            case "truncate":
                del stream[at:]
            case "set" if at < len(stream):
                stream[at] = draw(st.sampled_from([0x00, 0x01, 0x02, 0x07, 0x08, 0xEF, 0xFF]))
    return operation, bytes(stream)


@FUZZ
@given(case=mutated())
def test_mutated_replies(case: tuple[str, bytes]) -> None:
    run_hostile(*case)


@settings(max_examples=300, deadline=None)
@given(
    frames=st.lists(
        st.tuples(
            st.sampled_from([*codec.Instruction, 0x00, 0x44, 0xFF]),
            st.binary(max_size=12),
            st.sampled_from(list(codec.PacketType)),
        ),
        max_size=12,
    )
)
def test_the_simulated_sensor_answers_any_frame_with_well_formed_frames(frames: list[tuple[int, bytes, int]]) -> None:
    from simulator.finger.sensor import SensorModel, Touch

    model = SensorModel(seed=1)
    model.place(Touch("somchai-right-index"), replace=True)
    for instruction, params, packet_type in frames:
        outcome = model.handle(codec.Frame(0xFFFFFFFF, packet_type, bytes([instruction]) + params))
        for raw in outcome.frames:
            assert codec.decode(raw).type in (codec.PacketType.ACK, codec.PacketType.DATA, codec.PacketType.END_DATA)
        assert outcome.busy_s >= 0


def test_the_simulated_sensor_survives_line_noise_on_its_pty() -> None:
    from simulator.finger import SimulatedSensor

    with SimulatedSensor() as sensor:
        port = open_port(sensor.path, 57600)
        try:
            port.write(bytes(range(256)) + b"\xef\x01\xff\xff\xff\xff\x01\xff\xff" + b"\xef")
            driver = FingerUart(port, FingerSettings(reply_timeout_s=0.5))
            with contextlib.suppress(FingerError):
                driver.template_count()  # may meet the sensor's packet-error replies to the noise
            assert driver.template_count() == 0
            assert sensor.stats.garbled_in > 0
        finally:
            port.close()
