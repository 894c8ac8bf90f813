"""`kiosk printer status|test|print-sample`: the printer from the command line, with the kiosk's own driver."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kiosk.config import Config, PrinterSection
from kiosk.documents.blocks import Field, Rule, Seal, Text
from kiosk.documents.renderer import Renderer
from kiosk.documents.samples import SAMPLE_KINDS, sample
from kiosk.drivers.printer.escpos import EscPosPrinter, PrinterProfile, Timing, open_printer
from kiosk.drivers.printer.job import PrintJob


def register(sub: Any) -> None:
    printer = sub.add_parser("printer", help="thermal printer: status, test page, sample documents")
    psub = printer.add_subparsers(dest="printer_command", required=True, metavar="ACTION")

    status = psub.add_parser("status", help="ask the printer's status (DLE EOT 1..4)")
    _wire_args(status)
    status.set_defaults(func=cmd_status)

    test = psub.add_parser("test", help="print a test page (Thai shaping, width, QR) and wait for confirmation")
    _wire_args(test)
    test.set_defaults(func=cmd_test)

    doc = psub.add_parser("print-sample", help="render a sample document; print it, or write it as PNG")
    doc.add_argument("--doc", choices=SAMPLE_KINDS, default="tr14")
    doc.add_argument("--lang", choices=("th", "en"), default="th")
    doc.add_argument("--reprint", action="store_true", help="mark it as a reprint")
    doc.add_argument("--png", metavar="FILE", help="write the rendering to FILE instead of printing")
    _wire_args(doc)
    doc.set_defaults(func=cmd_print_sample)


def _wire_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--simulated", action="store_true", help="use a simulated printer on a pty instead of [printer]")
    p.add_argument("--roll", metavar="FILE", help="with --simulated: write the paper roll to FILE (PNG)")


def profile_of(section: PrinterSection) -> PrinterProfile:
    return PrinterProfile(width_dots=section.width_dots, has_cutter=section.has_cutter, confirm=section.confirm)


def timing_of(section: PrinterSection) -> Timing:
    return Timing(status_timeout_s=section.status_timeout_s, confirm_timeout_s=section.confirm_timeout_s)


def open_configured(section: PrinterSection, transport: str | None = None) -> EscPosPrinter:
    """The printer [printer] describes (or the same printer on another `transport`): the one place config becomes
    driver values, for the kiosk, `kiosk doctor` and these commands."""
    return open_printer(
        transport or section.transport,
        baud=section.baud,
        bauds=section.bauds,
        profile=profile_of(section),
        timing=timing_of(section),
        near_end_max_lines=section.near_end_max_lines,
    )


@contextlib.contextmanager
def _printer(args: argparse.Namespace, section: PrinterSection) -> Iterator[EscPosPrinter]:
    if not args.simulated:
        printer = open_configured(section)
        try:
            yield printer
        finally:
            printer.close()
        return
    from simulator.printer import PtyPort, SimulatedPrinter

    sim = SimulatedPrinter(width_dots=section.width_dots)
    with PtyPort(sim) as port:
        printer = open_configured(section, port.path)
        try:
            yield printer
        finally:
            printer.close()
            if args.roll:
                sim.roll_image().save(args.roll)
                print(f"paper roll written to {args.roll}")


def cmd_status(args: argparse.Namespace, cfg: Config) -> int:
    with _printer(args, cfg.printer) as printer:
        status = printer.status()
    for name, value in vars(status).items():
        print(f"{name:20} {'YES' if value else 'no'}")
    print("ready" if status.ready else "NOT ready")
    return 0 if status.ready else 1


def cmd_test(args: argparse.Namespace, cfg: Config) -> int:
    renderer = Renderer(cfg.printer.width_dots)
    image = renderer.render_blocks(
        [
            Text("ทดสอบเครื่องพิมพ์ / Printer test", size="title", bold=True, align="center"),
            Field("ตู้บริการ", cfg.kiosk.id),
            Field("ความกว้าง", f"{cfg.printer.width_dots} dots"),
            Text("ผู้ใหญ่บ้าน นางสาวฤดี พุ่มพวง ปั้น กุ้ง ฎีกา ญูญ่า"),
            Rule(),
            Seal(f"TEST:{cfg.kiosk.id}"),
        ]
    )
    with _printer(args, cfg.printer) as printer:
        printer.print_image(image)
    print(f"test page printed and confirmed ({image.height} rows)")
    return 0


def cmd_print_sample(args: argparse.Namespace, cfg: Config) -> int:
    doc = sample(args.doc, args.lang, reprint=args.reprint)
    renderer = Renderer(cfg.printer.width_dots)
    if args.png:
        Path(args.png).write_bytes(renderer.render_png(doc))
        print(f"{args.doc} ({args.lang}) written to {args.png}")
        return 0
    with _printer(args, cfg.printer) as printer:
        job = printer.print_job(PrintJob(doc), renderer.render(doc))
    print(f"{job.document_number}: {job.state.value}")
    return 0
