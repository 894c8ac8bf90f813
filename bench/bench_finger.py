"""Fingerprint driver timings against the simulated sensor on a pty: round trip per command (median of several runs),
and a two-capture enrolment with datasheet-like timing against the sum of the simulated sensor's own delays.

Run: .venv/bin/python bench/bench_finger.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.drivers.finger import FingerSettings, LedColor, LedMode
from kiosk.drivers.finger.uart import FingerUart, open_port
from simulator.finger import DATASHEET, INSTANT, SensorTimings, SimulatedSensor

BAUD = 57600
FINGER = "somchai-right-index"


def measure(sensor: SimulatedSensor, call: Callable[[], Any], runs: int) -> tuple[float, float]:
    """Median wall time and median of the sensor's own time (busy + wire) for `call`, in seconds."""
    walls: list[float] = []
    owns: list[float] = []
    for _ in range(runs):
        sensor.reset_stats()
        start = time.perf_counter()
        call()
        walls.append(time.perf_counter() - start)
        stats = sensor.stats
        owns.append(stats.busy_s + stats.wire_s)
    return statistics.median(walls), statistics.median(owns)


def bench_commands(timings: SensorTimings, pace: bool, runs: int, packet_size: int) -> None:
    label = f"timings={'datasheet' if timings is DATASHEET else 'instant'}, pacing={f'{BAUD} baud' if pace else 'off'}"
    print(f"\n== round trip per command ({label}, {packet_size}-byte data packets, median of {runs})")
    print(f"{'command':34} {'wall ms':>9} {'sensor ms':>10} {'overhead ms':>12}")
    with SimulatedSensor(pace_baud=BAUD if pace else None, timings=timings, packet_size=packet_size) as sensor:
        port = open_port(sensor.path, BAUD)
        driver = FingerUart(port, FingerSettings(packet_size=packet_size, capture_timeout_s=5))
        driver.handshake()
        sensor.place_finger(FINGER)
        driver.capture(1)
        driver.capture(2)
        driver.combine()
        template = driver.export_template(1)
        driver.store(0)

        def capture() -> None:
            driver.capture(1)

        def no_finger() -> None:
            sensor.lift()
            driver.wait_for_lift(1)
            sensor.place_finger(FINGER)

        cases: list[tuple[str, Callable[[], Any]]] = [
            ("VfyPwd", driver.verify_password),
            ("ReadSysPara", driver.read_parameters),
            ("TemplateNum", driver.template_count),
            ("GenImg (no finger)", no_finger),
            ("GenImg + Img2Tz (capture)", capture),
            ("Match", driver.match_buffers),
            ("Search (1 of 200 pages used)", lambda: driver.search(1)),
            ("Store", lambda: driver.store(1)),
            ("LoadChar", lambda: driver.load(0, 2)),
            (f"UpChar ({len(template)} B export)", driver.export_template),
            ("DownChar + Match (import, compare)", lambda: driver.compare(template)),
            ("AuraLedConfig", lambda: driver.led(LedColor.BLUE, LedMode.ON)),
        ]
        for name, call in cases:
            wall, own = measure(sensor, call, runs)
            print(f"{name:34} {wall * 1e3:9.2f} {own * 1e3:10.2f} {(wall - own) * 1e3:12.2f}")
        port.close()


def bench_enrolment(runs: int) -> None:
    print(f"\n== enrolment: 2 captures, lift, Match, RegModel, UpChar (datasheet timing, {BAUD} baud, median {runs})")
    walls: list[float] = []
    owns: list[float] = []
    with SimulatedSensor(pace_baud=BAUD, timings=DATASHEET) as sensor:
        port = open_port(sensor.path, BAUD)
        driver = FingerUart(port, FingerSettings(capture_timeout_s=5))
        driver.handshake()
        for _ in range(runs):
            sensor.reset_stats()
            sensor.present(FINGER, times=2)
            start = time.perf_counter()
            enrolment = driver.enroll()
            walls.append(time.perf_counter() - start)
            stats = sensor.stats
            owns.append(stats.busy_s + stats.wire_s)
            assert len(enrolment.template) == 512
        commands = sum(sensor.stats.commands.values())
        port.close()
    wall, own = statistics.median(walls), statistics.median(owns)
    print(f"enrolment wall time           {wall * 1e3:9.1f} ms ({commands} commands)")
    print(f"sensor's own delays (sum)     {own * 1e3:9.1f} ms (busy + bytes on the wire)")
    print(f"driver + pty overhead         {(wall - own) * 1e3:9.1f} ms  (wall / sensor = {wall / own:.3f})")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=9)
    args = p.parse_args()
    bench_commands(INSTANT, pace=False, runs=args.runs, packet_size=128)
    bench_commands(DATASHEET, pace=True, runs=args.runs, packet_size=128)
    bench_commands(INSTANT, pace=True, runs=args.runs, packet_size=32)
    bench_enrolment(max(3, args.runs // 2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
