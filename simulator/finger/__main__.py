"""Run a simulated sensor on a pty until interrupted: `python -m simulator.finger --finger somchai-right-index`."""

from __future__ import annotations

import argparse
import signal
import threading

from simulator.finger import DATASHEET, INSTANT, SimulatedSensor


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m simulator.finger", description=__doc__)
    p.add_argument("--packet-size", type=int, default=128, choices=(32, 64, 128, 256))
    p.add_argument("--library-size", type=int, default=200)
    p.add_argument("--baud", type=int, default=57600)
    p.add_argument("--pace", action="store_true", help="pace bytes at the baud rate")
    p.add_argument("--datasheet-timing", action="store_true", help="take as long as a real sensor per command")
    p.add_argument("--finger", help="keep this finger on the window")
    p.add_argument("--touches", type=int, help="present the finger this many times, lifting it after each image")
    p.add_argument("--quality", type=float, help="0..1 (default: 1.0, or 0.3 for an id marked 'worn')")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    sensor = SimulatedSensor(
        pace_baud=args.baud if args.pace else None,
        timings=DATASHEET if args.datasheet_timing else INSTANT,
        seed=args.seed,
        packet_size=args.packet_size,
        library_size=args.library_size,
        baud=args.baud,
    )
    done = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: done.set())
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with sensor:
        if args.finger and args.touches:
            sensor.present(args.finger, args.quality, times=args.touches)
        elif args.finger:
            sensor.place_finger(args.finger, args.quality)
        print(sensor.path, flush=True)
        done.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
