"""`kiosk doctor` against the simulated devices behind their real transports (private pcscd + vpcd, sensor and printer
on ptys, the co-processor's firmware under MicroPython, the registry over mutual TLS): all ok, then each fault the
rig can pull gives that check's own failure (the driver's deadline, not the doctor's) with a hint."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from kiosk import doctor
from kiosk.config import Config
from kiosk.store import AuditLog, load_or_create, open_store
from simulator.rig import Rig
from tests.conftest import missing_stack

SIM_KIOSK_ID = "KIOSK-SIM-0001"  # the name in the client certificate the rig's registry issued
ALL = ("platform", "card reader", "fingerprint sensor", "printer", "camera", "face models", "co-processor")


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    from simulator.coproc import find_micropython
    from simulator.vcard.pcscd import missing_parts

    lacking = missing_parts() + ([] if find_micropython() else ["micropython (the 'sim' extra)"])
    if lacking:
        missing_stack(", ".join(lacking))
    r = Rig(state_dir=tmp_path_factory.mktemp("doctor-rig"))
    r.start()
    try:
        if r.missing.keys() - {"camera"}:
            missing_stack(f"simulated devices: {r.missing}")
        yield r
    finally:
        r.stop()


@pytest.fixture
def cfg(rig: Rig, tmp_path: Path) -> Iterator[Config]:
    """The kiosk's config pointed at the rig, a camera folder holding one picture, a store with a signed audit log."""
    frames = tmp_path / "frames"
    frames.mkdir()
    Image.new("RGB", (64, 48), (90, 120, 150)).save(frames / "frame.png")
    base = Config()
    config = rig.kiosk_config(base)
    config = dataclasses.replace(
        config,
        camera=dataclasses.replace(config.camera, backend="folder", folder=frames),
        registry=dataclasses.replace(config.registry, timeout_s=2.0),
        store=dataclasses.replace(config.store, path=tmp_path / "kiosk.sqlite3"),
        kiosk=dataclasses.replace(config.kiosk, id=SIM_KIOSK_ID, data_dir=tmp_path),
    )
    keys = load_or_create(tmp_path / "keys")
    conn = open_store(config.store.path)
    try:
        log = AuditLog(conn, keys.audit_key, keys.subject_key)
        log.append("started", 1.0)
        log.append("journey", 2.0, kind_of="extract")
    finally:
        conn.close()
    yield config
    rig.set_sensor_silent(False)
    rig.set_paper_out(False)
    rig.set_online(True)


def verdicts(cfg: Config, **kwargs: object) -> dict[str, doctor.Verdict]:
    return {v.name: v for v in doctor.run_checks(doctor.checks(cfg, **kwargs))}  # type: ignore[arg-type]


def test_all_ok_against_the_simulated_devices(cfg: Config, capsys: pytest.CaptureFixture[str]) -> None:
    found = verdicts(cfg)
    for name in (*ALL, "registry", "store", "disk", "vpcd"):
        assert found[name].status == "ok", found[name]
    assert "Virtual PCD" in found["card reader"].detail
    assert "library of" in found["fingerprint sensor"].detail
    assert "audit chain of 2 entries verifies" in found["store"].detail
    assert "expires in" in found["registry"].detail

    assert doctor.main(cfg, as_json_output=True) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["kiosk"] == cfg.kiosk.id
    assert {c["name"] for c in report["checks"]} >= set(ALL)


def test_silent_sensor_fails_on_the_drivers_deadline(rig: Rig, cfg: Config, capsys: pytest.CaptureFixture[str]) -> None:
    rig.set_sensor_silent(True)
    v = verdicts(cfg)["fingerprint sensor"]
    assert v.status == "fail"
    assert "Timeout" in v.detail and "no verdict" not in v.detail, v
    assert "cable" in v.hint
    assert doctor.main(cfg) == 1
    assert "FAIL fingerprint sensor" in capsys.readouterr().out


def test_printer_out_of_paper(rig: Rig, cfg: Config) -> None:
    rig.set_paper_out(True)
    v = verdicts(cfg)["printer"]
    assert v.status == "fail" and "PaperOut" in v.detail, v
    assert "paper" in v.hint


def test_printer_line_runs_at_the_negotiated_rate(cfg: Config) -> None:
    """The simulated printer runs at 115200 and 230400 baud; with 460800 and 230400 allowed the doctor says which."""
    faster = dataclasses.replace(cfg, printer=dataclasses.replace(cfg.printer, bauds=(460800, 230400)))
    v = verdicts(faster)["printer"]
    assert v.status == "ok" and "at 230400 baud (negotiated; base 115200)" in v.detail, v
    assert "at 115200 baud" in verdicts(cfg)["printer"].detail


def test_no_registry(rig: Rig, cfg: Config) -> None:
    rig.set_online(False)
    v = verdicts(cfg)["registry"]
    assert v.status == "fail" and "RegistryUnavailable" in v.detail and "no verdict" not in v.detail, v
    assert "network" in v.hint


def test_a_certificate_for_another_kiosk_is_a_warning(cfg: Config) -> None:
    other = dataclasses.replace(cfg, kiosk=dataclasses.replace(cfg.kiosk, id="KIOSK-CM-0001"))
    v = verdicts(other)["registry"]
    assert v.status == "warn" and "'KIOSK-SIM-0001'" in v.detail and "'KIOSK-CM-0001'" in v.detail, v
    assert "enrol-device" in v.hint


