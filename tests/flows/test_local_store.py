"""The kiosk's store behind the journeys' local port: one SQLite connection shared by the executor's audit writer and
its workers (the port's lock keeps their transactions apart), while the sync worker opens its own."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from kiosk.flows.adapters import LocalAdapter
from kiosk.flows.effects import Enrolment
from kiosk.store import AuditLog, Outbox, load_or_create, open_store, verify_chain


def test_audit_writer_and_workers_share_one_connection_safely(tmp_path: Path) -> None:
    keys = load_or_create(tmp_path / "keys")
    conn = open_store(tmp_path / "kiosk.sqlite3")
    local = LocalAdapter(conn, keys, "field-7", "KIT-1")
    at = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(15):
                op = Enrolment(f"11017002034{n}{i % 10}", f"h{n}", "officer", at, officer_id="OFF-1")
                local.enqueue(op, None)
                local.audit("enrolled", {"method": "officer"}, at)
        except BaseException as e:  # collected: an assertion in a thread would be lost
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    try:
        assert not errors, errors
        sync_conn = open_store(tmp_path / "kiosk.sqlite3")  # the sync worker's own connection
        try:
            enrolments = [op for op in Outbox(sync_conn, keys.data_key).list() if op.kind == "enrol"]
        finally:
            sync_conn.close()
        assert len(enrolments) == 6 * 15
        assert len(AuditLog(conn, keys.audit_key, keys.subject_key).entries()) == 6 * 15
        assert verify_chain(conn, keys.audit_key.public_key()).ok
    finally:
        conn.close()
