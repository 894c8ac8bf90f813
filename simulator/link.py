"""The simulator's network switch: a loopback TCP relay between the kiosk and the registry service.

Online it forwards bytes both ways (TLS passes through untouched, so the kiosk's mutual TLS is the real one);
offline it cuts every open connection and refuses new ones, as a pulled cable or a lost 4G link would.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading


class Link:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.online = True
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._live: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True, name="sim-link")
        self._thread.start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def set_online(self, online: bool) -> None:
        self.online = online
        if not online:
            with self._lock:
                for s in list(self._live):
                    self._close(s)

    def close(self) -> None:
        self._listener.close()
        self.set_online(False)

    def _close(self, s: socket.socket) -> None:
        self._live.discard(s)
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)
        s.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self.online:
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._live.update((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True, name="sim-link-pump").start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        sel = selectors.DefaultSelector()
        sel.register(client, selectors.EVENT_READ, server)
        sel.register(server, selectors.EVENT_READ, client)
        try:
            while True:
                for key, _ in sel.select(timeout=60):
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = source.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
        except (OSError, ValueError):
            return
        finally:
            sel.close()
            with self._lock:
                self._close(client)
                self._close(server)
