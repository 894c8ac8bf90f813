"""The kiosk speaks systemd's notify protocol: ready once its screen is up, a watchdog ping from the screen loop, and
"stopping" on SIGTERM — checked on a real notify socket against the real `kiosk run` (SDL's dummy video driver)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.service_notify import Notifier
from kiosk.store import create_keys

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def manager(tmp_path: Path) -> Iterator[tuple[str, socket.socket]]:
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.2)
    try:
        yield path, sock
    finally:
        sock.close()


def received(sock: socket.socket, *, until: str = "", within_s: float = 1.0) -> list[dict[str, str]]:
    messages: list[dict[str, str]] = []
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            data = sock.recv(4096)
        except TimeoutError:
            continue
        fields = dict(line.split("=", 1) for line in data.decode().splitlines())
        messages.append(fields)
        if until and until in fields:
            break
    return messages


def test_without_a_manager_nothing_is_sent() -> None:
    notifier = Notifier.from_env({})
    assert notifier.socket_path is None and notifier.watchdog_s is None
    assert notifier.send("READY=1") is False


def test_ready_status_and_stopping_reach_the_manager(manager: tuple[str, socket.socket]) -> None:
    path, sock = manager
    notifier = Notifier.from_env({"NOTIFY_SOCKET": path})
    notifier.ready("screen up")
    notifier.status("printing")
    notifier.stopping("bye")
    got = received(sock, until="STOPPING")
    assert got[0]["READY"] == "1" and got[0]["STATUS"] == "screen up" and got[0]["MAINPID"] == str(os.getpid())
    assert got[1] == {"STATUS": "printing"}
    assert got[2] == {"STOPPING": "1", "STATUS": "bye"}


def test_the_abstract_namespace_is_understood() -> None:
    name = f"kiosk-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(b"\0" + name.encode())
        sock.settimeout(1.0)
        assert Notifier.from_env({"NOTIFY_SOCKET": "@" + name}).send("READY=1")
        assert sock.recv(100) == b"READY=1"


def test_the_watchdog_is_fed_at_half_its_interval_and_only_for_this_process(manager: tuple[str, socket.socket]) -> None:
    path, sock = manager
    notifier = Notifier.from_env({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "10000000", "WATCHDOG_PID": str(os.getpid())})
    assert notifier.watchdog_s == 10.0
    for now in (100.0, 101.0, 104.9, 105.0, 106.0, 110.1):  # pings at 100, 105, 110.1
        notifier.alive(now)
    assert [m for m in received(sock, within_s=0.5)] == [{"WATCHDOG": "1"}] * 3
    other = Notifier.from_env({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "1"})
    assert other.watchdog_s is None  # the variables were meant for another process (a parent's)


def test_an_unreachable_manager_is_not_an_error(tmp_path: Path) -> None:
    assert Notifier.from_env({"NOTIFY_SOCKET": str(tmp_path / "gone")}).send("READY=1") is False


def test_the_real_kiosk_is_ready_feeds_the_watchdog_and_says_it_stops(
    manager: tuple[str, socket.socket], tmp_path: Path
) -> None:
    """`kiosk run` on hardware config (every device absent here): READY once the screen is up, WATCHDOG pings while
    the loop turns, STOPPING on SIGTERM, exit 0 — what kiosk.service's Type=notify and WatchdogSec= rely on."""
    pytest.importorskip("pygame")
    path, sock = manager
    verdict = tmp_path / "doctor.json"
    verdict.write_text(json.dumps({"ok": True, "checks": []}))
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f"""
[kiosk]
data_dir = "{tmp_path / "var"}"
boot_check = "{verdict}"
[ui]
fullscreen = false
[card]
enabled = false
[finger]
enabled = false
[printer]
enabled = false
[camera]
enabled = false
[coproc]
enabled = false
[registry]
url = "https://127.0.0.1:9"
ca_cert = "{tmp_path / "absent.pem"}"
[store]
path = "{tmp_path / "var" / "kiosk.sqlite3"}"
"""
    )
    create_keys(tmp_path / "var" / "keys")  # what `kiosk enrol-device` leaves behind
    env = {
        **os.environ,
        "NOTIFY_SOCKET": path,
        "WATCHDOG_USEC": "400000",
        "SDL_VIDEODRIVER": "dummy",
        "SDL_AUDIODRIVER": "dummy",
    }
    env.pop("WATCHDOG_PID", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "--config", str(config), "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = received(sock, until="READY", within_s=60.0)
        assert first and first[-1].get("READY") == "1", proc.stdout.read() if proc.poll() is not None else first  # type: ignore[union-attr]
        pings = [m for m in received(sock, within_s=1.5) if m == {"WATCHDOG": "1"}]
        assert len(pings) >= 3  # every 0.2 s while the loop turns
        proc.send_signal(signal.SIGTERM)
        last = received(sock, until="STOPPING", within_s=20.0)
        assert last and last[-1].get("STOPPING") == "1"
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
