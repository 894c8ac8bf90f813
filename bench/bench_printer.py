"""Printer figures per document: render time (median), bytes on the wire (and python-escpos's for the same image
when it is installed), paper length, and the time from "Print" to the confirmed cut on the simulated printer over
a pty paced at the configured baud; then the confirmation round trip on an idle printer for each method (GS ( H
process ID vs GS r), and a ticket with each.

    .venv/bin/python bench/bench_printer.py [--runs 7] [--baud 115200]
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
from kiosk.drivers.printer.escpos import CONFIRM_METHODS, EscPosPrinter, PrinterProfile, Timing, open_printer
from simulator.printer import PtyPort, SimulatedPrinter

BAUD = 115200
BITS_PER_BYTE = 10  # 8N1
# A pty holds ~20 KB written ahead (a UART's kernel buffer ~4 KB): at 115200 baud a DLE EOT poll can queue behind
# 1.8 s of raster, so the paced bench allows that long for a status answer (the driver's default is 1 s).
PACED_PTY_TIMING = Timing(status_timeout_s=2.5)
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


def print_to_cut_s(printer: EscPosPrinter, renderer: Renderer, doc: Document) -> float:
    """From "Print" (the document, not yet rendered) to the printer's confirmation after the cut."""
    t = time.perf_counter()
    printer.print_job(PrintJob(doc), renderer.render(doc))
    return time.perf_counter() - t


def escpos_bytes(image: Image.Image) -> int | None:
    """What python-escpos sends for the same image (GS v 0 raster), when it is installed."""
    try:
        from escpos.printer import Dummy  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    dummy = Dummy()
    dummy.image(image, impl="bitImageRaster")
    dummy.cut()
    return len(dummy.output)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--baud", type=int, default=BAUD, help="the paced serial line's speed")
    args = parser.parse_args()
    header = (
        f"{'document':10} {'lang':4} {'dots':>4} {'rows':>5} {'paper mm':>8} {'render ms':>9} "
        f"{'wire bytes':>10} {'escpos B':>8} {'vs escpos':>9} {'wire s':>6} {'Print->cut s':>12}"
    )
    print(f"simulated printer on a pty paced at {args.baud} baud (8N1); paper moves instantly (no print speed)")
    print(header)
    print("-" * len(header))
    for width in (384, 576):
        renderer = Renderer(width)
        sim = SimulatedPrinter(width_dots=width)
        with PtyPort(sim, baud=args.baud) as port:
            profile = PrinterProfile(width_dots=width)
            printer = open_printer(port.path, baud=args.baud, profile=profile, timing=PACED_PTY_TIMING)
            for kind in SAMPLE_KINDS:
                for lang in ("th", "en"):
                    doc = sample(kind, lang)
                    render_s = median_s(partial(renderer.render, doc), max(args.runs, 11))
                    image = renderer.render(doc)
                    before = sim.bytes_received
                    printer.print_job(PrintJob(doc), image)
                    wire_bytes = sim.bytes_received - before
                    cut_s = statistics.median(print_to_cut_s(printer, renderer, doc) for _ in range(args.runs))
                    wire_s = wire_bytes * BITS_PER_BYTE / args.baud
                    theirs = escpos_bytes(image)
                    their_text = f"{theirs:>8} {wire_bytes / theirs:>9.2f}" if theirs else f"{'-':>8} {'-':>9}"
                    print(
                        f"{kind:10} {lang:4} {width:>4} {image.height:>5} {image.height / DOTS_PER_MM:>8.0f} "
                        f"{render_s * 1000:>9.1f} {wire_bytes:>10} {their_text} {wire_s:>6.2f} {cut_s:>12.2f}"
                    )
            printer.close()
    print(
        f"\nmedian of {args.runs} runs (render: of {max(args.runs, 11)}); wire s = bytes x {BITS_PER_BYTE} bits / baud"
    )
    print("Print->cut: render + status + bands + cut + confirmation, through the paced pty")
    print("escpos B: python-escpos (Dummy, bitImageRaster + cut) for the same image, '-' when it is not installed")
    confirmation_round_trips(max(args.runs, 21))


def confirmation_round_trips(runs: int) -> None:
    """How long each confirmation method takes on an idle printer over a pty, and a whole ticket with each."""
    print(f"\nconfirmation (simulated printer on a pty, median of {runs} runs)")
    header = (
        f"{'method':10} {'query B':>7} {'answer B':>8} {'wire ms @115200':>15} {'round trip ms':>13} "
        f"{'ticket print ms':>15}"
    )
    print(header)
    print("-" * len(header))
    renderer = Renderer(384)
    doc = sample("ticket")
    image = renderer.render(doc)
    base: dict[str, float] = {}
    for method in CONFIRM_METHODS:
        sim = SimulatedPrinter(width_dots=384)
        with PtyPort(sim) as port:
            profile = PrinterProfile(width_dots=384, confirm=method)
            printer = open_printer(port.path, baud=BAUD, profile=profile, timing=Timing())
            printer.confirm()  # warm up
            round_trip_s = median_s(printer.confirm, runs)
            print_s = median_s(partial(print_once, printer, doc, image), runs)
            printer.close()
        if method == "process_id":
            query_b, answer_b = len(codec.process_id_request(b"0000")), len(codec.process_id_answer(b"0000"))
        else:
            query_b, answer_b = len(codec.PAPER_SENSOR_STATUS), 1
        wire_ms = (query_b + answer_b) * BITS_PER_BYTE / BAUD * 1000
        base[method] = round_trip_s
        print(
            f"{method:10} {query_b:>7} {answer_b:>8} {wire_ms:>15.2f} {round_trip_s * 1000:>13.2f} "
            f"{print_s * 1000:>15.1f}"
        )
    print(f"process_id / gs_r round trip: {base['process_id'] / base['gs_r']:.2f}x")


if __name__ == "__main__":
    main()
