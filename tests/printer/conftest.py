"""Printer test fixtures: renderers, a simulated printer on a real pty or TCP socket, and the real driver on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from kiosk.documents import Renderer
from kiosk.drivers.printer.escpos import EscPosPrinter, PrinterProfile, Timing
from kiosk.drivers.printer.transport import open_transport
from simulator.printer import PtyPort, SimulatedPrinter, TcpPort

FAST = Timing(status_timeout_s=0.5, confirm_timeout_s=2.0, poll_interval_s=0.05)


@pytest.fixture(scope="session")
def renderer() -> Renderer:
    return Renderer(384)


@pytest.fixture(scope="session")
def renderer_80mm() -> Renderer:
    return Renderer(576)


@pytest.fixture
def sim() -> SimulatedPrinter:
    return SimulatedPrinter(width_dots=384)


@pytest.fixture(params=["pty", "tcp"])
def wire(request: pytest.FixtureRequest, sim: SimulatedPrinter) -> Iterator[str]:
    """The simulated printer behind a real transport; yields the URL the driver opens."""
    port: PtyPort | TcpPort = PtyPort(sim) if request.param == "pty" else TcpPort(sim)
    url = port.start()
    yield url
    port.stop()


@pytest.fixture
def pty_url(sim: SimulatedPrinter) -> Iterator[str]:
    with PtyPort(sim) as port:
        yield port.path


MakePrinter = Callable[..., EscPosPrinter]


@pytest.fixture
def make_printer() -> Iterator[MakePrinter]:
    opened: list[EscPosPrinter] = []

    def make(url: str, *, near_end_max_lines: int = 2400, timing: Timing = FAST, **profile: object) -> EscPosPrinter:
        printer = EscPosPrinter(
            open_transport(url, baud=115200),
            PrinterProfile(**profile),  # type: ignore[arg-type]
            timing=timing,
            near_end_max_lines=near_end_max_lines,
        )
        opened.append(printer)
        return printer

    yield make
    for p in opened:
        p.close()
