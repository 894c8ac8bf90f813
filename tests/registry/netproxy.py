"""Test seams for cutting the kiosk's link: a loopback TCP proxy ("up" forwards both ways, "down" hangs up every
connection), and an ASGI wrapper that lets the registry act on a request and then holds the answer back, so the
link can be cut after the server committed and before the kiosk heard. TLS passes through the proxy untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import selectors
import socket
import threading
from typing import Literal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Mode = Literal["up", "down"]


class LinkProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.mode: Mode = "up"
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.live: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True, name="proxy-accept").start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def set_mode(self, mode: Mode) -> None:
        """Change the link; going down cuts every open connection (a pulled cable, a lost 4G link)."""
        self.mode = mode
        if mode == "down":
            with self.lock:
                for s in list(self.live):
                    self._close(s)

    def close(self) -> None:
        self.listener.close()
        self.set_mode("down")

    def _close(self, s: socket.socket) -> None:
        self.live.discard(s)
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)
        s.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.mode == "down":
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.live.update((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        sel = selectors.DefaultSelector()
        sel.register(client, selectors.EVENT_READ, server)
        sel.register(server, selectors.EVENT_READ, client)
        try:
            while True:
                events = sel.select(timeout=30)
                if not events:
                    return
                for key, _ in events:
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = source.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
        except (OSError, ValueError):
            return
        finally:
            sel.close()
            with self.lock:
                self._close(client)
                self._close(server)


class HoldAnswers:
    """ASGI wrapper: while `hold` is set, a request is fully handled (and committed) but its answer is withheld."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None
        self.hold = False
        self.acted = threading.Event()
        self.released = threading.Event()

    def wrap(self, app: ASGIApp) -> ASGIApp:
        self.app = app
        return self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None
        if scope["type"] != "http" or not self.hold:
            await self.app(scope, receive, send)
            return
        withheld: list[Message] = []

        async def keep(message: Message) -> None:
            withheld.append(message)

        await self.app(scope, receive, keep)
        self.acted.set()
        await asyncio.get_running_loop().run_in_executor(None, self.released.wait, 10)
