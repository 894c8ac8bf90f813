"""The test kiosks journey tests drive: one way to tap, present a card, type a code and wait for a screen
(`DrivenKiosk`), the executor on in-memory ports (`Kiosk`), and the whole kiosk composed by `kiosk.app.compose`
against the simulated devices and registry (`RigKiosk`, with the `rig` fixture and its helpers)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from typing import Any, Self

import pytest

from kiosk import app
from kiosk.config import Config
from kiosk.drivers import card as card_driver
from kiosk.flows.context import DeviceStatus
from kiosk.flows.host import JourneyHost
from kiosk.flows.ports import Ports
from kiosk.runner import FakeClock, Runner, Tick
from kiosk.ui.events import Tapped
from tests.conftest import missing_stack
from tests.flows.fakes import IDENTITY, NAMES, PORTRAIT, Screens, fake_ports

SECRET = b"test-kiosk-secret"


class DrivenKiosk:
    """A journey host on a runner, driven as a citizen would: taps, card events, codes, waits for a screen."""

    runner: Runner
    screens: Screens
    wait_s = 5.0  # how long `until` and `on` wait by default

    def post(self, *events: object) -> Self:
        for e in events:
            self.runner.post(e)
        self.runner.run_pending()
        return self

    def tap(self, action: str, value: str = "") -> Self:
        return self.post(Tapped(action, value))

    def until(self, cond: Callable[[], bool], timeout_s: float | None = None) -> Self:
        deadline = time.monotonic() + (self.wait_s if timeout_s is None else timeout_s)
        self.runner.run(until=lambda: cond() or time.monotonic() > deadline)
        assert cond(), f"timed out; screens so far: {self.screens.names[-8:]}"
        return self

    def on(self, name: str, timeout_s: float | None = None, **data: object) -> Self:
        """Wait until screen `name` is shown (with these `data` values, where given)."""

        def shown() -> bool:
            if not self.screens.shown:
                return False
            last, values = self.screens.last
            return last == name and all(values.get(k) == v for k, v in data.items())

        return self.until(shown, timeout_s)

    def insert_card(self) -> Self:
        return self.post(
            card_driver.CardInserted("Virtual PCD", b"\x3b\x67"),
            card_driver.CardNamesRead(NAMES),
            card_driver.CardIdentityRead(IDENTITY),
            card_driver.CardPhotoRead(PORTRAIT),
        )

    def remove_card(self) -> Self:
        return self.post(card_driver.CardRemoved("Virtual PCD"))

    def digits(self, code: str) -> Self:
        for d in code:
            self.tap("digit", d)
        return self.tap("ok")

    @property
    def data(self) -> dict[str, Any]:
        """The last screen's values, without the photo."""
        return {k: v for k, v in self.screens.last[1].items() if k != "photo"} if self.screens.shown else {}


class Kiosk(DrivenKiosk):
    """The executor with in-memory ports on a real runner and a fake clock."""

    def __init__(self, ports: Ports | None = None, *, status: DeviceStatus | None = None) -> None:
        self.clock = FakeClock()
        self.runner = Runner(self.clock, tick_s=0.002)
        self.screens = Screens()
        self.ports = ports or fake_ports()
        self.host = JourneyHost(self.runner, self.screens, self.ports, secret=SECRET, status=status)

    def close(self) -> None:
        self.host.close()
        self.runner.close()

    def wait(self, seconds: float) -> Self:
        self.clock.advance(seconds)
        return self.post(Tick())

    @property
    def shown(self) -> tuple[str, dict[str, Any]]:
        return self.screens.last


# ---- the whole kiosk against the simulated devices and registry (pcscd+vpcd, ptys, loopback mutual TLS) --------


class RigKiosk(DrivenKiosk):
    """The kiosk composed from config by `kiosk.app.compose`, exactly as `kiosk run` does, on the simulators."""

    wait_s = 30.0

    def __init__(self, rig: Any, cfg: Config, *, camera: bool = False) -> None:
        self.rig = rig
        self.runner = Runner(tick_s=0.02)
        self.screens = Screens()
        cam = rig.camera() if camera else None
        self.close_host = app.compose(cfg, self.runner, self.screens, camera=cam)  # type: ignore[arg-type]

    def take_card_out(self) -> None:
        """Remove the card and let pcscd and the kiosk see the slot empty before the next journey starts."""
        self.rig.remove_card()
        self._settle()

    def close(self) -> None:
        """Take the card out (and the finger off) and let pcscd see the slot empty before the next test's reader
        starts watching."""
        self.rig.remove_card()
        self.rig.lift_finger()
        self._settle()
        self.close_host()
        self.runner.close()

    def _settle(self) -> None:
        deadline = time.monotonic() + 1.5
        self.runner.run(until=lambda: time.monotonic() > deadline)


@pytest.fixture(scope="module")
def rig() -> Iterator[Any]:
    try:
        from simulator.rig import Rig
        from simulator.vcard.pcscd import missing_parts
    except ImportError as e:
        missing_stack(f"simulator: {e}")
    lacking = missing_parts()
    if lacking:
        missing_stack("pcscd + vpcd: " + ", ".join(lacking))
    r = Rig()
    r.start(devices=("card", "printer", "registry", "finger"))
    if any(d in r.missing for d in ("card", "printer", "registry", "finger")):
        r.stop()
        missing_stack(f"simulated devices: {r.missing}")
    yield r
    r.stop()


def config(rig: Any, **sections: Any) -> Config:
    cfg: Config = rig.kiosk_config(Config())
    changes = {name: dataclasses.replace(getattr(cfg, name), **values) for name, values in sections.items()}
    return dataclasses.replace(cfg, **changes)


def check_audit(cfg: Config, expected: list[str]) -> None:
    """The kiosk's signed audit log holds each step, verifies end to end, and names no one."""
    from kiosk.store import AuditLog, load_keys, open_store, verify_chain

    conn = open_store(cfg.store.path)
    try:
        keys = load_keys(cfg.kiosk.data_dir / "keys")
        entries = AuditLog(conn, keys.audit_key, keys.subject_key).entries()
        check = verify_chain(conn, keys.audit_key.public_key())
    finally:
        conn.close()
    kinds = [e.kind for e in entries]
    assert set(expected) <= set(kinds), kinds
    assert check.ok, check
    assert not any(ch.isdigit() and len(ch) == 13 for e in entries for ch in map(str, e.detail.values()))


def choose_a_free_slot(k: RigKiosk, rig: Any, citizen: str) -> tuple[str, str]:
    """From the attract screen to the booking's slot list with `citizen`'s card and face (Thai, the first office,
    general service, the first day with room); returns that day and its first free slot's time, not yet chosen.
    `k` needs the camera (`RigKiosk(..., camera=True)`): a booking is made only for the verified card holder."""
    k.on("attract").tap("start").tap("language", "th").tap("service", "booking").on("consent")
    k.tap("accept").on("insert_card")
    rig.show_person(citizen)
    rig.insert_card(citizen)
    k.on("booking_action", 60.0).tap("new_booking").on("booking_office")
    k.tap("office", k.data["offices"][0]["id"]).tap("service", "general").on("booking_calendar")
    day = next(d["date"] for d in k.data["days"] if d["available"])
    k.tap("day", day).on("booking_slots")
    slot = next(s["time"] for s in k.data["slots"] if s["available"])
    return day, slot


def faces_or_skip() -> None:
    from tests.conftest import ASIAN_FACES

    if not (ASIAN_FACES / "identities.json").exists():
        pytest.skip(f"test photos not present: {ASIAN_FACES}")
