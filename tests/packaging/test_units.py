"""The systemd units in packaging/systemd: `systemd-analyze verify` clean, hardened as the issue asks, and pointing
at the paths the Pi configuration uses (store under /var/lib/kiosk, the boot verdict the kiosk reads)."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "packaging" / "systemd"
INSTALLED_KIOSK = "/opt/kiosk/venv/bin/kiosk"
INSTALLED_UPDATER = "/usr/lib/kiosk/kiosk_update.py"
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "UMask": "0077",
    "CapabilityBoundingSet": "",
}


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((UNITS / name).read_text())
    return parser


def test_every_unit_verifies(tmp_path: Path) -> None:
    """systemd-analyze verify, with the package's executable path pointed at this checkout's (it checks it exists)."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here")
    here = str(Path(sys.executable).parent / "kiosk")
    copies = []
    for path in sorted(UNITS.glob("*.service")):
        copy = tmp_path / path.name
        text = path.read_text().replace(INSTALLED_KIOSK, here).replace(INSTALLED_UPDATER, str(ROOT / "kiosk/update.py"))
        copy.write_text(text)
        copies.append(str(copy))
    assert len(copies) == 4
    done = subprocess.run(["systemd-analyze", "verify", *copies], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr
    for copy in copies:
        rated = subprocess.run(
            ["systemd-analyze", "security", "--offline=yes", "--threshold=50", copy],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert rated.returncode == 0, rated.stdout[-600:]  # exposure 5.0 or less ("OK") for each


@pytest.mark.parametrize("name", ["kiosk.service", "kiosk-doctor.service", "kiosk-registry.service"])
def test_each_service_is_hardened_and_unprivileged(name: str) -> None:
    service = unit(name)["Service"]
    for key, value in HARDENING.items():
        assert service.get(key) == value, (name, key)
    assert service["User"] not in ("", "root")
    assert service["ExecStart"].startswith(INSTALLED_KIOSK)
    assert service["ReadWritePaths"].split() == [f"/var/lib/{service['StateDirectory']}"]  # the store only


def test_the_kiosk_is_a_watched_notify_service_that_comes_back_by_itself() -> None:
    kiosk = unit("kiosk.service")
    service = kiosk["Service"]
    assert service["Type"] == "notify" and int(service["WatchdogSec"]) > 0 and service["Restart"] == "on-failure"
    assert "kiosk-doctor.service" in kiosk["Unit"]["After"].split()
    assert set(service["SupplementaryGroups"].split()) >= {"dialout", "video", "input"}  # sensor, camera/KMS, touch


def test_a_cut_off_update_is_rolled_back_before_anything_of_the_kiosk_starts() -> None:
    recover = unit("kiosk-update-recover.service")
    assert recover["Service"]["Type"] == "oneshot"
    assert recover["Service"]["ExecStart"].split()[:3] == ["/usr/bin/python3", "-I", INSTALLED_UPDATER]
    assert recover["Service"]["ExecStart"].split()[-1] == "recover"
    assert {"kiosk-doctor.service", "kiosk.service"} <= set(recover["Unit"]["Before"].split())
    assert recover["Service"]["ReadWritePaths"] == "/opt/kiosk" and recover["Service"]["PrivateNetwork"] == "yes"


def test_the_boot_doctor_writes_the_verdict_the_pi_config_reads() -> None:
    doctor = unit("kiosk-doctor.service")["Service"]
    assert doctor["Type"] == "oneshot"
    command = doctor["ExecStart"].split()
    written = command[command.index("--output") + 1]
    with (ROOT / "config" / "kiosk.pi.toml").open("rb") as f:
        pi = tomllib.load(f)
    assert pi["kiosk"]["boot_check"] == written
    assert pi["kiosk"]["data_dir"] == "/var/lib/kiosk"
