"""The simulator's devices, started behind their real transports, and the levers the panel and scenarios pull.

Each device starts if this machine can run it (the card needs pcscd + vpcd, and so on); one that cannot is listed in
`missing` with the reason and its levers do nothing. Nothing here imitates a driver: the kiosk talks to these
devices through pcscd, pseudo-terminals and sockets exactly as on the Pi.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from kiosk.config import Config
from simulator import framing
from simulator.citizens import FACES_DIR, Citizen, face_photo_paths, load_citizens

SIM_KIOSK_ID = "KIOSK-SIM-0001"  # the name in the client certificate the rig's registry issues
log = logging.getLogger(__name__)

Frame = npt.NDArray[np.uint8]
WORN_FINGER_QUALITY = 0.3
# the simulated printer runs at its factory rate and one faster (config/kiosk.sim.toml allows it: [printer] bauds)
SIM_PRINTER_BAUDS = frozenset({115200, 230400})
PULL_MID_READ_APDU = 12  # the card vanishes on this APDU: during the name and photo reads


@dataclass
class Photo:
    """One picture the simulated camera can show: a file (decoded on demand, kept in memory only)."""

    label: str
    path: Path
    owner: str = ""  # the test citizen whose face it is ("" for the webcam)


def find_photos(citizens: list[Citizen], faces_dir: Path = FACES_DIR) -> list[Photo]:
    """The test citizens' photos from ../shared/faces-asian, labelled with whose they are; empty when it is absent.

    A citizen's chip portrait is made from one of them, so the camera offers the others first and that one last."""
    photos: list[Photo] = []
    for c in citizens:
        files = [p for p in face_photo_paths(c, faces_dir) if p.exists()]
        for k, p in enumerate(files[1:] + files[:1], start=1):
            note = " (the card's own photo)" if p.name == c.portrait else ""
            photos.append(Photo(f"{c.key}, photo {k} of {len(files)}{note}", p, c.key))
    return photos


@dataclass
class Levers:
    """What the panel shows about the devices: plain values the window reads each frame."""

    card_in: str = ""  # the citizen key, "" when the slot is empty
    finger_on: str = ""  # "" | citizen key | "worn:<key>"
    sensor_silent: bool = False
    paper_out: bool = False
    cover_open: bool = False
    online: bool = True
    tamper: bool = False
    presence: bool = False  # someone in front of the presence sensor
    photo: int = -1  # index into photos; -1: nobody in front of the camera
    changed: int = 0  # bumped on every change, so the window redraws only then


