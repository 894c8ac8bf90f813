"""`python -m simulator.printer`: a standalone simulated printer on a pty (or TCP) until Ctrl-C; writes the roll.

python -m simulator.printer --roll roll.png            # prints the pty path: use it as [printer] transport
python -m simulator.printer --tcp 9100 --speed 100     # tcp://127.0.0.1:9100, at 100 mm/s
python -m simulator.printer --bauds 115200 230400 --paced   # answers only at these rates, paced at the line's
"""

from __future__ import annotations

import argparse
import signal
import threading

from simulator.printer.device import SimulatedPrinter
from simulator.printer.ports import PtyPort, TcpPort


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m simulator.printer", description=__doc__.splitlines()[0])
    p.add_argument("--width", type=int, default=384, help="paper width in dots (384 = 58 mm, 576 = 80 mm)")
    p.add_argument("--tcp", type=int, metavar="PORT", help="listen on 127.0.0.1:PORT instead of a pty")
    p.add_argument("--speed", type=float, metavar="MM_S", help="print speed in mm/s (default: instant)")
    p.add_argument("--near-end", action="store_true", help="start with the paper near its end")
    p.add_argument("--bauds", type=int, nargs="+", metavar="BAUD", help="the serial rates it runs at (default: any)")
    p.add_argument("--paced", action="store_true", help="take bytes no faster than the line's rate (pty only)")
    p.add_argument("--roll", metavar="FILE", help="write the paper roll to FILE (PNG) on exit")
    args = p.parse_args()

    bauds = frozenset(args.bauds) if args.bauds else None
    printer = SimulatedPrinter(args.width, print_speed_mm_s=args.speed, bauds=bauds)
    if args.near_end:
        printer.set_near_end()
    port: PtyPort | TcpPort = TcpPort(printer, args.tcp) if args.tcp is not None else PtyPort(printer, paced=args.paced)
    done = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: done.set())
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    print(f"simulated printer ({args.width} dots) at {port.start()}  (Ctrl-C to stop)", flush=True)
    try:
        done.wait()
    finally:
        port.stop()
        printer.close()
        if args.roll:
            printer.roll_image().save(args.roll)
            print(f"{len(printer.documents())} document(s); roll written to {args.roll}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
