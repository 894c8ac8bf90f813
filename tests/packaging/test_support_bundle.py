"""`kiosk support-bundle`: a technician's archive with what diagnoses a kiosk and nothing that names a citizen or
opens a key — made by the real command from a kiosk store with a queued enrolment and a log that leaked."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import tarfile
from pathlib import Path

from kiosk.store import Outbox, create_keys, open_store
from kiosk.support_bundle import scrub

CID, DASHED, LASER = "1101700123456", "1-1017-00123-45-6", "JT0123456789"


def test_scrub_removes_ids_addresses_and_key_material_but_keeps_the_story() -> None:
    line = f"read {CID} ({DASHED}) laser {LASER} mail somchai@example.co.th key " + "ab" * 32
    cleaned = scrub(line)
    for secret in (CID, DASHED, LASER, "somchai@example.co.th", "ab" * 32):
        assert secret not in cleaned
    assert cleaned.startswith("read [citizen-id] ([citizen-id]) laser [laser-id] mail [email] key [hex]")
    assert scrub("printer answers at 115200 baud; 3 queued, oldest 2026-12-04") == (
        "printer answers at 115200 baud; 3 queued, oldest 2026-12-04"
    )


def test_the_bundle_is_private_complete_and_names_no_one(tmp_path: Path) -> None:
    var = tmp_path / "var"
    keys = create_keys(var / "keys")
    conn = open_store(var / "kiosk.sqlite3")
    try:
        Outbox(conn, keys.data_key).enqueue("enrol", {"citizen_id": CID, "unit": "u", "method": "face"}, 1_000.0)
    finally:
        conn.close()
    log = tmp_path / "kiosk.log"
    log.write_text(f"INFO kiosk.flows: journey started\nWARNING kiosk.x: a bug logged {CID} and {LASER}\n")
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[kiosk]\ndata_dir = "{var}"\n[store]\npath = "{var / "kiosk.sqlite3"}"\n')
    out = tmp_path / "support.tar.gz"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk.cli",
            "--config",
            str(config),
            "support-bundle",
            "--out",
            str(out),
            "--log",
            str(log),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (out.stat().st_mode & 0o777) == 0o600
    with tarfile.open(out) as tar:
        files = {m.name.removeprefix("support/"): tar.extractfile(m).read().decode() for m in tar.getmembers()}  # type: ignore[union-attr]
    assert set(files) == {"versions.txt", "config.txt", "outbox.json", "log.txt"}
    everything = "\n".join(files.values())
    for secret in (CID, LASER, keys.data_key.hex(), base64.b64encode(keys.data_key).decode()):
        assert secret not in everything
    assert "journey started" in files["log.txt"] and "[citizen-id]" in files["log.txt"]
    outbox = json.loads(files["outbox.json"])
    assert outbox["counts"] == {"queued": 1} and outbox["oldest_waiting_s"] > 0
    assert "[store]" in files["config.txt"] and files["versions.txt"].startswith("python 3.")
