"""A test seam for cutting the kiosk's link after the registry acted: an ASGI wrapper that lets the registry act on a
request and then holds the answer back, so the link (the simulator's `simulator.link.Link`, a loopback TCP relay) can
be cut after the server committed and before the kiosk heard.
"""

from __future__ import annotations

import asyncio
import threading

from starlette.types import ASGIApp, Message, Receive, Scope, Send


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
