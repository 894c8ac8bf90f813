"""`kiosk printer ...` end to end through the CLI, on a simulated printer behind a pty."""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from kiosk.cli import main
from kiosk.documents.samples import sample


@pytest.fixture
def config(tmp_path: Path) -> str:
    """An explicit (default) configuration, so no kiosk.toml of the machine is picked up."""
    path = tmp_path / "kiosk.toml"
    path.write_text("[printer]\nwidth_dots = 384\n")
    return str(path)


def test_status_on_the_simulated_printer(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", config, "printer", "status", "--simulated"]) == 0
    assert "ready" in capsys.readouterr().out


def test_print_sample_reaches_the_roll(config: str, tmp_path: Path) -> None:
    roll = tmp_path / "roll.png"
    assert (
        main(
            [
                "--config",
                config,
                "printer",
                "print-sample",
                "--doc",
                "ticket",
                "--lang",
                "en",
                "--simulated",
                "--roll",
                str(roll),
            ]
        )
        == 0
    )
    texts = [r.text for r in zxingcpp.read_barcodes(Image.open(roll).convert("L"))]
    assert texts == [sample("ticket", "en").seal]


def test_print_sample_as_png(config: str, tmp_path: Path) -> None:
    out = tmp_path / "tr14.png"
    assert main(["--config", config, "printer", "print-sample", "--doc", "tr14", "--reprint", "--png", str(out)]) == 0
    assert Image.open(out).width == 384


def test_unreachable_printer_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('[printer]\ntransport = "tcp://127.0.0.1:1"\n')
    assert main(["--config", str(config), "printer", "status"]) == 1
    assert "PrinterLinkError" in capsys.readouterr().err
