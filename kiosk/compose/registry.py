"""The registry link: the mutual-TLS client from `[registry]`, its stand-in when there are no credentials, and the
background outbox sync and heartbeat to it."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.config import Config

log = logging.getLogger(__name__)


def open_registry_client(cfg: Config, presence: Callable[[str], str] | None = None) -> Any:
    """The mutual-TLS registry client from `[registry]` (the kiosk's and the commands'); RegistryError when its
    credentials cannot be loaded. `presence` gives the journey's citizen-presence proof (the kiosk's only)."""
    from kiosk.registry_client import RegistryClient

    r = cfg.registry
    return RegistryClient(
        r.url,
        ca_cert=r.ca_cert,
        client_cert=r.client_cert,
        client_key=r.client_key,
        timeout_s=r.timeout_s,
        presence=presence,
    )


def registry_client(
    cfg: Config, stack: contextlib.ExitStack, presence: Callable[[str], str] | None = None
) -> Any | None:
    """The mutual-TLS client; None when this kiosk has no credentials yet (not enrolled with the registry)."""
    from kiosk.registry_client import RegistryError

    try:
        client = open_registry_client(cfg, presence)
    except RegistryError as e:
        log.error("registry unavailable, only offline services offered: %s", e)
        return None
    stack.callback(client.close)
    return client


class UnreachableRegistry:
    """The registry port of a kiosk that has no credentials: every call fails as an unreachable registry would."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        from kiosk.flows.adapters import RegistryFailed

        def unreachable(*args: Any, **kwargs: Any) -> Any:
            raise RegistryFailed("this kiosk has no registry credentials", reason="unreachable")

        return unreachable


def outbox_syncer(
    cfg: Config, conn: sqlite3.Connection, client: Any, data_key: bytes, wall: Callable[[], float] = time.time
) -> Any:
    """The outbox (encrypted with `data_key`) sent to the registry `client`, backing off up to `[store]`'s ceiling;
    a pass that leaves nothing to send, with the registry answering, is the kit's last sync at `wall()`."""
    from kiosk.store import Backoff, Outbox, Syncer, client_sender
    from kiosk.store.last_sync import note_sync
    from kiosk.store.sync import anchor_audit_head

    backoff = Backoff(max_s=cfg.store.max_backoff_s)
    outbox = Outbox(conn, data_key)

    def after_pass() -> None:
        anchor_audit_head(client, conn)  # the registry keeps the log's signed head: truncation shows at `kiosk audit`
        note_sync(client, outbox, data_key, wall())  # a field kit enrols within max_offline_hours of this

    return Syncer(outbox, client_sender(client), backoff, after_pass=after_pass)


def start_heartbeat(
    cfg: Config, client: Any, data_key: bytes, paper: Callable[[], str], stack: contextlib.ExitStack
) -> None:
    """Tell the registry this kiosk's state every `[registry] heartbeat_s`, on a thread with its own connection."""
    from kiosk.heartbeat import HeartbeatSender, payload
    from kiosk.store import open_store

    conn = open_store(cfg.store.path)  # the heartbeat's own connection, used on its thread only
    started = time.monotonic()
    boot = Path(cfg.kiosk.boot_check) if cfg.kiosk.boot_check else None

    def make() -> dict[str, Any]:
        return payload(
            conn,
            data_key,
            paper=paper(),
            boot_check=boot,
            data_dir=cfg.kiosk.data_dir,
            started_s=started,
            now=time.time(),
            monotonic=time.monotonic(),
        )

    sender = HeartbeatSender(client, make, cfg.registry.heartbeat_s)
    sender.start()
    stack.callback(conn.close)
    stack.callback(sender.stop)


def start_sync(cfg: Config, client: Any, data_key: bytes, stack: contextlib.ExitStack) -> None:
    """Send the outbox to the registry in the background, a pass every `sync_interval_s` (back-off inside)."""
    from kiosk.store import open_store

    conn = open_store(cfg.store.path)  # the syncer's own connection: it never shares a transaction with the kiosk
    syncer = outbox_syncer(cfg, conn, client, data_key)
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(cfg.store.sync_interval_s):
            try:
                report = syncer.sync(time.time())
                if report.acknowledged or report.failed or report.error:
                    log.info(
                        "outbox sync: %d sent, %d refused, %d waiting%s",
                        len(report.acknowledged),
                        len(report.failed),
                        report.remaining,
                        f" ({report.error})" if report.error else "",
                    )
            except Exception:
                log.exception("outbox sync pass failed")

    thread = threading.Thread(target=loop, name="kiosk-sync", daemon=True)
    thread.start()
    stack.callback(conn.close)
    stack.callback(thread.join, 5.0)
    stack.callback(stop.set)
