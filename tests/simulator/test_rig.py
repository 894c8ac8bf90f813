"""The simulator's levers reach the kiosk's real drivers through the real transports (pcscd, ptys)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from kiosk.config import Config
from simulator.rig import Rig, find_photos
from tests.conftest import missing_stack


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    r = Rig()
    r.start()
    yield r
    r.stop()


def test_kiosk_config_points_at_the_simulated_devices(rig: Rig) -> None:
    cfg = rig.kiosk_config(Config())
    assert cfg.printer.transport == rig.ports["printer"] and cfg.printer.transport.startswith("/dev/pts/")
    assert cfg.finger.port == rig.ports["finger"]
    assert cfg.ui.fullscreen is False


def test_the_printer_lever_and_roll_see_what_the_real_driver_prints(rig: Rig) -> None:
    from kiosk.drivers.printer import PrinterError
    from kiosk.drivers.printer.escpos import PrinterProfile, open_printer

    printer = open_printer(rig.ports["printer"], baud=115200, profile=PrinterProfile(width_dots=384))
    try:
        before = rig.documents_printed()
        page = Image.new("1", (384, 64), 1)
        page.paste(0, (40, 10, 340, 50))
        printer.print_image(page)
        assert rig.documents_printed() == before + 1
        roll = rig.roll()
        assert roll is not None and roll.height >= 64
        rig.set_paper_out(True)
        with pytest.raises(PrinterError) as e:
            printer.print_image(page)
        assert e.value.reason == "paper_out"
        rig.set_paper_out(False)
        rig.set_cover_open(True)
        with pytest.raises(PrinterError) as e:
            printer.print_image(page)
        assert e.value.reason == "cover_open"
        rig.set_cover_open(False)
        assert rig.documents_printed() == before + 1
    finally:
        rig.set_paper_out(False)
        rig.set_cover_open(False)
        printer.close()


def test_the_card_tray_inserts_a_test_citizen_into_the_virtual_reader(rig: Rig) -> None:
    if rig.card_stack is None:
        missing_stack(f"pcscd + vpcd ({rig.missing.get('card')})")
    from kiosk.drivers.card import CardError
    from kiosk.drivers.card.pcsc import PcscCardReader

    reader = PcscCardReader(lambda ev: None, today=lambda: date(2026, 11, 20), reader=rig.ports["card_reader"])
    rig.insert_card("ruethai")
    try:
        data = reader.read_now(timeout_s=5)
        assert data.cid == rig.citizen("ruethai").cid
        rig.insert_card("somchai", pull_mid_read=True)
        with pytest.raises(CardError):
            reader.read_now(timeout_s=5)
    finally:
        rig.remove_card()
    assert rig.levers.card_in == ""


def test_the_finger_levers_drive_the_simulated_sensor(rig: Rig) -> None:
    assert rig.sensor is not None, rig.missing.get("finger")
    assert rig.place_finger("somchai")
    assert rig.sensor.finger_on == rig.citizen("somchai").finger
    rig.lift_finger()
    assert rig.sensor.finger_on is None
    assert rig.levers.finger_on == ""


def test_without_shared_faces_the_camera_has_nobody_and_still_works(tmp_path: Path) -> None:
    rig = Rig(faces_dir=tmp_path)
    assert rig.photos == []
    assert rig.frame() is None
    assert not rig.show_person("somchai")


def test_the_camera_shows_a_citizen_from_the_shared_photos(asian_faces_dir: Path) -> None:
    from simulator.citizens import by_key, load_citizens

    photos = find_photos(load_citizens(), asian_faces_dir)
    assert photos
    rig = Rig(faces_dir=asian_faces_dir)
    assert rig.show_person("somchai")
    frame = rig.frame()
    assert frame is not None and frame.shape == (480, 640, 3)  # what the kiosk's camera delivers
    # The chip portrait's own photo is offered last, so the camera does not show the very same picture first.
    assert rig.photos[rig.levers.photo].path.name != by_key("somchai").portrait


def test_the_network_switch_cuts_the_kiosk_off_the_registry(rig: Rig) -> None:
    assert rig.registry_server is not None, rig.missing.get("registry")
    from kiosk.registry_client import RegistryClient, RegistryUnavailable

    cfg = rig.kiosk_config(Config()).registry
    with RegistryClient(
        cfg.url, ca_cert=cfg.ca_cert, client_cert=cfg.client_cert, client_key=cfg.client_key, timeout_s=5
    ) as client:
        assert client.offices(), "the seeded registry answers through the link"
        rig.set_online(False)
        try:
            with pytest.raises(RegistryUnavailable):
                client.offices()
        finally:
            rig.set_online(True)
        assert client.offices()
