"""A kiosk process for the power-loss tests: `burst` queues operations (printing "ACK key" only once an operation
is durably queued, i.e. when a citizen would be told), syncing after each; `queue` queues them all (offline for a
day) and then syncs them in small batches; `sync` sends everything that is pending (in small batches too).
The test SIGKILLs it at random moments. Run as `python -m tests.registry.kiosk_proc MODE STORE OPS URL CERTS`.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

from kiosk.registry_client import RegistryClient
from kiosk.store import AuditLog, Backoff, Operation, Outbox, Syncer, client_sender, load_or_create, open_store

BATCH_OPS = 4  # small batches, so that a kill lands between, during and after many of them


def main(mode: str, store: Path, ops_file: Path, url: str, certs: Path) -> int:
    conn = open_store(store)
    keys = load_or_create(store.parent / "keys")
    outbox = Outbox(conn, keys.data_key)
    audit = AuditLog(conn, keys.audit_key, keys.subject_key)
    client = RegistryClient(
        url, ca_cert=certs / "ca.pem", client_cert=certs / "kiosk.pem", client_key=certs / "kiosk.key", timeout_s=3
    )

    def settled(op: Operation) -> None:
        audit.append("synced", time.time(), kind=op.kind, state=op.state, reason=op.reason)
        print(f"SETTLED {op.key}", flush=True)  # its batch's answers are committed

    syncer = Syncer(
        outbox,
        client_sender(client),
        Backoff(base_s=0.01, max_s=0.05),
        on_settled=lambda op: settled(op),
        batch_ops=BATCH_OPS,
    )
    print("READY", flush=True)
    if mode in ("burst", "queue"):
        for i, (kind, payload) in enumerate(json.loads(ops_file.read_text())):
            key = f"op-{i:05d}"
            if outbox.get(key) is None:
                outbox.enqueue(kind, payload, time.time(), key=key)
                print(f"ACK {key}", flush=True)  # only now may the citizen be told "accepted"
                audit.append("queued", time.time(), citizen_id=payload["citizen_id"], kind=kind)
            if mode == "burst":
                syncer.sync(time.time(), clock=time.time)
        if mode == "burst":
            return 0
    pause = threading.Event()
    for _ in range(200):
        syncer.link_restored()
        report = syncer.sync(time.time(), clock=time.time)
        if report.remaining == 0:
            print("DONE", flush=True)
            return 0
        pause.wait(0.05)
    print(f"GAVE UP: {syncer.state()}", flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4], Path(sys.argv[5])))
