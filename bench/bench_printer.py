"""Printer figures per document and paper width: render time (median), bytes on the wire (and python-escpos's for
the same image when it is importable), paper length, and the time from "Print" (the document, not yet drawn) to the
confirmed cut on the simulated printer over a pty paced at the line's rate: at the base rate, and at the rate the
driver negotiates with a printer that also runs at the faster `--printer-bauds`; bands are sent as they are drawn.
Then the confirmation round trip on an idle printer for each method (GS ( H process ID vs GS r), and a ticket with
each.

    .venv/bin/python bench/bench_printer.py [--runs 5] [--baud 115200] [--bauds 460800 230400]
        [--printer-bauds 115200 230400] [--langs th en]
"""

from __future__ import annotations

import argparse
import contextlib
import io
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
    """From "Print" (the document, not yet drawn) to the printer's confirmation after the cut: the kiosk's path,
    the bands sent as they are drawn."""
    t = time.perf_counter()
    printer.print_job(PrintJob(doc), renderer.strips(doc))
    return time.perf_counter() - t


def escpos_bytes(image: Image.Image) -> int | None:
    """What python-escpos sends for the same image (GS v 0 raster), when it is installed."""
    try:
        from escpos.printer import Dummy  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    dummy = Dummy()
    with contextlib.redirect_stdout(io.StringIO()):  # it prints a note on the profile's unknown paper width
        dummy.image(image, impl="bitImageRaster")
    dummy.cut()
    return len(dummy.output)


Cuts = dict[tuple[str, str], float]  # (document kind, language) -> median Print->cut seconds


def paced_print_to_cut_s(width: int, rate_args: argparse.Namespace, bauds: tuple[int, ...]) -> tuple[int, Cuts]:
    """(the rate negotiated, {(kind, lang): median Print->cut s}) on a paced pty, the printer at `printer_bauds`."""
    renderer = Renderer(width)
    sim = SimulatedPrinter(width_dots=width, bauds=frozenset(rate_args.printer_bauds))
    out: Cuts = {}
    with PtyPort(sim, paced=True) as port:
        profile = PrinterProfile(width_dots=width)
        printer = open_printer(port.path, baud=rate_args.baud, bauds=bauds, profile=profile, timing=PACED_PTY_TIMING)
        assert printer.baud is not None
        for kind in SAMPLE_KINDS:
            for lang in rate_args.langs:
                doc = sample(kind, lang)
                print_to_cut_s(printer, renderer, doc)  # warm up
                out[kind, lang] = statistics.median(
                    print_to_cut_s(printer, renderer, doc) for _ in range(rate_args.runs)
                )
        printer.close()
    return printer.baud, out


def wire_bytes_of(renderer: Renderer, doc: Document) -> int:
    """What the driver sends for `doc`, counted by the simulated printer (status queries and confirmation too)."""
    sim = SimulatedPrinter(width_dots=renderer.width_dots)
    with PtyPort(sim) as port:
        printer = open_printer(port.path, baud=BAUD, profile=PrinterProfile(width_dots=renderer.width_dots))
        before = sim.bytes_received
        printer.print_job(PrintJob(doc), renderer.strips(doc))
        printer.close()
    return sim.bytes_received - before


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baud", type=int, default=BAUD, help="the base rate of the paced serial line")
    parser.add_argument("--bauds", type=int, nargs="*", default=[460800, 230400], help="the faster rates allowed")
    parser.add_argument("--printer-bauds", type=int, nargs="+", default=[115200, 230400], help="the printer's rates")
    parser.add_argument("--langs", nargs="+", default=["th"], choices=("th", "en"))
    args = parser.parse_args()
    print(
        f"simulated printer on a pty paced at the line's rate (8N1); paper moves instantly (no print speed); "
        f"printer runs at {args.printer_bauds}, the kiosk allows {args.bauds} over the base {args.baud}"
    )
    rows = []
    for width in (384, 576):
        renderer = Renderer(width)
        base_rate, at_base = paced_print_to_cut_s(width, args, ())
        rate, at_rate = paced_print_to_cut_s(width, args, tuple(args.bauds))
        for kind in SAMPLE_KINDS:
            for lang in args.langs:
                doc = sample(kind, lang)
                render_s = median_s(partial(renderer.render, doc), max(args.runs, 11))
                image = renderer.render(doc)
                rows.append(
                    (kind, lang, width, image, render_s, wire_bytes_of(renderer, doc), at_base[kind, lang], rate,
                     at_rate[kind, lang])
                )  # fmt: skip
    header = (
        f"{'document':9} {'lang':4} {'dots':>4} {'rows':>5} {'paper mm':>8} {'render ms':>9} {'wire B':>7} "
        f"{'escpos B':>8} {'vs escpos':>9} {f'cut s @{base_rate}':>14} {'negotiated':>10} {'cut s':>6}"
    )
    print(header)
    print("-" * len(header))
    for kind, lang, width, image, render_s, wire, cut_base, rate, cut_rate in rows:
        theirs = escpos_bytes(image)
        their_text = f"{theirs:>8} {wire / theirs:>9.2f}" if theirs else f"{'-':>8} {'-':>9}"
        print(
            f"{kind:9} {lang:4} {width:>4} {image.height:>5} {image.height / DOTS_PER_MM:>8.0f} "
            f"{render_s * 1000:>9.1f} {wire:>7} {their_text} {cut_base:>14.2f} {rate:>10} {cut_rate:>6.2f}"
        )
    print(f"\nmedian of {args.runs} runs (render: of {max(args.runs, 11)}); wire B: everything the driver sent")
    print("cut s: Print -> confirmed cut (draw + status + bands as drawn + cut + confirmation) through the paced pty")
    print("escpos B: python-escpos (Dummy, bitImageRaster + cut) for the same image, '-' when it is not importable")
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
