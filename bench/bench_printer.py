"""Printer figures: render time per document (median), bytes on the wire per document, wire time at 115200 baud,
and the end-to-end time of a confirmed print on the simulated printer over a real pty (no baud pacing).

    .venv/bin/python bench/bench_printer.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial

from PIL import Image

from kiosk.documents import Document, Renderer
from kiosk.documents.samples import SAMPLE_KINDS, sample
from kiosk.drivers.printer import PrintJob, codec
from kiosk.drivers.printer.escpos import EscPosPrinter, PrinterProfile, Timing, open_printer
from simulator.printer import PtyPort, SimulatedPrinter

BAUD = 115200
BITS_PER_BYTE = 10  # 8N1
DOTS_PER_MM = 8  # 203 dpi


def median_s(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def print_once(printer: EscPosPrinter, doc: Document, image: Image.Image) -> None:
    printer.print_job(PrintJob(doc), image)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    header = (
        f"{'document':10} {'lang':4} {'dots':>4} {'rows':>5} {'mm':>5} {'render ms':>9} "
        f"{'wire bytes':>10} {'vs all rows':>11} {'wire s @115200':>14} {'print ms (pty)':>14}"
    )
    print(header)
    print("-" * len(header))
    for width in (384, 576):
        renderer = Renderer(width)
        sim = SimulatedPrinter(width_dots=width)
        with PtyPort(sim) as port:
            printer = open_printer(port.path, baud=BAUD, profile=PrinterProfile(width_dots=width), timing=Timing())
            for kind in SAMPLE_KINDS:
                for lang in ("th", "en"):
                    doc = sample(kind, lang)
                    render_s = median_s(partial(renderer.render, doc), args.runs)
                    image = renderer.render(doc)
                    before = sim.bytes_received
                    printer.print_job(PrintJob(doc), image)
                    wire_bytes = sim.bytes_received - before
                    print_s = median_s(partial(print_once, printer, doc, image), args.runs)
                    wire_s = wire_bytes * BITS_PER_BYTE / BAUD
                    all_rows = sum(len(b) for b in codec.raster_bands(image, printer.profile.band_rows))
                    print(
                        f"{kind:10} {lang:4} {width:>4} {image.height:>5} {image.height / DOTS_PER_MM:>5.0f} "
                        f"{render_s * 1000:>9.1f} {wire_bytes:>10} {wire_bytes / all_rows:>11.2f} {wire_s:>14.2f} "
                        f"{print_s * 1000:>14.1f}"
                    )
            printer.close()
    print(f"\nmedian of {args.runs} runs; wire time = bytes x {BITS_PER_BYTE} bits / {BAUD} baud (8N1, no pacing gaps)")
    print("'vs all rows': bytes sent / bytes of the raster bands alone if blank runs were not sent as feeds")


if __name__ == "__main__":
    main()