def test_expired_certificate_fails_before_any_connection(cfg: Config) -> None:
    v = verdicts(cfg, now=datetime(2100, 1, 1, tzinfo=UTC))["registry"]
    assert v.status == "fail" and "expired" in v.detail, v


def test_disabled_devices_are_skipped(cfg: Config) -> None:
    off = dataclasses.replace(
        cfg,
        card=dataclasses.replace(cfg.card, enabled=False),
        finger=dataclasses.replace(cfg.finger, enabled=False),
        printer=dataclasses.replace(cfg.printer, enabled=False),
        camera=dataclasses.replace(cfg.camera, enabled=False),
        coproc=dataclasses.replace(cfg.coproc, enabled=False),
    )
    found = verdicts(off)
    for name in ALL[1:]:
        assert found[name].status == "skip", found[name]


def test_altered_audit_entry_breaks_the_chain(cfg: Config) -> None:
    conn = sqlite3.connect(cfg.store.path)
    conn.execute("UPDATE audit SET kind = 'nothing' WHERE seq = 2")
    conn.commit()
    conn.close()
    v = verdicts(cfg)["store"]
    assert v.status == "fail" and "entry 2" in v.detail and "altered" in v.detail, v


def test_wrong_reader_name(cfg: Config) -> None:
    v = verdicts(dataclasses.replace(cfg, card=dataclasses.replace(cfg.card, reader="Gemalto")))["card reader"]
    assert v.status == "fail" and "Gemalto" in v.detail and "pcscd" in v.hint, v


def test_vpcd_is_a_warning_on_a_real_kiosk_only(tmp_path: Path) -> None:
    driver = tmp_path / "libifdvpcd.so"
    driver.write_bytes(b"")
    assert doctor.check_vpcd(True, (driver,)).startswith("vsmartcard-vpcd installed")
    with pytest.raises(doctor.Warn, match="insert a card"):
        doctor.check_vpcd(False, (driver,))
    assert doctor.check_vpcd(False, (tmp_path / "absent.so",)) == "vsmartcard-vpcd not installed"
    assert doctor.is_simulator(Config()) and not doctor.is_simulator(dataclasses.replace(Config(), source="x.toml"))


def test_a_check_that_never_answers_gets_the_doctors_verdict() -> None:
    release = threading.Event()

    def hangs() -> str:
        release.wait(10.0)
        return "late"

    try:
        (v,) = doctor.run_checks([doctor.Check("stuck", 0.2, hangs, "look at it")])
    finally:
        release.set()
    assert v.status == "fail" and v.detail == "no verdict within 0.2 s" and v.hint == "look at it"


def test_the_command_line_reads_the_config_file_and_exits_1_on_a_failure(
    rig: Rig, cfg: Config, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk import cli

    r = cfg.registry
    toml = tmp_path / "kiosk.toml"
    toml.write_text(
        f"""
[kiosk]
id = "{SIM_KIOSK_ID}"
data_dir = "{cfg.kiosk.data_dir}"
[card]
reader = "{cfg.card.reader}"
[finger]
port = "{cfg.finger.port}"
[printer]
transport = "{cfg.printer.transport}"
[camera]
backend = "folder"
folder = "{cfg.camera.folder}"
[coproc]
port = "{cfg.coproc.port}"
[registry]
url = "{r.url}"
ca_cert = "{r.ca_cert}"
client_cert = "{r.client_cert}"
client_key = "{r.client_key}"
timeout_s = 2.0
[store]
path = "{cfg.store.path}"
[ui]
fullscreen = false
""",
        encoding="utf-8",
    )
    assert cli.main(["--config", str(toml), "doctor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    status = {c["name"]: c["status"] for c in report["checks"]}
    assert report["kiosk"] == SIM_KIOSK_ID and report["ok"] is True
    assert all(status[name] == "ok" for name in (*ALL, "registry", "store")), status
    # A kiosk's own config (not the simulator's): an installed vpcd is a security warning, not a failure.
    assert status["vpcd"] == ("warn" if any(p.exists() for p in doctor.VPCD_FILES) else "ok")
    assert status["screen"] == "skip"  # a window on a developer's desktop, not the kiosk's KMS screen

    rig.set_paper_out(True)
    assert cli.main(["--config", str(toml), "doctor"]) == 1
    out = capsys.readouterr().out
    assert "FAIL printer" in out and "load paper" in out and " s)" in out


def test_audio_guidance_is_checked_by_rendering_both_voices() -> None:
    import shutil

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed (scripts/setup)")
    base = Config()
    v = {x.name: x for x in doctor.run_checks([c for c in doctor.checks(base) if c.name == "audio guidance"])}
    # Either the output opens (ok) or this machine has no sound device (a warning naming the setting): never a fail
    assert v["audio guidance"].status in ("ok", "warn"), v
    assert "th " in v["audio guidance"].detail and "dBFS" in v["audio guidance"].detail
    missing = dataclasses.replace(base, audio=dataclasses.replace(base.audio, espeak="no-such-espeak"))
    v = {x.name: x for x in doctor.run_checks([c for c in doctor.checks(missing) if c.name == "audio guidance"])}
    assert v["audio guidance"].status == "fail" and "espeak-ng" in v["audio guidance"].hint
    off = dataclasses.replace(base, audio=dataclasses.replace(base.audio, enabled=False))
    v = {x.name: x for x in doctor.run_checks([c for c in doctor.checks(off) if c.name == "audio guidance"])}
    assert v["audio guidance"].status == "skip"
