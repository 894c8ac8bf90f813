"""The printer's serial port is the kiosk's alone: a second opener (`kiosk printer ...`, `kiosk doctor`) is refused
with PrinterLinkError reason `port_busy` (pyserial's exclusive flock on the real pty), and the holder keeps printing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.drivers.printer.errors import PrinterLinkError
from kiosk.drivers.printer.escpos import EscPosPrinter, PrinterProfile
from kiosk.drivers.printer.transport import open_transport
from tests.printer.conftest import FAST


def _printer_on(url: str) -> EscPosPrinter:
    return EscPosPrinter(open_transport(url, baud=115200), PrinterProfile(), timing=FAST)


KIOSK_CLI = [sys.executable, "-c", "import sys; from kiosk import cli; sys.exit(cli.main(sys.argv[1:]))"]  # a process


def test_a_second_open_of_the_held_port_is_port_busy_and_the_holder_still_answers(pty_url: str) -> None:
    held = _printer_on(pty_url)
    try:
        with pytest.raises(PrinterLinkError) as refused:
            open_transport(pty_url, baud=115200)
        assert refused.value.reason == "port_busy"
        assert refused.value.device == "printer"
        assert "in use by another process" in str(refused.value)
        assert not held.status().paper_out
    finally:
        held.close()
    again = _printer_on(pty_url)  # closing gives the port back
    try:
        assert not again.status().paper_out
    finally:
        again.close()


def test_a_port_that_does_not_exist_is_a_link_error_not_busy(tmp_path: Path) -> None:
    with pytest.raises(PrinterLinkError) as refused:
        open_transport(str(tmp_path / "no-such-printer"), baud=115200)
    assert refused.value.reason == "link"


def test_kiosk_printer_status_from_another_process_beside_the_holder_is_a_clear_error(
    pty_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[printer]\ntransport = "{pty_url}"\n')
    held = _printer_on(pty_url)
    try:
        other = subprocess.run(
            [*KIOSK_CLI, "--config", str(config), "printer", "status"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert other.returncode == 1, other.stderr
        assert "PrinterLinkError" in other.stderr
        assert "in use by another process" in other.stderr
        assert not held.status().paper_out  # nothing was said over the holder's line
    finally:
        held.close()
