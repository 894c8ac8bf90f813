"""Unmodified third-party host libraries for this sensor family, pointed at the simulated sensor's pty, must work:
Adafruit's CircuitPython driver (over a pyserial `Serial`) and pyfingerprint (opens the port path itself)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import serial

from simulator.finger import SimulatedSensor

SOMCHAI = "somchai-right-index"


@pytest.fixture
def sensor() -> Iterator[SimulatedSensor]:
    with SimulatedSensor(seed=11) as s:
        yield s


def test_adafruit_circuitpython_fingerprint(sensor: SimulatedSensor) -> None:
    import adafruit_fingerprint as adafruit  # the dev extra installs it: a missing one is a failure, not a skip

    ok, no_finger = adafruit.OK, adafruit.NOFINGER
    uart = serial.Serial(sensor.path, baudrate=57600, timeout=1)
    try:
        finger = adafruit.Adafruit_Fingerprint(uart)  # verifies the password and reads the parameters
        assert (finger.library_size, finger.security_level, finger.data_packet_size, finger.baudrate) == (200, 3, 2, 6)
        assert finger.device_address == b"\xff\xff\xff\xff"

        sensor.present(SOMCHAI, times=2)
        assert finger.get_image() == ok and finger.image_2_tz(1) == ok
        assert finger.get_image() == no_finger  # lifted
        assert finger.get_image() == ok and finger.image_2_tz(2) == ok
        assert finger.create_model() == ok
        assert finger.store_model(3) == ok
        assert finger.count_templates() == ok and finger.template_count == 1
        assert finger.read_templates() == ok and finger.templates == [3]

        template = finger.get_fpdata("char", 1)
        assert len(template) == 512 and bytes(template) == sensor.library[3]

        sensor.present(SOMCHAI, times=2)
        for search in (finger.finger_search, finger.finger_fast_search):
            assert finger.get_image() == ok and finger.image_2_tz(1) == ok
            assert search() == ok and finger.finger_id == 3 and finger.confidence >= 50
            assert finger.get_image() == no_finger

        assert finger.send_fpdata(template, "char", 2)
        assert finger.compare_templates() == ok and finger.confidence[0] >= 50

        assert finger.set_led(color=2, mode=1) == ok
        with sensor.model() as model:
            assert model.led == (1, 0x80, 2, 0)
        assert finger.delete_model(3) == ok and finger.count_templates() == ok and finger.template_count == 0
        assert finger.empty_library() == ok
    finally:
        uart.close()


def test_pyfingerprint(sensor: SimulatedSensor) -> None:
    from pyfingerprint.pyfingerprint import PyFingerprint  # the dev extra installs it

    finger = PyFingerprint(sensor.path, 57600, 0xFFFFFFFF, 0x00000000)
    try:
        assert finger.verifyPassword()
        status, system_id, capacity, level, address, packet_code, baud_n = finger.getSystemParameters()
        assert (status, system_id) == (0, 0x0009)
        assert (capacity, level, address, packet_code, baud_n) == (200, 3, 0xFFFFFFFF, 2, 6)
        assert finger.getMaxPacketSize() == 128 and finger.getBaudRate() == 57600

        assert not finger.readImage()  # no finger yet
        sensor.present(SOMCHAI, times=2)
        assert finger.readImage()
        finger.convertImage(0x01)
        assert not finger.readImage()
        assert finger.readImage()
        finger.convertImage(0x02)
        assert finger.compareCharacteristics() >= 50
        finger.createTemplate()
        assert finger.storeTemplate() == 0  # the first free page, found through the index table
        assert finger.getTemplateCount() == 1

        characteristics = finger.downloadCharacteristics(0x01)
        assert len(characteristics) == 512

        sensor.present(SOMCHAI)
        assert finger.readImage()
        finger.convertImage(0x01)
        position, score = finger.searchTemplate()
        assert position == 0 and score >= 50

        sensor.present("ruethai-right-index")
        assert finger.readImage()
        finger.convertImage(0x01)
        assert finger.searchTemplate() == (-1, -1)

        assert finger.uploadCharacteristics(0x02, characteristics)  # it checks by downloading them back
        finger.loadTemplate(0, 0x01)
        assert finger.compareCharacteristics() >= 50
        assert finger.deleteTemplate(0) and finger.getTemplateCount() == 0
        assert finger.clearDatabase()
        assert 0 <= finger.generateRandomNumber() <= 0xFFFFFFFF

        finger.setMaxPacketSize(64)  # these two return nothing; they raise on a refusal
        finger.setSecurityLevel(5)
        assert finger.getMaxPacketSize() == 64 and finger.getSecurityLevel() == 5
        assert finger.setPassword(0x00C0FFEE) and finger.verifyPassword()
        assert finger.setAddress(0x12345678) and finger.getSystemParameters()[4] == 0x12345678
        with sensor.model() as model:
            assert (model.packet_size, model.password, model.address) == (64, 0x00C0FFEE, 0x12345678)
    finally:
        del finger