class Rig:
    """Starts the simulated devices it can, and holds the levers; every lever is cheap and safe on the UI thread."""

    def __init__(self, *, width_dots: int = 384, faces_dir: Path = FACES_DIR, state_dir: Path | None = None) -> None:
        self.width_dots = width_dots
        # The kiosk's store, keys and the registry's home for this run: fresh unless a folder is given.
        self._own_state = state_dir is None
        self.state_dir = state_dir or Path(tempfile.mkdtemp(prefix="kiosk-sim-"))
        self.citizens: list[Citizen] = load_citizens()
        self.photos: list[Photo] = find_photos(self.citizens, faces_dir)
        self.levers = Levers()
        self.missing: dict[str, str] = {}
        self._stack = contextlib.ExitStack()
        self._lock = threading.Lock()
        self._frame_cache: tuple[int, Frame] | None = None
        self._webcam_frame: Frame | None = None
        self.card_stack: Any = None
        self.sensor: Any = None
        self.printer: Any = None
        self._printer_port: Any = None
        self.ports: dict[str, str] = {}
        self.registry_server: Any = None
        self.coproc: Any = None
        self.link: Any = None
        self.on_change: list[Callable[[], None]] = []

    # --- life cycle ---------------------------------------------------------------------------------------------

    def start(self, devices: tuple[str, ...] = ("card", "finger", "printer", "registry", "coproc")) -> None:
        self.enrol_keys()
        for name in devices:
            try:
                getattr(self, f"_start_{name}")()
            except Exception as e:  # a device this machine cannot run is reported, not fatal
                self.missing[name] = f"{type(e).__name__}: {e}"
                log.warning("simulated %s unavailable: %s", name, e)
        for name in ("card", "finger", "printer", "registry", "coproc"):
            if name not in devices:
                self.missing[name] = "not started"
        self._start_webcam()
        self.missing.setdefault("camera", "no photos: ../shared/faces-asian is absent")
        if self.photos:
            self.missing.pop("camera", None)

    def enrol_keys(self) -> None:
        """The kiosk's side of `kiosk enrol-device`: its keys, made once in the data_dir `kiosk_config` names (kept if
        already there); the registry's side, the certificate, comes with the simulated registry."""
        from kiosk.store import load_or_create

        load_or_create(self.state_dir / "keys")

    def _start_card(self) -> None:
        from simulator.vcard.pcscd import missing_parts, virtual_stack

        lacking = missing_parts()
        if lacking:
            raise RuntimeError("missing " + ", ".join(lacking))
        self.card_stack = self._stack.enter_context(virtual_stack(1))
        self.ports["card_reader"] = self.card_stack.readers[0]

    def _start_finger(self) -> None:
        from simulator.finger import DATASHEET, SimulatedSensor

        self.sensor = self._stack.enter_context(SimulatedSensor(timings=DATASHEET))
        self.ports["finger"] = self.sensor.path

    def _start_printer(self) -> None:
        from simulator.printer.device import SimulatedPrinter
        from simulator.printer.ports import PtyPort

        self.printer = SimulatedPrinter(self.width_dots, bauds=SIM_PRINTER_BAUDS)
        self.printer.add_listener(self._bump)
        self._printer_port = self._stack.enter_context(PtyPort(self.printer))
        self.ports["printer"] = self._printer_port.path

    def _start_coproc(self) -> None:
        """The co-processor's own firmware under MicroPython, its USB link on a pty, its pins observed."""
        from simulator.coproc import SimulatedCoproc

        self.coproc = SimulatedCoproc()
        self.ports["coproc"] = self.coproc.start()
        self._stack.callback(self.coproc.stop)

    def _start_webcam(self, device: str = "/dev/video0") -> None:
        """A webcam where there is one and OpenCV is installed (the `webcam` extra): offered first in the chooser.

        Frames are grabbed on their own thread and only the latest is kept, in memory."""
        if not Path(device).exists():
            return
        try:
            import cv2
        except ImportError:
            return
        cap = cv2.VideoCapture(device)
        if not cap.isOpened():
            return
        stop = threading.Event()

        def grab() -> None:
            while not stop.is_set():
                ok, bgr = cap.read()
                if ok:
                    with self._lock:
                        self._webcam_frame = np.ascontiguousarray(bgr[:, :, ::-1])
                else:
                    stop.wait(0.1)
            cap.release()

        threading.Thread(target=grab, name="sim-webcam", daemon=True).start()
        self._stack.callback(stop.set)
        self.photos.insert(0, Photo("webcam", Path(device)))

    @property
    def has_webcam(self) -> bool:
        return any(p.label == "webcam" for p in self.photos)

    def camera(self) -> Any:
        """The kiosk's camera in the simulator: whoever is in front of it now (see simulator.camera)."""
        from simulator.camera import RigCamera

        return RigCamera(self.frame)

    def board(self) -> Any:
        """The firmware's outputs now (light ring, status LEDs, buzzer, Pi power), or None without a co-processor."""
        return None if self.coproc is None else self.coproc.state()

    def _start_registry(self) -> None:
        """The registry service on loopback (SQLite, seeded with the test population), reached through the link."""
        from datetime import date

        from kiosk.registry import pki
        from kiosk.registry.db import open_database
        from kiosk.registry.home import RegistryHome
        from kiosk.registry.population import seed
        from kiosk.registry.server import RegistryServer
        from simulator.link import Link

        home = RegistryHome(self.state_dir / "registry")
        home.init()
        url = home.default_database
        db = open_database(url)
        try:
            seed(db, date.today(), extra=40)
        finally:
            db.close()
        server = RegistryServer(home, url).start()
        self._stack.callback(server.stop)
        self.registry_server = server
        pki_dir = self.state_dir / "pki"
        cert = pki.enrol_kiosk(
            home.authority(), SIM_KIOSK_ID, pki_dir / "kiosk.pem", pki_dir / "kiosk.key", pki_dir / "ca.pem"
        )
        self._enrol_kit_key(home, url, cert.serial_number)
        self.link = Link(("127.0.0.1", server.api_port))
        self._stack.callback(self.link.close)
        self.ports["registry"] = self.link.url
        self.ports["trust_list"] = str(home.trust_list)
        self.ports["verify"] = server.verify_url

    def _enrol_kit_key(self, home: Any, url: str, serial: int) -> None:
        """As `kiosk enrol-device` does: the registry holds the kiosk's key from its certification on, so its
        presence proofs and offline tokens check before its first sync."""
        from kiosk.registry.db import open_database
        from kiosk.registry.service import Registry
        from kiosk.store import kit_public_key, load_keys

        keys = load_keys(self.state_dir / "keys")
        db = open_database(url)
        try:
            Registry(db, home.signer()).enrol_kit_key(SIM_KIOSK_ID, kit_public_key(keys.audit_key), serial)
        finally:
            db.close()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._stack.close()
        if self._own_state:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def __enter__(self) -> Rig:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def kiosk_config(self, cfg: Config) -> Config:
        """`cfg` with the device addresses pointed at these simulated devices."""
        changes: dict[str, Any] = {}
        if "card_reader" in self.ports:
            changes["card"] = dataclasses.replace(cfg.card, reader=self.ports["card_reader"])
        if "finger" in self.ports:
            changes["finger"] = dataclasses.replace(cfg.finger, port=self.ports["finger"])
        if "printer" in self.ports:
            changes["printer"] = dataclasses.replace(
                cfg.printer, transport=self.ports["printer"], width_dots=self.width_dots
            )
        if "coproc" in self.ports:
            changes["coproc"] = dataclasses.replace(cfg.coproc, port=self.ports["coproc"])
        if "registry" in self.ports:
            pki_dir = self.state_dir / "pki"
            changes["registry"] = dataclasses.replace(
                cfg.registry,
                url=self.ports["registry"],
                ca_cert=pki_dir / "ca.pem",
                client_cert=pki_dir / "kiosk.pem",
                client_key=pki_dir / "kiosk.key",
                trust_list=Path(self.ports["trust_list"]),
            )
        changes["store"] = dataclasses.replace(cfg.store, path=self.state_dir / "kiosk.sqlite3")
        # The simulator offers every journey, the officer's too: its kiosk is a field kit.
        # the registry knows the kiosk by its certificate's name: offline tokens and officer proofs name it too
        changes["kiosk"] = dataclasses.replace(cfg.kiosk, id=SIM_KIOSK_ID, data_dir=self.state_dir, role="field_kit")
        if not self.has_webcam and cfg.face.liveness:
            # A photo cannot blink or turn its head, and the liveness check exists to refuse exactly that.
            log.warning("liveness check off in the simulator: no webcam, the camera shows still photos")
            changes["face"] = dataclasses.replace(cfg.face, liveness=False)
        changes["ui"] = dataclasses.replace(cfg.ui, fullscreen=False)
        return dataclasses.replace(cfg, **changes)

    def provision(self, cfg: Config) -> None:
        """Put the test officers on the kiosk's roster (their card's holder key and PIN), as a district office would
        when it hands out a field kit, and record that hand-over as its last sync (the office syncs the kit): it
        enrols for `[store] max_offline_hours` from now. `cfg` is the kiosk's config from `kiosk_config`."""
        try:
            from kiosk.flows.adapters import LocalAdapter
        except ImportError:
            return
        from kiosk.flows.attempts import holder_key
        from kiosk.store import last_sync, load_keys, open_store

        keys = load_keys(cfg.kiosk.data_dir / "keys")  # made by `enrol_keys` when the rig started
        conn = open_store(cfg.store.path)
        try:
            local = LocalAdapter(conn, keys, cfg.kiosk.unit, cfg.kiosk.id)
            for c in self.citizens:
                if c.officer and c.pin:
                    name = c.name_th.full()
                    # The registry knows its officers by their citizen ID (kiosk.registry.population).
                    local.add_officer(holder_key(c.cid, keys.subject_key), c.cid, name, c.pin)
            last_sync.record(conn, keys.data_key, time.time())
        finally:
            conn.close()

    def _bump(self) -> None:
        self.levers.changed += 1
        for fn in list(self.on_change):
            fn()

    # --- the card tray ------------------------------------------------------------------------------------------

    def citizen(self, key: str) -> Citizen:
        for c in self.citizens:
            if c.key == key:
                return c
        raise KeyError(f"no test citizen {key!r} (known: {', '.join(c.key for c in self.citizens)})")

    def insert_card(self, key: str, *, pull_mid_read: bool = False) -> bool:
        if self.card_stack is None:
            return False
        from simulator.vcard.card import CardBehaviour, CardImage, Fault, ThaiIdCard

        faults = (Fault(PULL_MID_READ_APDU, "remove"),) if pull_mid_read else ()
        card = ThaiIdCard(CardImage.of(self.citizen(key)), CardBehaviour(faults=faults))
        if self.levers.card_in:
            self.card_stack.remove()
        self.card_stack.insert(card)
        self.levers.card_in = key
        self._bump()
        return True

    def remove_card(self) -> None:
        if self.card_stack is not None and self.levers.card_in:
            self.card_stack.remove()
        self.levers.card_in = ""
        self._bump()

    def card_left(self) -> str:
        """Whose card is really in the slot now ("" when empty): a fault may have pulled it out mid-read."""
        if self.card_stack is None or not self.levers.card_in:
            return ""
        return self.levers.card_in if self.card_stack.cards[0].inserted else ""

    # --- the fingerprint sensor ---------------------------------------------------------------------------------

    def place_finger(self, key: str, *, worn: bool = False) -> bool:
        if self.sensor is None:
            return False
        self.sensor.place_finger(self.citizen(key).finger, WORN_FINGER_QUALITY if worn else 1.0)
        self.levers.finger_on = f"worn:{key}" if worn else key
        self._bump()
        return True

    def lift_finger(self) -> None:
        if self.sensor is not None:
            self.sensor.lift()
        self.levers.finger_on = ""
        self._bump()

    def set_sensor_silent(self, silent: bool) -> None:
        if self.sensor is not None:
            self.sensor.stall(silent)
        self.levers.sensor_silent = silent
        self._bump()

    # --- the printer --------------------------------------------------------------------------------------------

    def set_paper_out(self, out: bool) -> None:
        if self.printer is not None:
            self.printer.run_out_of_paper() if out else self.printer.load_paper()
        self.levers.paper_out = out
        self._bump()

    def set_cover_open(self, open_: bool) -> None:
        if self.printer is not None:
            self.printer.open_cover() if open_ else self.printer.close_cover()
        self.levers.cover_open = open_
        self._bump()

    def roll(self) -> Image.Image | None:
        return None if self.printer is None else self.printer.roll_image()

    def documents_printed(self) -> int:
        return 0 if self.printer is None else len(self.printer.documents())

    # --- camera, network, co-processor --------------------------------------------------------------------------

    def show_photo(self, index: int) -> None:
        self.levers.photo = index if 0 <= index < len(self.photos) else -1
        self._bump()

    def show_person(self, who: str) -> bool:
        """Put `who`'s first photo (a citizen key, or a photo's label) in front of the camera; "" steps away."""
        if not who:
            self.show_photo(-1)
            return True
        for i, p in enumerate(self.photos):
            if who in (p.owner, p.label):
                self.show_photo(i)
                return True
        return False

    def frame(self) -> Frame | None:
        """What the simulated camera sees now (RGB), decoded once per chosen photo and held in memory only."""
        i = self.levers.photo
        if i < 0:
            return None
        if self.photos[i].label == "webcam":
            with self._lock:
                return self._webcam_frame
        with self._lock:
            if self._frame_cache is None or self._frame_cache[0] != i:
                path = self.photos[i].path
                view = framing.camera_view(framing.load_rgb(path), framing.face_box(path))
                self._frame_cache = (i, np.asarray(view, dtype=np.uint8))
            return self._frame_cache[1]

    def set_online(self, online: bool) -> None:
        if self.link is not None:
            self.link.set_online(online)
        self.levers.online = online
        self._bump()

    def set_tamper(self, opened: bool) -> None:
        if self.coproc is not None:
            self.coproc.set_tamper_open(opened)
        self.levers.tamper = opened
        self._bump()

    def set_presence(self, present: bool) -> None:
        if self.coproc is not None:
            self.coproc.set_presence(present)
        self.levers.presence = present
        self._bump()
