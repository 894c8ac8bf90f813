"""Attacks by anyone on the network against the public verify page and the API's HTTP layer: deep or duplicate-key
JSON, client disconnects, missing browser security headers, slow clients holding connections, connection floods, and
decompression-bomb images handed to `kiosk verify`."""

from __future__ import annotations

import json
import logging
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from kiosk.registry import server as registry_server
from kiosk.registry_client import new_key
from kiosk.seal.qr import MAX_IMAGE_PIXELS, QrReadError, read_seal_text
from tests.registry.conftest import Running, start_registry


def verify_client(running: Running) -> httpx.Client:
    context = ssl.create_default_context(cafile=str(running.home.ca_cert))
    return httpx.Client(base_url=running.server.verify_url, verify=context, timeout=5)


def test_the_verify_page_sends_browser_security_headers(running: Running) -> None:
    with verify_client(running) as web:
        for response in (web.get("/verify"), web.post("/verify", json={"qr": "TH1:x"}), web.get("/nowhere")):
            h = response.headers
            assert "frame-ancestors 'none'" in h["content-security-policy"]
            assert "default-src 'none'" in h["content-security-policy"]
            assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff"
            assert h["referrer-policy"] == "no-referrer"


def test_deep_or_duplicate_key_json_is_a_400_without_a_traceback(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    deep = b"[" * 3000 + b"]" * 3000  # under the 8 KiB form limit, deeper than any parser recursion
    nested_qr = json.dumps({"qr": [[[[[[[[["TH1:"]]]]]]]]]}).encode()
    duplicate = b'{"qr": "TH1:good", "qr": "TH1:evil"}'
    headers = {"content-type": "application/json"}
    with caplog.at_level(logging.WARNING), verify_client(running) as web:
        for body in (deep, nested_qr, duplicate):
            response = web.post("/verify", content=body, headers=headers)
            assert response.status_code == 400, body[:40]
            assert response.json()["error"] in ("malformed_json", "duplicate_key")
    with running.client() as c:  # the kiosk API refuses a duplicate key too (last-wins would hide the first)
        raw = b'{"citizen_id": "1101700123456", "doc_type": "TR14_1", "doc_type": "TR12_2"}'
        response = c.http.post(
            "/v1/extracts", content=raw, headers={"Idempotency-Key": new_key(), "Content-Type": "application/json"}
        )
        assert (response.status_code, response.json()["error"]) == (400, "duplicate_key")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_client_that_disconnects_mid_body_logs_no_traceback(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    context = ssl.create_default_context(cafile=str(running.home.ca_cert))
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            with (
                socket.create_connection(("127.0.0.1", running.server.verify_port)) as raw,
                context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
            ):
                head = b"POST /verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                tls.sendall(head + b'Content-Length: 4000\r\n\r\n{"qr": "TH1:')
        with verify_client(running) as web:  # the server is fine, and gave the vanished clients no traceback
            assert web.get("/verify").status_code == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def trickle(port: int, ca: Path, seconds: float) -> tuple[bool, float]:
    """Send a request one header byte every 0.2 s; (closed by the server, seconds until it was)."""
    context = ssl.create_default_context(cafile=str(ca))
    started = time.monotonic()
    with (
        socket.create_connection(("127.0.0.1", port)) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        tls.settimeout(0.2)
        for byte in b"GET /verify HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000:
            if time.monotonic() - started > seconds:
                return False, time.monotonic() - started
            try:
                tls.sendall(bytes([byte]))
                if tls.recv(1) == b"":
                    return True, time.monotonic() - started
            except TimeoutError:
                continue
            except (OSError, ssl.SSLError):
                return True, time.monotonic() - started
    return False, time.monotonic() - started


@pytest.fixture
def strict_server(
    home: object, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Running]:
    monkeypatch.setattr(registry_server.MutualTlsH11, "read_timeout_s", 1.0)
    monkeypatch.setattr(registry_server, "LIMIT_CONCURRENCY", 3)
    r = start_registry(home, database_url, tmp_path / "kiosk")  # type: ignore[arg-type]
    try:
        yield r
    finally:
        r.server.stop()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_slow_client_is_cut_off_and_a_connection_flood_gets_503(strict_server: Running) -> None:
    closed, after = trickle(strict_server.server.verify_port, strict_server.home.ca_cert, seconds=8.0)
    assert closed, f"a trickling client kept its connection for {after:.1f} s (read timeout 1 s)"
    context = ssl.create_default_context(cafile=str(strict_server.home.ca_cert))
    held = []
    try:
        for _ in range(3):  # open, idle connections up to the limit
            raw = socket.create_connection(("127.0.0.1", strict_server.server.verify_port))
            held.append(context.wrap_socket(raw, server_hostname="127.0.0.1"))
        with verify_client(strict_server) as web:
            assert web.get("/verify").status_code == 503  # refused at once, not queued behind the flood
    finally:
        for s in held:
            s.close()


def test_kiosk_verify_refuses_an_image_bomb_with_a_typed_error(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    Image.new("1", (9000, 9000)).save(bomb)  # 81 MP of one colour: a few KB of PNG
    assert bomb.stat().st_size < 200_000
    assert Image.open(bomb).size[0] * Image.open(bomb).size[1] > MAX_IMAGE_PIXELS
    with pytest.raises(QrReadError, match="pixels"):
        read_seal_text(bomb)
