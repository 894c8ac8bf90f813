"""The real UART driver against the simulated sensor on a pty: journeys, every confirmation code, faults, deadlines."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable

import pytest

from kiosk.drivers.finger import (
    BadFrame,
    BadLocation,
    BadTemplate,
    CannotCombine,
    CaptureCancelled,
    CaptureQuality,
    DataReceiveFailed,
    DeleteFailed,
    FingerError,
    FingerNotLifted,
    FingerPrompt,
    FingerSettings,
    FingerTimeout,
    LedColor,
    LedMode,
    NoFinger,
    NoImage,
    PasswordRequired,
    PoorCapture,
    SensorPacketError,
    SensorRefused,
    SensorUnavailable,
    TemplateInvalid,
    TemplateUploadFailed,
    WrongPassword,
    refusal,
)
from kiosk.drivers.finger.codec import Code, Instruction
from kiosk.errors import ConfigError, DeviceError
from simulator.finger import FaultKind
from tests.finger.conftest import FAST, Rig

SOMCHAI = "somchai-right-index"
# A hang guard, not a timing claim: a deadline kept gives an answer long before this much slack runs out.
HANG_SLACK_S = 3.0
RUETHAI = "ruethai-right-index"


def enrol(rig: Rig, finger: str = SOMCHAI) -> bytes:
    sensor, driver = rig
    sensor.present(finger, times=2)
    return driver.enroll().template


def test_handshake_reads_realistic_parameters(rig: Rig) -> None:
    _, driver = rig
    params = driver.read_parameters()
    assert (params.library_size, params.security_level, params.packet_size_bytes, params.baud) == (200, 3, 128, 57600)
    assert params.address == 0xFFFFFFFF and not params.busy


def test_enrolment_takes_two_captures_with_a_lift_between(rig: Rig) -> None:
    sensor, driver = rig
    sensor.present(SOMCHAI, times=2, lift_polls=3)
    seen: list[CaptureQuality | FingerPrompt] = []
    enrolment = driver.enroll(on_capture=lambda c: seen.append(c.quality), on_prompt=seen.append)
    assert seen == [
        FingerPrompt.PLACE,
        CaptureQuality.GOOD,
        FingerPrompt.LIFT,
        FingerPrompt.PLACE_AGAIN,
        CaptureQuality.GOOD,
    ]
    assert enrolment.score >= 100 and 50 <= enrolment.quality_percent <= 100
    assert [c.buffer for c in enrolment.captures] == [1, 2]
    assert enrolment.captures[1].polls > 1  # the second capture waited through the lift
    assert len(enrolment.template) == 512
    commands = sensor.stats.commands
    assert commands[Instruction.REG_MODEL] == 1 and commands[Instruction.UP_CHAR] == 1


def test_same_finger_verifies_and_another_finger_does_not(rig: Rig) -> None:
    sensor, driver = rig
    template = enrol(rig)
    sensor.present(SOMCHAI)
    same = driver.verify(template)
    sensor.present(RUETHAI)
    other = driver.verify(template)
    assert same.matched and same.score >= 100
    assert not other.matched and other.score < FAST.match_threshold


def test_worn_finger_still_verifies_with_a_lower_score(rig: Rig) -> None:
    sensor, driver = rig
    template = enrol(rig)
    sensor.present(SOMCHAI)
    clean = driver.verify(template).score
    sensor.place_finger(SOMCHAI, quality=0.5)
    worn = driver.verify(template)
    sensor.lift()
    assert worn.matched and worn.score < clean


def test_search_finds_the_enrolled_page_and_misses_a_stranger(rig: Rig) -> None:
    sensor, driver = rig
    for page, finger in enumerate((RUETHAI, SOMCHAI, "somsak-right-index")):
        enrol(rig, finger)
        driver.store(page)
    assert driver.template_count() == 3 and driver.used_pages() == {0, 1, 2} and driver.free_page() == 3
    sensor.present(SOMCHAI)
    hit = driver.identify()
    assert hit is not None and hit.page == 1
    sensor.present("weera-right-index")
    assert driver.identify() is None


@pytest.mark.parametrize("packet_size", [32, 64, 128, 256])
def test_template_export_and_import_round_trip_byte_exactly(make_rig: Callable[..., Rig], packet_size: int) -> None:
    rig = make_rig(dataclasses.replace(FAST, packet_size=packet_size), packet_size=packet_size)
    sensor, driver = rig
    template = enrol(rig)
    driver.import_template(template, 2)
    assert driver.export_template(2) == template
    assert sensor.stats.frames_out > 512 // packet_size
    sensor.present(SOMCHAI)  # a template from our store verifies a live finger without the sensor's library
    assert driver.verify(template).matched and driver.template_count() == 0


def test_handshake_adopts_the_sensors_packet_size(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig(dataclasses.replace(FAST, packet_size=32), packet_size=256)
    assert rig[1].packet_size == 256
    template = enrol(rig)
    rig[1].import_template(template, 1)
    assert rig[1].export_template(1) == template


def test_store_load_delete_and_empty(rig: Rig) -> None:
    sensor, driver = rig
    template = enrol(rig)
    driver.store(5)
    driver.store(6)
    driver.load(5, 2)
    assert driver.export_template(2) == template == sensor.library[5]
    driver.delete(5)
    assert driver.used_pages() == {6}
    with pytest.raises(TemplateInvalid):
        driver.load(5)
    with pytest.raises(BadLocation):
        driver.store(200)
    with pytest.raises(DeleteFailed):
        driver.delete(199, 2)
    driver.empty()
    assert driver.template_count() == 0


def test_led_only_where_the_sensor_has_one(make_rig: Callable[..., Rig]) -> None:
    sensor, driver = make_rig()
    assert driver.led(LedColor.BLUE, LedMode.BREATHING)
    with sensor.model() as model:
        assert model.led == (LedMode.BREATHING, 0x80, LedColor.BLUE, 0)
    bare, bare_driver = make_rig(dataclasses.replace(FAST, has_led=False), has_led=False)
    assert not bare_driver.led(LedColor.RED, LedMode.ON)
    assert bare.stats.commands[Instruction.AURA_LED_CONFIG] == 0


def test_password(make_rig: Callable[..., Rig]) -> None:
    _, good = make_rig(dataclasses.replace(FAST, password=0x1234), password=0x1234)
    assert good.template_count() == 0
    _, wrong = make_rig(dataclasses.replace(FAST, password=1), password=0x1234, handshake=False)
    with pytest.raises(WrongPassword) as e:
        wrong.handshake()
    assert (e.value.device, e.value.reason, e.value.code) == ("finger", "wrong_password", 0x13)
    with pytest.raises(PasswordRequired):
        wrong.template_count()


def test_no_finger_gives_a_typed_error_by_the_deadline(rig: Rig) -> None:
    sensor, driver = rig
    start = time.monotonic()
    with pytest.raises(NoFinger):
        driver.capture(timeout_s=0.2)
    assert time.monotonic() - start < 0.2 + FAST.reply_timeout_s + HANG_SLACK_S
    assert 2 <= sensor.stats.commands[Instruction.GEN_IMG] < 200  # polled with pauses, not in a tight loop


def test_a_finger_left_on_the_sensor_is_reported(rig: Rig) -> None:
    sensor, driver = rig
    sensor.place_finger(SOMCHAI)
    with pytest.raises(FingerNotLifted):
        driver.enroll(timeout_s=0.3)


@pytest.mark.parametrize(
    ("code", "quality"),
    [(0x03, CaptureQuality.CAPTURE_FAILED), (0x06, CaptureQuality.POOR_IMAGE), (0x07, CaptureQuality.TOO_FEW_FEATURES)],
)
def test_capture_quality_codes_become_guidance(rig: Rig, code: int, quality: CaptureQuality) -> None:
    sensor, driver = rig
    sensor.place_finger(SOMCHAI)
    nth = 1 if code == 0x03 else 2  # GenImg's reply, or Img2Tz's after it
    sensor.inject(FaultKind.WRONG_CODE, nth=nth, code=code)
    capture = driver.capture()
    assert capture.quality is quality and not capture.usable
    assert driver.capture().usable  # the next placement is fine


def test_enrolment_gives_up_after_poor_captures_in_a_row(rig: Rig) -> None:
    sensor, driver = rig
    sensor.place_finger(SOMCHAI)
    for nth in (2, 4, 6):
        sensor.inject(FaultKind.WRONG_CODE, nth=nth, code=0x07)
    seen: list[CaptureQuality] = []
    with pytest.raises(PoorCapture) as e:
        driver.enroll(on_capture=lambda c: seen.append(c.quality))
    assert seen == [CaptureQuality.TOO_FEW_FEATURES] * 3
    assert e.value.reason == "too_few_features" and isinstance(e.value, DeviceError)
    assert e.value.quality.hint == "press_harder"


def test_a_worn_finger_fails_some_captures_deterministically(make_rig: Callable[..., Rig]) -> None:
    def qualities(seed: int) -> list[CaptureQuality]:
        sensor, driver = make_rig(seed=seed)
        sensor.place_finger("boonmee-worn", quality=0.1)
        return [driver.capture().quality for _ in range(40)]

    first = qualities(3)
    assert first == qualities(3)
    assert {CaptureQuality.CAPTURE_FAILED, CaptureQuality.POOR_IMAGE, CaptureQuality.TOO_FEW_FEATURES} <= set(first)
    assert CaptureQuality.GOOD in first


def test_two_different_fingers_cannot_be_combined(rig: Rig) -> None:
    sensor, driver = rig
    sensor.present(SOMCHAI)
    sensor.present(RUETHAI)
    with pytest.raises(CannotCombine):
        driver.enroll()


def test_buffer_errors(rig: Rig) -> None:
    sensor, driver = rig
    with sensor.model() as model:
        model.buffers = {1: None, 2: None}
    with pytest.raises(TemplateUploadFailed):
        driver.export_template(2)
    with pytest.raises(NoImage):  # Img2Tz with an empty image buffer (as after a power-up)
        driver._ok(Instruction.IMG2TZ, b"\x01", "extract features")
    driver.import_template(b"not a template", 2)
    with pytest.raises(TemplateInvalid):
        driver.match_buffers()
    sensor.inject(FaultKind.WRONG_CODE, code=0x0E)
    with pytest.raises(DataReceiveFailed):
        driver.import_template(b"x" * 512)


@pytest.mark.parametrize("code", sorted(set(range(0x01, 0x22)) - {0x02, 0x03, 0x08}))
def test_every_refusal_code_maps_to_a_typed_error(rig: Rig, code: int) -> None:
    sensor, driver = rig
    sensor.inject(FaultKind.WRONG_CODE, code=code)
    with pytest.raises(SensorRefused) as e:
        driver.store(1)
    assert e.value.code == code and e.value.device == "finger"
    assert type(e.value) is type(refusal(code, "x"))
    assert driver.template_count() == 0  # the link is still good


def test_refusals_have_distinct_reasons() -> None:
    reasons = [refusal(code, "x").reason for code in Code if code not in (Code.OK, Code.ECHO_OK, Code.NO_FINGER)]
    assert len(reasons) == len(set(reasons))


def test_sensor_reports_a_packet_error_for_a_corrupted_command(rig: Rig) -> None:
    _, driver = rig
    driver._port.write(bytes.fromhex("EF01FFFFFFFF0100031D0000"))  # TemplateNum with a bad checksum
    frame = driver._read_frame(time.monotonic() + 1, "reply to a bad command")
    assert frame.payload[0] == Code.PACKET_ERROR
    with pytest.raises(SensorPacketError):
        raise refusal(frame.payload[0], "x")


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        (FaultKind.DROP, FingerTimeout),
        (FaultKind.TRUNCATE, FingerTimeout),
        (FaultKind.CORRUPT_CHECKSUM, BadFrame),
    ],
)
def test_link_faults_are_typed_and_the_link_recovers(rig: Rig, kind: FaultKind, error: type[FingerError]) -> None:
    sensor, driver = rig
    sensor.inject(kind)
    start = time.monotonic()
    with pytest.raises(error):
        driver.template_count()
    assert time.monotonic() - start < FAST.reply_timeout_s + HANG_SLACK_S
    assert driver.template_count() == 0


def test_garbage_from_the_sensor_is_a_bad_frame(rig: Rig) -> None:
    sensor, driver = rig
    sensor.inject(FaultKind.GARBAGE, data=bytes(range(0x10, 0x40)))
    with pytest.raises(BadFrame):
        driver.read_parameters()
    sensor.emit(b"\x00\xef\x01noise")  # unasked noise between commands is drained, not taken as a reply
    assert driver.read_parameters().library_size == 200


def test_corrupt_data_packet_in_a_template_upload(rig: Rig) -> None:
    sensor, driver = rig
    enrol(rig)
    sensor.inject(FaultKind.CORRUPT_CHECKSUM, nth=3)  # the ack, a data packet, then this one
    with pytest.raises(BadFrame):
        driver.export_template()
    assert len(driver.export_template()) == 512


def test_silent_sensor_times_out(rig: Rig) -> None:
    sensor, driver = rig
    sensor.stall()
    start = time.monotonic()
    with pytest.raises(FingerTimeout) as e:
        driver.capture(timeout_s=5)
    assert e.value.reason == "timeout"
    assert time.monotonic() - start < FAST.reply_timeout_s + HANG_SLACK_S
    sensor.stall(False)
    assert driver.template_count() == 0


def test_unplugged_sensor_is_unavailable(rig: Rig) -> None:
    sensor, driver = rig
    sensor.unplug()
    with pytest.raises(SensorUnavailable) as e:
        driver.template_count()
    assert e.value.device == "finger"


def test_opening_a_missing_port_is_unavailable() -> None:
    from kiosk.drivers.finger.uart import open_port

    with pytest.raises(SensorUnavailable):
        open_port("/dev/does-not-exist-finger", 57600)


def test_handshake_survives_the_power_up_byte_and_buffers_are_lost(rig: Rig) -> None:
    sensor, driver = rig
    template = enrol(rig)
    driver.store(0)
    sensor.power_cycle()  # the sensor sends 0x55 unasked
    assert driver.handshake().library_size == 200
    with pytest.raises(TemplateUploadFailed):
        driver.export_template(1)  # the character buffers did not survive
    driver.load(0)
    assert driver.export_template(1) == template  # the flash library did


def test_settings_are_checked_and_bad_templates_are_typed(rig: Rig) -> None:
    with pytest.raises(ConfigError, match="packet_size"):
        FingerSettings(packet_size=100)
    with pytest.raises(ConfigError, match="reply_timeout_s"):
        FingerSettings(reply_timeout_s=0)
    _, driver = rig
    with pytest.raises(BadTemplate):
        driver.import_template(b"")


def test_a_waiting_capture_can_be_cancelled_from_another_thread(rig: Rig) -> None:
    sensor, driver = rig
    outcome: list[BaseException | None] = []

    def wait_for_finger() -> None:
        try:
            driver.capture(timeout_s=10)
            outcome.append(None)
        except FingerError as e:
            outcome.append(e)

    worker = threading.Thread(target=wait_for_finger)
    worker.start()
    pause = threading.Event()
    for _ in range(1000):  # until the capture is polling (at most ~5 s)
        if sensor.stats.commands[Instruction.GEN_IMG] >= 2:
            break
        pause.wait(0.005)
    driver.cancel()
    worker.join(timeout=FAST.reply_timeout_s + HANG_SLACK_S)
    assert not worker.is_alive()
    assert isinstance(outcome[0], CaptureCancelled) and outcome[0].reason == "cancelled"
    sensor.present(SOMCHAI)
    assert driver.capture().usable  # the cancel request is not left behind for the next journey


def test_operations_from_two_threads_never_interleave_on_the_line(rig: Rig) -> None:
    _, driver = rig
    enrol(rig)
    driver.store(4)
    failures: list[BaseException] = []

    def hammer(call: Callable[[], object], expected: object) -> None:
        for _ in range(30):
            try:
                assert call() == expected
            except BaseException as e:  # collected and asserted in the main thread
                failures.append(e)

    threads = [
        threading.Thread(target=hammer, args=(driver.template_count, 1)),
        threading.Thread(target=hammer, args=(lambda: len(driver.export_template(1)), 512)),
        threading.Thread(target=hammer, args=(lambda: driver.read_parameters().library_size, 200)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert failures == []


def test_a_simulated_sensor_matching_the_settings_accepts_the_driver() -> None:
    from kiosk.drivers.finger.uart import FingerUart, open_port
    from simulator.finger import SimulatedSensor

    settings = dataclasses.replace(FAST, address=0x0A0B0C0D, password=0x55AA, packet_size=64, has_led=False)
    with SimulatedSensor.matching(settings, 115200) as sensor:
        port = open_port(sensor.path, 115200)
        try:
            params = FingerUart(port, settings).handshake()
        finally:
            port.close()
    assert (params.address, params.packet_size_bytes, params.baud, params.password_verified) == (
        0x0A0B0C0D,
        64,
        115200,
        True,
    )


def test_pacing_and_timings_are_accounted_by_the_simulated_sensor(make_rig: Callable[..., Rig]) -> None:
    from simulator.finger import SensorTimings

    timings = SensorTimings(gen_img_s=0.01, img2tz_s=0.02)
    sensor, driver = make_rig(pace_baud=115200, timings=timings)
    sensor.place_finger(SOMCHAI)
    sensor.reset_stats()
    assert driver.capture().usable
    stats = sensor.stats
    wire_bytes = 2 * (12 + 12) + 1  # two commands (GenImg 12 B, Img2Tz 13 B) and their 12-byte replies
    assert stats.busy_s == pytest.approx(0.03)
    assert stats.wire_s == pytest.approx(wire_bytes * 10 / 115200)
