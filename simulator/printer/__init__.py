"""A simulated ESC/POS thermal printer behind real transports (pty, TCP), printing onto a paper-roll image.

printer = SimulatedPrinter(width_dots=384)
with PtyPort(printer) as port:           # port.path: open it with pyserial as the printer's serial port
    ...
    printer.documents()                  # the cut documents as PIL images
"""

from __future__ import annotations

from simulator.printer.device import Fault, SimulatedPrinter
from simulator.printer.ports import PtyPort, TcpPort

__all__ = ["Fault", "PtyPort", "SimulatedPrinter", "TcpPort"]
