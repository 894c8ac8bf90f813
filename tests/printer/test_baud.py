"""Serial speed negotiation against the simulated printer on a real pty: the line runs at the rate the driver sets
(pyserial's baudrate on the pty), and the printer's UART answers only at a rate it runs at."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from kiosk.documents import Renderer
from kiosk.documents.samples import sample
from kiosk.drivers.printer import JobState, PrinterTimeout, PrintJob
from kiosk.drivers.printer.escpos import EscPosPrinter, PrinterProfile, open_printer
from simulator.printer import PtyPort, SimulatedPrinter
from simulator.printer.uart import decode_at, line_rate
from tests.printer.conftest import FAST

BASE = 115200
FASTER = (460800, 230400)


@pytest.fixture
def opened() -> Iterator[list[EscPosPrinter]]:
    printers: list[EscPosPrinter] = []
    yield printers
    for p in printers:
        p.close()


def negotiated(port: PtyPort, opened: list[EscPosPrinter], bauds: tuple[int, ...] = FASTER) -> EscPosPrinter:
    printer = open_printer(port.path, baud=BASE, bauds=bauds, profile=PrinterProfile(), timing=FAST)
    opened.append(printer)
    return printer


def print_ticket(printer: EscPosPrinter, renderer: Renderer) -> JobState:
    job = PrintJob(sample("ticket"))
    return printer.print_job(job, renderer.strips(job.document)).state


def test_the_fastest_rate_both_run_at_is_chosen_and_prints(
    renderer: Renderer, opened: list[EscPosPrinter], caplog: pytest.LogCaptureFixture
) -> None:
    sim = SimulatedPrinter(384, bauds=frozenset({115200, 230400}))
    caplog.set_level(logging.INFO, logger="kiosk.drivers.printer.escpos")
    with PtyPort(sim) as port:
        printer = negotiated(port, opened)
        assert printer.baud == 230400
        assert port.line_rate() == 230400 and port.printer_rate == 230400
        assert "printer answers at 230400 baud" in caplog.text
        assert port.mismatched_bytes > 0  # it did try 460800 first, which this printer does not run at
        tried = port.mismatched_bytes
        assert print_ticket(printer, renderer) is JobState.CONFIRMED
        assert port.mismatched_bytes == tried and len(sim.documents()) == 1


def test_a_printer_at_only_the_base_rate_gets_the_base_rate(renderer: Renderer, opened: list[EscPosPrinter]) -> None:
    sim = SimulatedPrinter(384, bauds=frozenset({BASE}))
    with PtyPort(sim) as port:
        printer = negotiated(port, opened)
        assert printer.baud == BASE and port.line_rate() == BASE
        assert print_ticket(printer, renderer) is JobState.CONFIRMED
        assert len(sim.documents()) == 1


def test_garbage_at_the_high_rates_falls_back_cleanly(renderer: Renderer, opened: list[EscPosPrinter]) -> None:
    """The printer reports the receive errors at its own rate: at 460800 and 230400 the driver hears garbage, which
    neither passes for a status answer nor comes out as an error; at the base rate it prints."""
    sim = SimulatedPrinter(384, bauds=frozenset({BASE}))
    with PtyPort(sim, mismatch="garbage") as port:
        printer = negotiated(port, opened)
        assert printer.baud == BASE
        assert printer.garbage_bytes > 0  # garbage did arrive while trying the faster rates
        assert print_ticket(printer, renderer) is JobState.CONFIRMED


def test_without_faster_rates_the_line_stays_at_the_base_rate(opened: list[EscPosPrinter]) -> None:
    sim = SimulatedPrinter(384, bauds=frozenset({BASE, 230400}))
    with PtyPort(sim) as port:
        printer = negotiated(port, opened, bauds=())
        assert printer.baud == BASE and port.mismatched_bytes == 0


def test_a_silent_printer_leaves_the_base_rate_and_a_typed_timeout(opened: list[EscPosPrinter]) -> None:
    sim = SimulatedPrinter(384, bauds=frozenset({BASE}))
    sim.set_silent()
    with PtyPort(sim) as port:
        printer = negotiated(port, opened)
        assert printer.baud == BASE and port.line_rate() == BASE
        with pytest.raises(PrinterTimeout):
            printer.status()


def test_a_uart_at_the_wrong_rate_decodes_garbage_and_at_the_right_one_the_bytes() -> None:
    query = bytes([0x10, 0x04, 0x01])
    assert decode_at(query, 115200, 115200) == query
    assert decode_at(query * 4, 230400, 115200) != query * 4
    assert query not in decode_at(query * 4, 460800, 115200)


def test_the_line_rate_is_what_the_host_set_on_the_pty() -> None:
    import serial

    with PtyPort(SimulatedPrinter(384)) as port:
        host = serial.serial_for_url(port.path, baudrate=230400)
        try:
            assert line_rate(host.fileno()) == 230400 == port.line_rate()
            host.baudrate = 115200
            assert port.line_rate() == 115200
        finally:
            host.close()
