"""How long a citizen who answers instantly waits on the kiosk, per journey and split by step.

Each journey runs from the attract screen to its end through the effect executor (`kiosk.flows.host`) with a
scripted citizen who reacts to every screen at once; the time spent in each stage is taken from the executor's
stage trace. Two set-ups:

  in-memory   the executor with in-memory ports: what the journeys, the executor and the runner themselves cost
  devices     the real drivers against the simulated devices (virtual card via pcscd+vpcd, ESC/POS printer and
              fingerprint sensor on ptys, registry over mutual TLS on loopback, the face pipeline on the simulator's
              camera showing the citizen's photo from ../shared/faces; liveness is off there: a photo cannot blink)

python bench/bench_journeys.py [--runs 5] [--devices]     prints medians of --runs runs, in milliseconds
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.drivers import card as card_driver
from kiosk.flows.attempts import holder_key
from kiosk.flows.context import DeviceStatus
from kiosk.flows.host import JOURNEYS, JourneyHost, StageTrace
from kiosk.runner import Runner
from kiosk.ui.events import Tapped
from tests.flows.fakes import IDENTITY, PORTRAIT, FakeLocal, Screens, fake_ports

PASSCODE = "13572468"
SECRET = b"bench-secret"
OFFICER_CID, OFFICER_PIN = "3100600123450", "482913"


class Citizen:
    """Answers every screen at once; `insert`/`remove`/`finger` act on the devices of the set-up in use."""

    def __init__(
        self,
        journey: str,
        runner: Runner,
        screens: Screens,
        *,
        insert: Callable[[str], object],
        remove: Callable[[], None],
        finger: Callable[[str], None],
        citizen: tuple[str, str],
        officer: tuple[str, str],
    ) -> None:
        self.journey, self.runner, self.screens = journey, runner, screens
        self.insert, self.remove, self.finger = insert, remove, finger
        self.citizen_key, self.citizen_id = citizen
        self.officer_key, self.officer_pin = officer
        self.seen = 0
        self.done = False
        self.officer_in = False
        self.failed = ""

    def tap(self, action: str, value: str = "") -> None:
        self.runner.post(Tapped(action, value))

    def digits(self, code: str) -> None:
        for d in code:
            self.tap("digit", d)
        self.tap("ok")

    def react(self) -> None:
        """Act on every screen shown since the last call (in order: some are passed through quickly)."""
        while self.seen < len(self.screens.shown) and not self.done:
            name, data = self.screens.shown[self.seen]
            self.seen += 1
            if self.seen == len(self.screens.shown):
                self.answer(name, data)

    def answer(self, name: str, data: dict[str, Any]) -> None:
        match name:
            case "attract" if self.seen > 1:
                self.done = True
            case "attract":
                self.tap("start")
            case "language":
                self.tap("language", "th")
            case "menu":
                self.tap("service", self.journey)
            case "consent":
                self.tap("accept")
            case "officer_signin":
                self.tap("sign_in", "card")
            case "insert_card" if data.get("who") == "officer":
                self.insert(self.officer_key)
                self.officer_in = True
            case "insert_card" if self.journey == "thaid_officer" and self.officer_in:
                self.insert(self.citizen_key)
            case "insert_card":
                self.insert(self.citizen_key)
            case "remove_card":
                self.remove()
                self.officer_in = self.officer_in and data.get("who") == "officer"
            case "card_data":
                self.tap("confirm")
            case "passcode" if data.get("purpose") == "officer_pin":
                self.digits(self.officer_pin)
            case "passcode":
                self.digits(PASSCODE)
            case "citizen_id_entry":
                self.digits(self.citizen_id)
            case "finger":
                self.finger(str(data.get("hint", "")))
            case "activation_qr":
                self.tap("done") if self.journey != "thaid_officer" else self.finish()
            case "extract_choice":
                self.tap("document", "tr14_1")
            case "extract_preview":
                self.tap("print")
            case "printed" | "own_data" | "thank_you":
                self.tap("done")
            case "booking_action":
                self.tap("new_booking")
            case "booking_office":
                self.tap("office", data["offices"][0]["id"])
                self.tap("service", "general" if "general" in data.get("services", []) else "id_card")
            case "booking_office" if data.get("office"):
                pass
            case "booking_calendar":
                self.tap("day", next(d["date"] for d in data["days"] if d["available"]))
            case "booking_slots":
                self.tap("slot", next(s["time"] for s in data["slots"] if s["available"]))
            case "booking_confirmed":
                self.tap("print") if data.get("print") else self.tap("done")
            case "error" | "out_of_service" | "timeout_warning":
                self.failed = f"{name}: {data}"
                self.done = True

    def finish(self) -> None:
        self.tap("sign_out")
        self.done = True


def waits(trace: StageTrace, journey: str, end: float) -> dict[str, float]:
    """Seconds spent in each stage. The citizen answers at once, so all of it is waiting: in a machine stage for the
    device or the registry, in a screen that waits for the person for the machine to notice the answer (a card
    detected by pcscd, a finger by the sensor). User stages are marked with a trailing "*"."""
    flow = JOURNEYS[journey]
    entries = [(s, t) for j, s, t in trace.entries if j == journey]
    out: dict[str, float] = defaultdict(float)
    for (stage, t), (_, t_next) in zip(entries, [*entries[1:], ("", end)], strict=True):
        if stage in ("notice", "closed"):
            continue
        out[stage if flow.stages[stage].waits == "machine" else stage + "*"] += t_next - t
    return dict(out)


def run_once(journey: str, setup: Callable[[], tuple[Any, ...]]) -> dict[str, float]:
    runner, screens, host, citizen, close = setup()
    try:
        started = time.monotonic()
        while not citizen.done and time.monotonic() - started < 60:
            runner.run(until=lambda: len(screens.shown) > citizen.seen or citizen.done)
            citizen.react()
        if citizen.failed or not citizen.done:
            raise SystemExit(f"{journey}: the scripted citizen did not finish ({citizen.failed or 'timeout'})")
        return waits(host.trace, journey, runner.clock.monotonic())
    finally:
        close()


def in_memory(journey: str) -> Callable[[], tuple[Any, ...]]:
    def setup() -> tuple[Any, ...]:
        runner = Runner(tick_s=0.05)
        screens = Screens()
        local = FakeLocal(officers={holder_key(OFFICER_CID, SECRET): ("OFF-1", "officer", OFFICER_PIN)})
        status = DeviceStatus(field_kit=journey == "thaid_officer")
        host = JourneyHost(runner, screens, fake_ports(local=local), secret=SECRET, status=status)
        officer = card_driver.CardIdentity(**{**IDENTITY.__dict__, "cid": OFFICER_CID})

        def insert(who: str) -> None:
            ident = officer if who == "officer" else IDENTITY
            runner.post(card_driver.CardInserted("r", b""))
            runner.post(card_driver.CardIdentityRead(ident))
            runner.post(card_driver.CardPhotoRead(PORTRAIT))

        citizen = Citizen(
            journey,
            runner,
            screens,
            insert=insert,
            remove=lambda: runner.post(card_driver.CardRemoved("r")),
            finger=lambda hint: None,
            citizen=("citizen", IDENTITY.cid),
            officer=("officer", OFFICER_PIN),
        )

        def close() -> None:
            host.close()
            runner.close()

        return runner, screens, host, citizen, close

    return setup


# Test citizens with valid cards; each run books or enrols another one (one booking per citizen and day).
CITIZENS = ["somsak", "somchai", "ruethai", "boonmee", "kanokwan", "thanakorn", "arunee"]


def with_devices(rig: Any, journey: str, run: int) -> Callable[[], tuple[Any, ...]]:
    import dataclasses

    from kiosk import app
    from kiosk.config import Config
    from kiosk.flows import host as host_mod
    from kiosk.flows.adapters import LocalAdapter
    from kiosk.store import last_sync, load_or_create, open_store

    who = CITIZENS[run % len(CITIZENS)]

    def setup() -> tuple[Any, ...]:
        cfg = rig.kiosk_config(Config())
        if journey == "thaid_officer":
            cfg = dataclasses.replace(cfg, camera=dataclasses.replace(cfg.camera, enabled=False))
            conn = open_store(cfg.store.path)
            keys = load_or_create(cfg.kiosk.data_dir / "keys")
            officer = rig.citizen("pitak")
            LocalAdapter(conn, keys, cfg.kiosk.unit, cfg.kiosk.id).add_officer(
                holder_key(officer.cid, keys.subject_key), officer.cid, "officer", "58203947"
            )
            last_sync.record(conn, keys.data_key, time.time())  # a kit handed out synced
            conn.close()
        runner = Runner(tick_s=0.05)
        screens = Screens()
        captured: list[Any] = []

        def compose_host(r: Runner, s: Screens) -> Callable[[], None]:
            original = host_mod.JourneyHost.__init__

            def spy(self: JourneyHost, *a: Any, **k: Any) -> None:
                original(self, *a, **k)
                captured.append(self)

            host_mod.JourneyHost.__init__ = spy  # type: ignore[method-assign]
            try:
                return app.compose(cfg, r, s, camera=rig.camera())  # type: ignore[arg-type]
            finally:
                host_mod.JourneyHost.__init__ = original  # type: ignore[method-assign]

        rig.show_person(who)
        close_host = compose_host(runner, screens)
        state = {"on": False}

        def finger(hint: str) -> None:
            if hint in ("place", "place_finger", "place_again") and not state["on"]:
                rig.place_finger(who)
                state["on"] = True
            elif hint in ("lift_finger", "lift") and state["on"]:
                rig.lift_finger()
                state["on"] = False

        citizen = Citizen(
            journey,
            runner,
            screens,
            insert=lambda key: bool(rig.insert_card(key)),
            remove=rig.remove_card,
            finger=finger,
            citizen=(who, rig.citizen(who).cid),
            officer=("pitak", "58203947"),
        )

        def close() -> None:
            rig.remove_card()
            rig.lift_finger()
            close_host()
            runner.close()

        return runner, screens, captured[0], citizen, close

    return setup


def report(title: str, runs: dict[str, list[dict[str, float]]]) -> None:
    print(f"\n{title} (median of {len(next(iter(runs.values())))} runs, ms; * = a screen waiting on the person)")
    for journey, samples in runs.items():
        totals = [sum(s.values()) for s in samples]
        print(f"  {journey:<14} total wait {statistics.median(totals) * 1000:9.1f}")
        for stage in dict.fromkeys(k for s in samples for k in s):
            values = [s.get(stage, 0.0) for s in samples]
            print(f"      {stage:<22} {statistics.median(values) * 1000:9.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--devices", action="store_true", help="also through the real drivers and simulated devices")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the devices' start-up warnings are not figures
    journeys = ["thaid", "extract", "booking", "own_data", "thaid_officer"]
    runs = {j: [run_once(j, in_memory(j)) for _ in range(args.runs)] for j in journeys}
    report("in-memory ports", runs)
    if args.devices:
        from simulator.rig import Rig

        rig = Rig()
        rig.start(devices=("card", "printer", "registry", "finger"))
        try:
            if rig.missing.keys() & {"card", "printer", "registry", "finger"}:
                print(f"\nsimulated devices unavailable: {rig.missing}")
                return 1
            device_runs = {
                j: [run_once(j, with_devices(rig, j, n)) for n in range(args.runs)]
                for j in ("thaid", "extract", "booking", "own_data", "thaid_officer")
            }
            report("real drivers, simulated devices", device_runs)
        finally:
            rig.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
