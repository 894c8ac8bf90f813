"""A kiosk whose boot-time doctor failed (or did not run) offers nothing and says it is out of service, in words."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kiosk.boot_check import NOT_RUN, failed_check
from kiosk.flows import home
from kiosk.flows.context import DeviceStatus, capabilities


def verdict(tmp_path: Path, ok: bool, *statuses: tuple[str, str]) -> Path:
    path = tmp_path / "doctor.json"
    path.write_text(json.dumps({"ok": ok, "checks": [{"name": n, "status": s} for n, s in statuses]}))
    return path


def test_a_passed_verdict_or_no_boot_check_is_no_fault(tmp_path: Path) -> None:
    assert failed_check(None) == ""
    assert failed_check(verdict(tmp_path, True, ("platform", "ok"), ("printer", "warn"))) == ""


def test_the_first_failed_check_is_the_fault(tmp_path: Path) -> None:
    assert failed_check(verdict(tmp_path, False, ("platform", "ok"), ("card reader", "fail"), ("printer", "fail"))) == (
        "card reader"
    )


def test_a_missing_or_unreadable_verdict_counts_as_failed(tmp_path: Path) -> None:
    assert failed_check(tmp_path / "absent.json") == NOT_RUN
    (tmp_path / "bad.json").write_text("{not json")
    assert failed_check(tmp_path / "bad.json") == NOT_RUN
    assert failed_check(verdict(tmp_path, "yes", ("platform", "ok"))) == NOT_RUN  # type: ignore[arg-type]


def test_a_boot_fault_offers_nothing_and_shows_out_of_service_with_its_reason() -> None:
    status = DeviceStatus(boot_fault="card reader")
    assert capabilities(status) == frozenset()
    screen = home.view(home.Home(caps=capabilities(status), fault=status.boot_fault), 0.0)
    assert (screen.name, screen.data) == ("out_of_service", {"reason": "start_check"})
    well = home.view(home.Home(caps=capabilities(DeviceStatus())), 0.0)
    assert well.name == "attract"


def test_kiosk_doctor_output_writes_the_verdict_privately(tmp_path: Path) -> None:
    out = tmp_path / "run" / "doctor.json"
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[kiosk]\ndata_dir = "{tmp_path / "var"}"\n[store]\npath = "{tmp_path / "var" / "k.sqlite3"}"\n')
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "--config", str(config), "doctor", "--json", "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    written = json.loads(out.read_text())
    assert written == json.loads(done.stdout)
    assert (out.stat().st_mode & 0o777) == 0o600
    assert failed_check(out) == (
        "" if done.returncode == 0 else next(c["name"] for c in written["checks"] if c["status"] == "fail")
    )
