"""`kiosk support-bundle`: what a technician needs to diagnose a kiosk, in one private archive with nothing personal.

Collected: the boot-time doctor's verdict (or a fresh doctor run when asked), versions, the effective configuration,
outbox counts and the oldest queued age (never an operation's content), the last completed sync, and the recent
log (journald's for kiosk.service where there is one, else a log file given). Every text passes `scrub`: 13-digit
citizen IDs (with or without dashes), laser IDs, e-mail addresses and long hex or base64 runs (keys, tokens,
signatures) are replaced; the keys folder is never read.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from kiosk.config import Config

_SCRUBS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<!\d)\d[- ]?\d{4}[- ]?\d{5}[- ]?\d{2}[- ]?\d(?!\d)"), "[citizen-id]"),
    (re.compile(r"\b[A-Z]{2}\d{1}-?\d{7}-?\d{2}\b|\b[A-Z]{2}\d{10}\b"), "[laser-id]"),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "[email]"),
    (re.compile(r"\b[0-9a-fA-F]{32,}\b"), "[hex]"),
    (re.compile(r"[A-Za-z0-9+/_-]{40,}={0,2}"), "[blob]"),
)
PACKAGES = ("kiosk", "pyscard", "pyserial", "pillow", "numpy", "ai-edge-litert", "cryptography", "httpx", "pygame-ce")


def scrub(text: str) -> str:
    for pattern, mark in _SCRUBS:
        text = pattern.sub(mark, text)
    return text


def versions() -> str:
    lines = [f"python {sys.version.split()[0]}", f"platform {platform.platform()}", f"machine {platform.machine()}"]
    for name in PACKAGES:
        try:
            lines.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            lines.append(f"{name} (not installed)")
    return "\n".join(lines) + "\n"


def effective_config(cfg: Config) -> str:
    lines = [f"# from {cfg.source}"]
    for section in dataclasses.fields(cfg):
        value = getattr(cfg, section.name)
        if dataclasses.is_dataclass(value):
            lines.append(f"[{section.name}]")
            lines += [f"{f.name} = {getattr(value, f.name)!r}" for f in dataclasses.fields(value)]
    return "\n".join(lines) + "\n"


def outbox_state(store: Path, now: float) -> dict[str, object]:
    """Counts per state and the age of the oldest waiting operation, read-only and without any key."""
    if not store.exists():
        return {"store": "absent"}
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        counts = dict(conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())
        oldest = conn.execute("SELECT MIN(created_at) FROM outbox WHERE state IN ('queued', 'sent')").fetchone()[0]
    except sqlite3.Error as e:
        return {"store": f"unreadable: {type(e).__name__}"}
    finally:
        conn.close()
    return {"counts": counts, "oldest_waiting_s": None if oldest is None else round(now - float(oldest))}


def recent_log(log_file: Path | None, lines: int = 2000) -> str:
    if log_file is not None:
        try:
            return "\n".join(log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]) + "\n"
        except OSError as e:
            return f"(log file unreadable: {type(e).__name__})\n"
    journalctl = shutil.which("journalctl")
    if journalctl is None:
        return "(no journald here and no --log file given)\n"
    units = ["-u", "kiosk.service", "-u", "kiosk-doctor.service"]
    done = subprocess.run(
        [journalctl, *units, "-n", str(lines), "--no-pager", "-o", "short"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return done.stdout or f"(journalctl: {done.stderr.strip() or 'no entries'})\n"


def collect(
    cfg: Config,
    *,
    log_file: Path | None = None,
    doctor_json: Callable[[], str] | None = None,
    now: float | None = None,
) -> dict[str, str]:
    """The bundle's files by name, already scrubbed."""
    now = time.time() if now is None else now
    files = {
        "versions.txt": versions(),
        "config.txt": effective_config(cfg),
        "outbox.json": json.dumps(outbox_state(cfg.store.path, now), indent=2) + "\n",
        "log.txt": recent_log(log_file),
    }
    if doctor_json is not None:
        files["doctor.json"] = doctor_json()
    elif cfg.kiosk.boot_check:
        try:
            files["doctor.json"] = Path(cfg.kiosk.boot_check).read_text(encoding="utf-8")
        except OSError as e:
            files["doctor.json"] = json.dumps({"unreadable": type(e).__name__}) + "\n"
    return {name: scrub(text) for name, text in files.items()}


def write(files: dict[str, str], out: Path, now: float | None = None) -> Path:
    """A gzip'd tar readable by its owner only."""
    stamp = time.time() if now is None else now
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for name, text in sorted(files.items()):
            data = text.encode()
            info = tarfile.TarInfo(f"support/{name}")
            info.size, info.mode, info.mtime = len(data), 0o600, int(stamp)
            tar.addfile(info, io.BytesIO(data))
    return out
