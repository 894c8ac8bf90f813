"""Running the registry: uvicorn with mutual TLS for the kiosk API (a client without a certificate from the
registry CA fails the TLS handshake) and a separate server-authenticated-only port for the public verify page.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import h11
import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

from kiosk.registry.api import PeerIdentity, api_app
from kiosk.registry.db import open_database
from kiosk.registry.home import RegistryHome
from kiosk.registry.service import TEMPLATE_FETCH_LIMIT, TEMPLATE_FETCH_WINDOW_S, Registry
from kiosk.registry.verify_page import verify_app
from kiosk.seal import TrustList


def certificate_serial(peercert: Any) -> str:
    """The peer certificate's serial as lowercase hex without leading zeros (the form `revoked_certificates` keeps)."""
    raw = (peercert or {}).get("serialNumber", "")
    try:
        return f"{int(str(raw), 16):x}"
    except ValueError:
        return ""


def common_name(peercert: Any) -> str:
    for rdn in (peercert or {}).get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return ""


REQUEST_READ_TIMEOUT_S = 10.0  # a request's headers and body must arrive within this (uvicorn has no such limit)
KEEP_ALIVE_S = 5
LIMIT_CONCURRENCY = 200  # connections + tasks per server; beyond, uvicorn answers 503 at once
BACKLOG = 128


class MutualTlsH11(H11Protocol):
    """uvicorn's h11 protocol, handing the verified client certificate's CN and serial to the app for this
    connection (the API checks the serial against the revocation table on every request), and closing a
    connection whose client has not finished sending its request within REQUEST_READ_TIMEOUT_S (a slow
    client trickling headers or body cannot hold a connection open)."""

    read_timeout_s = REQUEST_READ_TIMEOUT_S
    _read_deadline: asyncio.TimerHandle | None = None

    def _arm_read_deadline(self) -> None:
        if self._read_deadline is not None:
            self._read_deadline.cancel()
        self._read_deadline = self.loop.call_later(self.read_timeout_s, self._read_deadline_passed)

    def _read_deadline_passed(self) -> None:
        self._read_deadline = None
        if self.transport.is_closing():
            return
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY):  # still (or again) waiting for the client
            self.transport.close()
        else:  # the request is in; the app is answering: the next request gets a fresh budget
            self._arm_read_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_read_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._read_deadline is not None:
            self._read_deadline.cancel()
        super().connection_lost(exc)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_read_deadline()
        peercert = transport.get_extra_info("peercert")
        cn = common_name(peercert)
        if cn:
            self.app = PeerIdentity(self.app, cn, certificate_serial(peercert))


def tls_context(home: RegistryHome, *, client_certs: bool) -> ssl.SSLContext:
    """The server side: its certificate; with `client_certs`, a certificate from the registry CA is required and
    checked against the CRL written at start-up. Revocations made while the server runs are enforced per request
    by the API (`revoked_certificates`), not by this context."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(home.server_cert, home.server_key)
    if client_certs:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(cafile=str(home.ca_cert))
        ctx.load_verify_locations(cafile=str(home.write_crl()))
        ctx.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    return ctx


def _config(app: ASGIApp, home: RegistryHome, *, client_certs: bool, **kw: Any) -> uvicorn.Config:
    context = tls_context(home, client_certs=client_certs)
    return uvicorn.Config(
        app,
        http=MutualTlsH11,
        ssl_context_factory=lambda config, default: context,
        lifespan="off",
        ws="none",
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=2,
        timeout_keep_alive=KEEP_ALIVE_S,
        limit_concurrency=LIMIT_CONCURRENCY,
        backlog=BACKLOG,
        **kw,
    )


def bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@dataclass
class RegistryServer:
    """The API and verify servers on loopback sockets, in a background thread (tests, benchmarks) or the foreground."""

    home: RegistryHome
    database: str
    host: str = "127.0.0.1"
    api_port: int = 0
    verify_port: int = 0
    registry: Registry | None = None
    wrap_api: Callable[[ASGIApp], ASGIApp] | None = None  # a seam for middleware around the kiosk API (tests)
    template_fetch_limit: int = TEMPLATE_FETCH_LIMIT  # per kiosk and window (when this server makes the Registry)
    template_fetch_window_s: int = TEMPLATE_FETCH_WINDOW_S
    _servers: list[uvicorn.Server] = field(default_factory=list)
    _sockets: list[socket.socket] = field(default_factory=list)
    _thread: threading.Thread | None = None
    _trust: Callable[[], TrustList] | None = None

    def _prepare(self) -> None:
        if self.registry is None:
            self.registry = Registry(
                open_database(self.database),
                self.home.signer(),
                templates=self.home.templates(),
                template_fetch_limit=self.template_fetch_limit,
                template_fetch_window_s=self.template_fetch_window_s,
            )
        self.registry.revoke_certificates(self.home.revocations())  # revocations recorded only in the CA folder
        trust_list = self.home.trust()  # read once: a new key is published by restarting the service

        def trust() -> TrustList:
            return trust_list

        self._trust = trust
        apps: Sequence[tuple[ASGIApp, bool, int]] = (
            (self._api(), True, self.api_port),
            (verify_app(trust), False, self.verify_port),
        )
        for app, client_certs, port in apps:
            self._sockets.append(bind(self.host, port))
            self._servers.append(uvicorn.Server(_config(app, self.home, client_certs=client_certs)))
        self.api_port = self._sockets[0].getsockname()[1]
        self.verify_port = self._sockets[1].getsockname()[1]

    def _api(self) -> ASGIApp:
        assert self.registry is not None and self._trust is not None
        app: ASGIApp = api_app(self.registry, self._trust)
        return self.wrap_api(app) if self.wrap_api is not None else app

    async def _serve(self) -> None:
        await asyncio.gather(*(s.serve(sockets=[sock]) for s, sock in zip(self._servers, self._sockets, strict=True)))

    def run(self) -> None:
        """Serve in the foreground until interrupted."""
        self._prepare()
        asyncio.run(self._serve())

    def start(self, timeout_s: float = 10.0) -> RegistryServer:
        self._prepare()
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True, name="registry")
        self._thread.start()
        pause = threading.Event()  # never set: a bounded wait between looks at uvicorn's `started` flags
        deadline = time.monotonic() + timeout_s
        while not all(s.started for s in self._servers):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("registry server did not start")
            pause.wait(0.01)
        return self

    def stop(self) -> None:
        for s in self._servers:
            s.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        for sock in self._sockets:
            sock.close()
        if self.registry is not None:
            self.registry.db.close()

    @property
    def api_url(self) -> str:
        return f"https://{self.host}:{self.api_port}"

    @property
    def verify_url(self) -> str:
        return f"https://{self.host}:{self.verify_port}"
