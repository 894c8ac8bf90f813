"""The registry's operations over the data layer: records, extracts with seals, slots and bookings, enrolments,
officers and weekly reports. Every mutation runs in one transaction together with its idempotency record.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from kiosk import booking_rules, domains, officer_proof, presence, seal
from kiosk.documents.numbers import document_number
from kiosk.registry import fleet, kit_tokens
from kiosk.registry.biometric import TemplateCipher, TemplateKeyError
from kiosk.registry.db import IntegrityError, PostgresDatabase, SqliteDatabase, Tx
from kiosk.registry.validate import ApiError

Result = tuple[int, dict[str, Any]]
Clock = Callable[[], datetime]
DOC_TITLES = {
    "TR14_1": ("รายการบุคคลในทะเบียนบ้าน (ท.ร.14/1)", "Certified person entry of a house register (Tor.Ror.14/1)"),
    "TR12_2": ("ข้อมูลทะเบียนประวัติราษฎร (ท.ร.12/2)", "Certified civil-registration history (Tor.Ror.12/2)"),
}
ACTIVATION_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed on a phone
ACTIVATION_TTL = timedelta(minutes=15)
KIT_TOKEN_MAX_TTL_S = 24 * 3600  # kits issue 15-minute tokens; a day covers any field kit's clock drift
SECRET_FIELDS = frozenset({"activation_code"})  # never kept in an idempotency record's stored answer
PIN_MAX_FAILURES = 5  # wrong PINs in a row, then a lock of LOCK_BASE_S * 2**(earlier locks), at most LOCK_MAX_S
LOCK_BASE_S = 60
LOCK_MAX_S = 24 * 3600
PIN_DIGITS = (6, 12)
READ_LIMIT = 120  # citizen-data reads one kiosk may make per window: a kiosk serves a citizen a minute or two
READ_WINDOW_S = 60
SCRYPT_N = 2**14
TEMPLATE_FETCH_LIMIT = 30  # a kiosk serves one citizen every minute or two; 30 a minute is a kiosk being scraped
TEMPLATE_FETCH_WINDOW_S = 60
PRESENCE_SESSION_KEEP_S = 24 * 3600  # a session's citizen is remembered well past any proof's freshness
PresenceCheck = Callable[[Tx], Result | None]  # None: the citizen's presence is proven for this call


def utc_now() -> datetime:
    return datetime.now(UTC)


def report_friday(moment: datetime) -> date:
    """The Friday whose weekly report counts `moment`: weeks run Saturday 00:00 to Friday 24:00, Bangkok time."""
    day = moment.astimezone(booking_rules.BANGKOK).date()
    return day + timedelta(days=(4 - day.weekday()) % 7)


def _signed(public_key: bytes, signature: bytes, head_hash: str) -> bool:
    """An audit-log head signed in the audit domain (`kiosk.domains.AUDIT`), not a kit token."""
    return domains.verify(public_key, domains.AUDIT, signature, bytes.fromhex(head_hash))


def new_activation_code() -> str:
    return "".join(secrets.choice(ACTIVATION_ALPHABET) for _ in range(8))


def hash_pin(pin: str, salt: bytes) -> str:
    return hashlib.scrypt(pin.encode(), salt=salt, n=SCRYPT_N, r=8, p=1, dklen=32).hex()


def request_salt(client: str, key: str) -> bytes:
    """A salt unique to one mutation (a kiosk never reuses a key): a retry hashes a secret to the same value, so the
    slow hash itself tells a retry from another request and nothing faster than scrypt is ever kept."""
    return hashlib.sha256(f"kiosk-secret-salt/{client}/{key}".encode()).digest()[:16]


@dataclass
class Registry:
    db: SqliteDatabase | PostgresDatabase
    signer: seal.SigningKey
    issuer: str = "กรมการปกครอง DOPA (reference registry)"
    seal_validity: timedelta = timedelta(days=90)
    clock: Clock = utc_now
    templates: TemplateCipher | None = None  # seals finger templates at rest; None: enrolments with one are refused
    template_fetch_limit: int = TEMPLATE_FETCH_LIMIT  # finger-template fetches one kiosk may make per window
    template_fetch_window_s: int = TEMPLATE_FETCH_WINDOW_S
    read_limit: int = READ_LIMIT  # citizen records, bookings and extracts one kiosk may read per window
    read_window_s: int = READ_WINDOW_S

    # ---- idempotent mutations -------------------------------------------------------------------------------

    def _idempotent(
        self,
        client: str,
        key: str,
        request: Mapping[str, Any],
        op: Callable[[Tx], Result],
        replay: Callable[[Tx, dict[str, Any]], dict[str, Any]] | None = None,
        guard: PresenceCheck | None = None,
    ) -> Result:
        """Run `op` once per (client, key): a retry with the same request replays the stored answer. A secret in
        the answer is not stored: `op` lists it under `SECRET_FIELDS`, and `replay` rebuilds it for a retry.
        `guard` runs first in the same transaction, before any replay: its refusal is answered and not stored."""
        request_hash = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()
        for _ in range(3):
            try:
                with self.db.transaction() as tx:
                    refused = guard(tx) if guard is not None else None
                    if refused is not None:
                        return refused
                    row = tx.one(
                        "SELECT request_hash, status, body FROM idempotency WHERE client = ? AND key = ?",
                        (client, key),
                    )
                    if row is not None:
                        if row[0] != request_hash:
                            raise ApiError(422, "idempotency_key_reused", "this key was used for another request")
                        stored = json.loads(row[2])
                        if replay is not None and 200 <= int(row[1]) < 300:
                            stored = replay(tx, stored)
                        return int(row[1]), {**stored, "replayed": True}
                    status, body = op(tx)
                    kept = {k: v for k, v in body.items() if k not in SECRET_FIELDS}
                    tx.execute(
                        "INSERT INTO idempotency (client, key, request_hash, status, body, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (client, key, request_hash, status, json.dumps(kept), self._epoch()),
                    )
                    return status, body
            except IntegrityError:
                continue  # a concurrent request with the same key won the race (or a unique row appeared): re-read
        raise ApiError(503, "busy", "concurrent requests with the same key; retry")

    def _epoch(self) -> int:
        return int(self.clock().timestamp())

    def record_heartbeat(self, client: str, heartbeat: dict[str, Any]) -> Result:
        """A kiosk's state (`fleet.parse_heartbeat`'s fields only), under its certificate's name."""
        fleet.record(self.db, client, heartbeat, self._epoch())
        return 200, {"kiosk_id": client}

    def fleet_states(self, wanted: frozenset[str] = frozenset()) -> list[fleet.KioskState]:
        return fleet.states(self.db, self._epoch(), wanted)

    # ---- citizens ----------------------------------------------------------------------------------------------

    def read_citizen(self, client: str, cid: str, proof: str = "") -> Result:
        present = self._presence_of(client, cid, proof)
        return self._audited_read(client, "citizen", cid, lambda tx: self._citizen(tx, cid), present)

    def read_citizen_bookings(self, client: str, cid: str, proof: str = "") -> Result:
        present = self._presence_of(client, cid, proof)
        return self._audited_read(client, "bookings", cid, lambda tx: self._citizen_bookings(tx, cid), present)

    def read_extract(self, client: str, doc_no: str, proof: str = "") -> Result:
        """An extract by its number, for the citizen it was issued to and only with their presence proven."""

        def present(tx: Tx) -> Result | None:
            claim = self._presence_claim(tx, client, proof)
            if not isinstance(claim, presence.Claim):
                return claim
            row = tx.one("SELECT cid FROM extracts WHERE doc_no = ?", (doc_no,))
            return None if row is None else self._presence_session(tx, client, claim, str(row[0]))

        return self._audited_read(client, "extract", doc_no, lambda tx: self._extract(tx, doc_no), present)

    # ---- citizen presence (kiosk.presence) -----------------------------------------------------------------------

    def _presence_of(self, client: str, cid: str, proof: str) -> PresenceCheck:
        def check(tx: Tx) -> Result | None:
            claim = self._presence_claim(tx, client, proof)
            return self._presence_session(tx, client, claim, cid) if isinstance(claim, presence.Claim) else claim

        return check

    @staticmethod
    def _presence_refusal(code: str, message: str) -> Result:
        return 403, {"error": code, "message": message}

    def _presence_claim(self, tx: Tx, client: str, proof: str) -> presence.Claim | Result:
        """The proof's claim when it is this kiosk's (its certificate's name), signed by a live key the registry
        holds for it, and fresh; else the refusal."""
        if not proof:
            return self._presence_refusal("presence_missing", "no proof that the citizen is at the kiosk")
        claim = presence.parse(proof)
        if claim is None:
            return self._presence_refusal("presence_invalid", "the presence proof is malformed")
        if claim.kiosk_id != client:
            return self._presence_refusal("presence_other_kiosk", "the presence proof was made by another kiosk")
        keys = tx.all(
            "SELECT k.public_key, k.withdrawn_at, r.serial FROM kit_keys k"
            " LEFT JOIN revoked_certificates r ON r.serial = k.cert_serial WHERE k.kiosk_id = ?",
            (client,),
        )
        signer = next((k for k in keys if claim.signed_by(bytes.fromhex(k[0]))), None)
        if signer is None:
            return self._presence_refusal("presence_invalid", "the presence proof is not signed by this kiosk")
        if signer[1] is not None or signer[2] is not None:  # withdrawn, or registered under a revoked certificate
            return self._presence_refusal("presence_revoked", "the presence proof is signed by a revoked key")
        now = self._epoch()
        if claim.verified_at < now - presence.MAX_AGE_S or claim.verified_at > now + presence.MAX_AHEAD_S:
            return self._presence_refusal("presence_stale", "the citizen was verified too long ago")
        return claim

    def _presence_session(self, tx: Tx, client: str, claim: presence.Claim, cid: str) -> Result | None:
        """None when the claim names `cid` and its session has read no other citizen (it is bound to it now)."""
        if not claim.names(cid):
            return self._presence_refusal("presence_other_citizen", "the presence proof is for another citizen")
        now = self._epoch()
        tx.execute("DELETE FROM presence_sessions WHERE first_at < ?", (now - PRESENCE_SESSION_KEEP_S,))
        tx.execute(
            "INSERT INTO presence_sessions (kiosk_id, session, cid_hash, first_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (kiosk_id, session) DO NOTHING",
            (client, claim.session, claim.cid_hash, now),
        )
        bound = tx.one(
            "SELECT cid_hash FROM presence_sessions WHERE kiosk_id = ? AND session = ?", (client, claim.session)
        )
        if bound is None or bound[0] != claim.cid_hash:
            return self._presence_refusal("presence_session_reused", "this session already served another citizen")
        return None

    def _present_for_change(self, client: str, what: str, cid: str, proof: str) -> PresenceCheck:
        """The presence check of a call that changes a citizen's data (extract, booking), run in the change's own
        transaction before anything else (a retried key too): a refusal is recorded in `citizen_reads` like a
        refused read, and the change is not attempted."""

        def check(tx: Tx) -> Result | None:
            refused = self._presence_of(client, cid, proof)(tx)
            if refused is not None:
                tx.execute(
                    "INSERT INTO citizen_reads (kiosk_id, read_at, what, subject_hash, outcome) VALUES (?, ?, ?, ?, ?)",
                    (client, self._epoch(), what, self._subject_hash(cid), refused[1]["error"]),
                )
            return refused

        return check

    def _subject_hash(self, subject: str) -> str:
        if self.templates is not None:
            return self.templates.subject_hash(subject)  # keyed: a guessed ID cannot be tested without the key
        return hashlib.sha256(f"kiosk-read-subject/{subject}".encode()).hexdigest()

    def _over_limit(
        self, tx: Tx, client: str, now: int, table: str, at: str, limit: int, window_s: int
    ) -> Result | None:
        """The 429 answer when `client` already has `limit` recorded rows in `table` within `window_s` seconds (the
        caller records this attempt in the same transaction); None while it is under its limit. On PostgreSQL the
        count and the caller's record are serialised per kiosk (SQLite's BEGIN IMMEDIATE does that already)."""
        if self.db.dialect == "postgresql":
            tx.one("SELECT pg_advisory_xact_lock(hashtext(?))", (f"{table}/{client}",))
        recent = tx.one(
            f"SELECT COUNT(*) FROM {table} WHERE kiosk_id = ? AND {at} > ? AND outcome <> ?",
            (client, now - window_s, "rate_limited"),
        )
        if recent is None or int(recent[0]) < limit:
            return None
        what = "reads" if table == "citizen_reads" else "template fetches"
        message = f"more than {limit} {what} in {window_s} s from this kiosk"
        return 429, {"error": "rate_limited", "message": message, "retry_after_s": window_s}

    def _audited_read(
        self, client: str, what: str, subject: str, read: Callable[[Tx], dict[str, Any]], present: PresenceCheck
    ) -> Result:
        """A kiosk reading a citizen's data: each read, answered or refused, is a row of `citizen_reads` (kiosk,
        time, what, keyed hash of the citizen ID or extract number, outcome) in the read's own transaction; past
        `read_limit` reads in `read_window_s` seconds the kiosk gets 429 and reads nothing, and without the
        citizen's presence proven (`present`) it gets the 403 refusal and reads nothing."""
        failure: ApiError | None = None
        with self.db.transaction() as tx:
            now = self._epoch()
            result: Result = (0, {})
            limited = self._over_limit(tx, client, now, "citizen_reads", "read_at", self.read_limit, self.read_window_s)
            refused = None if limited is not None else present(tx)
            if limited is not None:
                outcome, result = "rate_limited", limited
            elif refused is not None:
                outcome, result = str(refused[1]["error"]), refused
            else:
                try:
                    result, outcome = (200, read(tx)), "read"
                except ApiError as e:
                    failure, outcome = e, e.code
            tx.execute(
                "INSERT INTO citizen_reads (kiosk_id, read_at, what, subject_hash, outcome) VALUES (?, ?, ?, ?, ?)",
                (client, now, what, self._subject_hash(subject), outcome),
            )
        if failure is not None:
            raise failure
        return result

    def citizen(self, cid: str) -> dict[str, Any]:
        with self.db.transaction() as tx:
            return self._citizen(tx, cid)

    def _citizen(self, tx: Tx, cid: str) -> dict[str, Any]:
        row = tx.one(
            "SELECT c.cid, prefix_th, first_th, middle_th, last_th, prefix_en, first_en, middle_en, last_en, dob, sex,"
            " nationality, status, h.house_id, h.house_no, h.address, h.office_code, father_th, mother_th,"
            " o.name_th, o.name_en"
            " FROM citizens c LEFT JOIN houses h ON h.house_id = c.house_id"
            " LEFT JOIN offices o ON o.code = h.office_code"
            " WHERE c.cid = ?",
            (cid,),
        )
        if row is None:
            raise ApiError(404, "citizen_not_found", "no citizen with this ID")
        entries = tx.all(
            "SELECT house_id, relation, moved_in, moved_out FROM house_entries WHERE cid = ? ORDER BY moved_in, id",
            (cid,),
        )
        events = tx.all(
            "SELECT e.day, e.kind, e.office_code, e.detail, o.name_th, o.name_en FROM events e"
            " LEFT JOIN offices o ON o.code = e.office_code WHERE e.cid = ? ORDER BY e.day, e.id",
            (cid,),
        )
        return {
            "citizen_id": row[0],
            "name_th": {"prefix": row[1], "first": row[2], "middle": row[3], "last": row[4]},
            "name_en": {"prefix": row[5], "first": row[6], "middle": row[7], "last": row[8]},
            "dob": row[9],
            "sex": row[10],
            "nationality": row[11],
            "status": row[12],
            "house": None
            if row[13] is None
            else {
                "house_id": row[13],
                "house_no": row[14],
                "address": row[15],
                "office_code": row[16],
                "office_name_th": row[19] or "",
                "office_name_en": row[20] or "",
            },
            "house_entries": [
                {"house_id": e[0], "relation": e[1], "moved_in": e[2], "moved_out": e[3]} for e in entries
            ],
            "events": [
                {
                    "day": e[0],
                    "kind": e[1],
                    "office_code": e[2],
                    "detail": e[3],
                    "office_name_th": e[4] or "",
                    "office_name_en": e[5] or "",
                }
                for e in events
            ],
            "parents": {"father_th": row[17], "mother_th": row[18]},
        }

    # ---- extracts ---------------------------------------------------------------------------------------------

    def issue_extract(self, client: str, key: str, cid: str, doc_type: str, proof: str = "") -> Result:
        present = self._present_for_change(client, "extract_issue", cid, proof)

        def op(tx: Tx) -> Result:
            person = self._citizen(tx, cid)
            if doc_type == "TR14_1" and person["house"] is None:
                return 409, {"error": "no_house_entry", "message": "the citizen has no house-register entry"}
            now = self.clock().replace(microsecond=0)
            row = tx.one(
                "INSERT INTO extracts (doc_no, doc_type, cid, client, issued_at, body) VALUES (?, ?, ?, ?, ?, ?)"
                " RETURNING id",
                (f"pending-{secrets.token_hex(8)}", doc_type, cid, client, int(now.timestamp()), "{}"),
            )
            assert row is not None
            doc_no = document_number(doc_type, now)
            body = self._extract_body(person, doc_type, doc_no, now)
            tx.execute("UPDATE extracts SET doc_no = ?, body = ? WHERE id = ?", (doc_no, json.dumps(body), row[0]))
            return 201, body

        return self._idempotent(client, key, {"op": "extract", "cid": cid, "doc_type": doc_type}, op, guard=present)

    def _extract_body(self, person: dict[str, Any], doc_type: str, doc_no: str, now: datetime) -> dict[str, Any]:
        name = person["name_th"]
        full_th = f"{name['prefix']}{name['first']} {name['middle'] + ' ' if name['middle'] else ''}{name['last']}"
        fields = {"name": full_th, "dob": person["dob"]}
        if doc_type == "TR14_1":
            fields["house_id"] = person["house"]["house_id"]
        else:
            fields["events"] = str(len(person["events"]))
            fields["last_event"] = person["events"][-1]["day"] if person["events"] else ""
        expires = now + self.seal_validity
        sealed = seal.SealDocument(doc_type, doc_no, person["citizen_id"], self.issuer, now, expires, fields)
        title_th, title_en = DOC_TITLES[doc_type]
        return {
            "doc_type": doc_type,
            "doc_no": doc_no,
            "title_th": title_th,
            "title_en": title_en,
            "issued_at": now.isoformat(),
            "valid_until": expires.isoformat(),
            "issuer": self.issuer,
            "person": person,
            "seal": seal.issue(sealed, self.signer),
        }

    def extract(self, doc_no: str) -> dict[str, Any]:
        with self.db.transaction() as tx:
            return self._extract(tx, doc_no)

    @staticmethod
    def _extract(tx: Tx, doc_no: str) -> dict[str, Any]:
        row = tx.one("SELECT body FROM extracts WHERE doc_no = ?", (doc_no,))
        if row is None:
            raise ApiError(404, "extract_not_found", "no extract with this number")
        body: dict[str, Any] = json.loads(row[0])
        return body

    # ---- offices, slots, bookings -----------------------------------------------------------------------------

    def offices(self) -> list[dict[str, Any]]:
        with self.db.transaction() as tx:
            offices = tx.all("SELECT code, name_th, name_en, district, province FROM offices ORDER BY code")
            closures = tx.all("SELECT office_code, day, reason FROM office_closures ORDER BY day")
            holidays = tx.all("SELECT day, name_th, name_en FROM holidays ORDER BY day")
        return [
            {
                "code": o[0],
                "name_th": o[1],
                "name_en": o[2],
                "district": o[3],
                "province": o[4],
                "closures": [{"day": c[1], "reason": c[2]} for c in closures if c[0] == o[0]],
                "holidays": [{"day": h[0], "name_th": h[1], "name_en": h[2]} for h in holidays],
            }
            for o in offices
        ]

    def slots(self, office: str, first: date, last: date) -> list[dict[str, Any]]:
        if (last - first).days > 62 or last < first:
            raise ApiError(422, "invalid_range", "the date range must be 0-62 days")
        with self.db.transaction() as tx:
            if tx.one("SELECT 1 FROM offices WHERE code = ?", (office,)) is None:
                raise ApiError(404, "office_not_found", "no office with this code")
            rows = tx.all(
                "SELECT id, service, day, start_time, capacity, booked FROM slots"
                " WHERE office_code = ? AND day >= ? AND day <= ? ORDER BY day, start_time, service",
                (office, first.isoformat(), last.isoformat()),
            )
            holidays, closures = self._closed_days(tx, office)
        now = self.clock()
        return [
            {
                "slot_id": r[0],
                "service": r[1],
                "day": r[2],
                "start": r[3],
                "capacity": r[4],
                "free": r[4] - r[5],
                "bookable": booking_rules.check_booking(
                    date.fromisoformat(r[2]), now, holidays=holidays, closures=closures
                ),
            }
            for r in rows
        ]

    @staticmethod
    def _closed_days(tx: Tx, office: str) -> tuple[set[date], set[date]]:
        holidays = {date.fromisoformat(r[0]) for r in tx.all("SELECT day FROM holidays")}
        closures = {
            date.fromisoformat(r[0]) for r in tx.all("SELECT day FROM office_closures WHERE office_code = ?", (office,))
        }
        return holidays, closures

    def book(self, client: str, key: str, cid: str, slot_id: int, proof: str = "") -> Result:
        present = self._present_for_change(client, "book", cid, proof)

        def op(tx: Tx) -> Result:
            if tx.one("SELECT 1 FROM citizens WHERE cid = ?", (cid,)) is None:
                return 404, {"error": "citizen_not_found", "message": "no citizen with this ID"}
            slot = tx.one("SELECT office_code, service, day, start_time FROM slots WHERE id = ?", (slot_id,))
            if slot is None:
                return 404, {"error": "slot_not_found", "message": "no slot with this ID"}
            holidays, closures = self._closed_days(tx, slot[0])
            verdict = booking_rules.check_booking(
                date.fromisoformat(slot[2]), self.clock(), holidays=holidays, closures=closures
            )
            if verdict != "ok":
                return 409, {"error": verdict, "message": f"this slot cannot be booked now: {verdict}"}
            taken = tx.one(
                "SELECT b.ref FROM bookings b JOIN slots s ON s.id = b.slot_id"
                " WHERE b.cid = ? AND s.day = ? AND b.cancelled_at IS NULL",
                (cid, slot[2]),
            )
            if taken is not None:
                return 409, {"error": "already_booked", "message": "one booking per citizen and day", "ref": taken[0]}
            if tx.execute("UPDATE slots SET booked = booked + 1 WHERE id = ? AND booked < capacity", (slot_id,)) != 1:
                return 409, {"error": "slot_full", "message": "this slot was taken meanwhile"}
            ref = booking_rules.new_reference()
            tx.execute(
                "INSERT INTO bookings (ref, slot_id, cid, client, created_at) VALUES (?, ?, ?, ?, ?)",
                (ref, slot_id, cid, client, self._epoch()),
            )
            return 201, {
                "booking_ref": ref,
                "slot_id": slot_id,
                "office_code": slot[0],
                "service": slot[1],
                "day": slot[2],
                "start": slot[3],
            }

        return self._idempotent(client, key, {"op": "book", "cid": cid, "slot_id": slot_id}, op, guard=present)

    def cancel_booking(self, client: str, key: str, ref: str, cid: str, proof: str = "") -> Result:
        present = self._present_for_change(client, "cancel", cid, proof)

        def op(tx: Tx) -> Result:
            row = tx.one("SELECT slot_id, cid, cancelled_at, client FROM bookings WHERE ref = ?", (ref,))
            if row is None or row[1] != cid or row[3] != client:  # only the kiosk that booked it; no oracle
                return 404, {"error": "booking_not_found", "message": "no such booking for this citizen"}
            if row[2] is not None:
                return 409, {"error": "already_cancelled", "message": "this booking was already cancelled"}
            tx.execute("UPDATE bookings SET cancelled_at = ? WHERE ref = ?", (self._epoch(), ref))
            tx.execute("UPDATE slots SET booked = booked - 1 WHERE id = ?", (row[0],))
            return 200, {"booking_ref": ref, "cancelled": True}

        return self._idempotent(client, key, {"op": "cancel", "ref": ref, "cid": cid}, op, guard=present)

    def citizen_bookings(self, cid: str) -> dict[str, Any]:
        """The citizen's bookings not cancelled, from today (Bangkok) on, soonest first."""
        with self.db.transaction() as tx:
            return self._citizen_bookings(tx, cid)

    def _citizen_bookings(self, tx: Tx, cid: str) -> dict[str, Any]:
        today = self.clock().astimezone(booking_rules.BANGKOK).date().isoformat()
        if tx.one("SELECT 1 FROM citizens WHERE cid = ?", (cid,)) is None:
            raise ApiError(404, "citizen_not_found", "no citizen with this ID")
        rows = tx.all(
            "SELECT b.ref, b.slot_id, s.office_code, o.name_th, o.name_en, s.service, s.day, s.start_time"
            " FROM bookings b JOIN slots s ON s.id = b.slot_id JOIN offices o ON o.code = s.office_code"
            " WHERE b.cid = ? AND b.cancelled_at IS NULL AND s.day >= ? ORDER BY s.day, s.start_time, b.ref",
            (cid, today),
        )
        bookings = [
            {
                "booking_ref": r[0],
                "slot_id": int(r[1]),
                "office_code": r[2],
                "office_name_th": r[3],
                "office_name_en": r[4],
                "service": r[5],
                "day": r[6],
                "start": r[7],
            }
            for r in rows
        ]
        return {"citizen_id": cid, "bookings": bookings}

    # ---- digital-ID enrolment -------------------------------------------------------------------------------

    def enrol(
        self,
        client: str,
        key: str,
        cid: str,
        unit: str,
        method: str,
        officer_id: str,
        *,
        passcode: str = "",
        template: bytes | None = None,
        proof: str = "",
    ) -> Result:
        """Enrol once per citizen; the passcode is kept as a scrypt hash only, the finger template sealed. An
        officer-assisted enrolment carries the officer's own `proof` (`kiosk.officer_proof`), checked here."""
        if template is not None and self.templates is None:
            raise ApiError(503, "templates_unavailable", "this registry has no key to keep finger templates")
        salt = request_salt(client, key)
        passcode_hash = hash_pin(passcode, salt) if passcode else None
        sealed = self.templates.seal(cid, template) if template is not None and self.templates is not None else None

        def op(tx: Tx) -> Result:
            self._kit_lock(tx, client)
            if tx.one("SELECT 1 FROM citizens WHERE cid = ?", (cid,)) is None:
                return 404, {"error": "citizen_not_found", "message": "no citizen with this ID"}
            if officer_id:
                refused = self._officer_proof_refused(tx, client, key, cid, officer_id, proof)
                if refused is not None:
                    return refused
            if tx.one("SELECT 1 FROM enrolments WHERE cid = ?", (cid,)) is not None:
                return 409, {"error": "already_enrolled", "message": "this citizen already has a digital ID"}
            now = self.clock()
            code = new_activation_code()
            expires = now + ACTIVATION_TTL
            tx.execute(
                "INSERT INTO enrolments (cid, unit, method, officer_id, client, enrolled_at, report_friday,"
                " activation_hash, activation_expires, passcode_salt, passcode_hash, template_sealed,"
                " template_key_id, idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    cid,
                    unit,
                    method,
                    officer_id or None,
                    client,
                    int(now.timestamp()),
                    report_friday(now).isoformat(),
                    hashlib.sha256(code.encode()).hexdigest(),
                    int(expires.timestamp()),
                    salt.hex() if passcode_hash else None,
                    passcode_hash,
                    sealed,
                    self.templates.key_id if sealed is not None and self.templates is not None else None,
                    key,
                ),
            )
            redeemed = tx.one(
                "SELECT redeemed_at FROM kit_redemptions WHERE kiosk_id = ? AND op_key = ?", (client, key)
            )
            if redeemed is not None:  # the phone redeemed the kit's offline token before this enrolment synced
                tx.execute("UPDATE enrolments SET activated_at = ? WHERE cid = ?", (int(redeemed[0]), cid))
            return 201, {
                "activation_code": f"{code[:4]}-{code[4:]}",
                "expires_at": expires.replace(microsecond=0).isoformat(),
                "report_friday": report_friday(now).isoformat(),
            }

        def replay(tx: Tx, stored: dict[str, Any]) -> dict[str, Any]:
            """A retried enrolment gets a fresh code (the first was never kept); one already used stays used."""
            row = tx.one("SELECT activated_at FROM enrolments WHERE cid = ?", (cid,))
            if row is None or row[0] is not None:
                return {**stored, "activation_code": "", "activated": True}
            code, expires = new_activation_code(), self.clock() + ACTIVATION_TTL
            tx.execute(
                "UPDATE enrolments SET activation_hash = ?, activation_expires = ? WHERE cid = ?",
                (hashlib.sha256(code.encode()).hexdigest(), int(expires.timestamp()), cid),
            )
            return {
                **stored,
                "activation_code": f"{code[:4]}-{code[4:]}",
                "expires_at": expires.replace(microsecond=0).isoformat(),
            }

        request = {
            "op": "enrol",
            "cid": cid,
            "unit": unit,
            "method": method,
            "officer": officer_id,
            "officer_proof": proof,
            "passcode": passcode_hash or "",
            "template": hashlib.sha256(template).hexdigest() if template is not None else "",
        }
        return self._idempotent(client, key, request, op, replay)

    def _officer_proof_refused(
        self, tx: Tx, client: str, key: str, cid: str, officer_id: str, proof: str
    ) -> Result | None:
        """None when `proof` is the named officer's, made for this kiosk (its certificate's name), operation and
        citizen, and fresh; else the refusal. A proof that does not check counts as a wrong PIN: the officer's
        strikes and lockout are the PIN check's, so the enrolment route tests no more PINs than the PIN route."""
        lock = " FOR UPDATE" if self.db.dialect == "postgresql" else ""
        row = tx.one(
            f"SELECT proof_key, failed_attempts, locked_until, lockouts FROM officers WHERE officer_id = ?{lock}",
            (officer_id,),
        )
        if row is None:
            return 404, {"error": "officer_not_found", "message": "no officer with this ID"}
        now = self._epoch()
        if not proof:
            return 403, {"error": "officer_proof_required", "message": "the officer's own sign-in proof is missing"}
        if row[2] is not None and now < int(row[2]):
            return 423, {
                "error": "officer_locked",
                "message": "too many wrong PINs",
                "retry_after_s": int(row[2]) - now,
            }
        if row[0] is None:
            message = "this officer has no proof key yet: sign in once online, or the operator provisions again"
            return 403, {"error": "officer_proof_unavailable", "message": message}
        if not officer_proof.check(bytes.fromhex(row[0]), proof, client, officer_id, key, cid):
            failures = int(row[1]) + 1
            if failures < PIN_MAX_FAILURES:
                tx.execute("UPDATE officers SET failed_attempts = ? WHERE officer_id = ?", (failures, officer_id))
            else:
                hold = min(LOCK_BASE_S * 2 ** int(row[3]), LOCK_MAX_S)
                tx.execute(
                    "UPDATE officers SET failed_attempts = 0, lockouts = lockouts + 1, locked_until = ?"
                    " WHERE officer_id = ?",
                    (now + hold, officer_id),
                )
            return 403, {"error": "officer_proof_invalid", "message": "not this officer's proof for this enrolment"}
        at = officer_proof.signed_at(proof)
        if at < now - officer_proof.MAX_AGE_S or at > now + officer_proof.MAX_AHEAD_S:
            return 403, {
                "error": "officer_proof_expired",
                "message": "the officer's proof is too old or from the future",
            }
        return None

    def finger_template(self, client: str, cid: str, session_key: str) -> Result:
        """The citizen's enrolled finger template, opened for a kiosk's 1:1 match on its sensor; 404 not_enrolled.

        Every fetch, answered or refused, is recorded (kiosk, time, a keyed hash of the citizen ID, the kiosk's
        session key, outcome) in the same transaction; past `template_fetch_limit` fetches in the last
        `template_fetch_window_s` seconds the kiosk gets 429 and nothing is opened."""
        if self.templates is None:
            raise ApiError(503, "templates_unavailable", "this registry has no key to open finger templates")
        templates = self.templates
        subject = templates.subject_hash(cid)
        with self.db.transaction() as tx:
            now = self._epoch()
            result: Result
            limit, window = self.template_fetch_limit, self.template_fetch_window_s
            limited = self._over_limit(tx, client, now, "template_fetches", "fetched_at", limit, window)
            if limited is not None:
                outcome, result = "rate_limited", limited
            elif tx.one("SELECT 1 FROM citizens WHERE cid = ?", (cid,)) is None:
                outcome, result = "citizen_not_found", (404, {"error": "citizen_not_found", "message": "no such ID"})
            else:
                row = tx.one("SELECT template_sealed FROM enrolments WHERE cid = ?", (cid,))
                if row is None or row[0] is None:
                    outcome, result = (
                        "not_enrolled",
                        (
                            404,
                            {"error": "not_enrolled", "message": "no finger template is enrolled for this citizen"},
                        ),
                    )
                else:
                    try:
                        template = templates.open(cid, str(row[0]))
                    except TemplateKeyError:
                        template = b""
                    outcome = "released" if template else "unreadable"
                    result = (200, {"citizen_id": cid, "template": base64.b64encode(template).decode()})
            tx.execute(
                "INSERT INTO template_fetches (kiosk_id, fetched_at, subject_hash, session_key, outcome)"
                " VALUES (?, ?, ?, ?, ?)",
                (client, now, subject, session_key, outcome),
            )
        if outcome == "unreadable":
            raise ApiError(503, "template_unreadable", "the template does not open with the registry's key")
        return result

    # ---- offline activation (kit-signed tokens) -------------------------------------------------------------

    def register_kit_key(self, client: str, key: str, public_key: bytes, serial: str = "") -> Result:
        """The kit's Ed25519 key that signs its offline activation tokens, bound to its certificate's name and
        serial; a revoked certificate registers nothing (checked in the same transaction as the insert)."""
        key_id = kit_tokens.key_id(public_key)

        def op(tx: Tx) -> Result:
            if not serial or self._revoked(tx, serial):
                return 403, {"error": "certificate_revoked", "message": "this kiosk's certificate was revoked"}
            known = tx.one("SELECT withdrawn_at FROM kit_keys WHERE kiosk_id = ? AND key_id = ?", (client, key_id))
            if known is not None and known[0] is not None:
                return 403, {"error": "kit_key_withdrawn", "message": "this key was withdrawn with its kiosk"}
            if known is None:
                tx.execute(
                    "INSERT INTO kit_keys (kiosk_id, key_id, public_key, registered_at, cert_serial)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (client, key_id, public_key.hex(), self._epoch(), serial),
                )
            return (200 if known else 201), {"kiosk_id": client, "key_id": key_id}

        return self._idempotent(client, key, {"op": "kit_key", "key": public_key.hex()}, op)

    def enrol_kit_key(self, kiosk_id: str, public_key: bytes, cert_serial: int | None = None) -> str:
        """Register a kit's token key at certificate issue (`kiosk enrol-device`), so a kit that goes into the field
        before it ever syncs already has its offline tokens accepted. Re-enrolling the kiosk makes a withdrawn key
        valid again under the new certificate (the operator issued it). Returns the key ID."""
        key_id = kit_tokens.key_id(public_key)
        serial = f"{cert_serial:x}" if cert_serial is not None else None
        with self.db.transaction() as tx:
            if tx.execute(
                "UPDATE kit_keys SET withdrawn_at = NULL, cert_serial = ? WHERE kiosk_id = ? AND key_id = ?",
                (serial, kiosk_id, key_id),
            ):
                return key_id
            tx.execute(
                "INSERT INTO kit_keys (kiosk_id, key_id, public_key, registered_at, cert_serial)"
                " VALUES (?, ?, ?, ?, ?)",
                (kiosk_id, key_id, public_key.hex(), self._epoch(), serial),
            )
        return key_id

    # ---- revocation -----------------------------------------------------------------------------------------

    def revoke_certificates(self, revoked: list[tuple[int, str, datetime]]) -> int:
        """Record revoked kiosk certificates (serial, kiosk ID, when); from the next request on, the API refuses
        them and tokens signed by kit keys registered under them. Returns how many were new."""
        added = 0
        with self.db.transaction() as tx:
            for serial, kiosk_id, when in revoked:
                added += tx.execute(
                    "INSERT INTO revoked_certificates (serial, kiosk_id, revoked_at) VALUES (?, ?, ?)"
                    " ON CONFLICT (serial) DO NOTHING",
                    (f"{serial:x}", kiosk_id, int(when.timestamp())),
                )
        return added

    def certificate_revoked(self, serial: str) -> bool:
        with self.db.transaction() as tx:
            return self._revoked(tx, serial)

    @staticmethod
    def _revoked(tx: Tx, serial: str) -> bool:
        return tx.one("SELECT 1 FROM revoked_certificates WHERE serial = ?", (serial,)) is not None

    def withdraw_kit_keys(self, kiosk_id: str) -> int:
        """With a revoked kiosk: its keys stop vouching for tokens, including tokens it signed before (a token
        carries no trustworthy signing time). Returns how many keys were withdrawn."""
        with self.db.transaction() as tx:
            return tx.execute(
                "UPDATE kit_keys SET withdrawn_at = ? WHERE kiosk_id = ? AND withdrawn_at IS NULL",
                (self._epoch(), kiosk_id),
            )

    # ---- audit anchors ------------------------------------------------------------------------------------------

    def anchor_audit(self, client: str, seq: int, head_hash: str, signature: bytes) -> Result:
        """Keep the kiosk's audit-log head, signed by its registered (live) key: the sequence only grows, and one
        sequence number has one hash. A lower sequence is `409 audit_rollback`, another hash `409 audit_fork`."""
        with self.db.transaction() as tx:
            keys = tx.all(
                "SELECT k.key_id, k.public_key FROM kit_keys k LEFT JOIN revoked_certificates r"
                " ON r.serial = k.cert_serial WHERE k.kiosk_id = ? AND k.withdrawn_at IS NULL AND r.serial IS NULL",
                (client,),
            )
            signer = next((k[0] for k in keys if _signed(bytes.fromhex(k[1]), signature, head_hash)), None)
            if signer is None:
                return 403, {"error": "bad_signature", "message": "not signed by a key registered for this kiosk"}
            lock = " FOR UPDATE" if self.db.dialect == "postgresql" else ""
            held = tx.one(f"SELECT seq, head_hash FROM audit_anchors WHERE kiosk_id = ?{lock}", (client,))
            if held is not None and seq < int(held[0]):
                return 409, {
                    "error": "audit_rollback",
                    "message": f"the registry holds entry #{held[0]}",
                    "seq": held[0],
                }
            if held is not None and seq == int(held[0]) and head_hash != held[1]:
                return 409, {"error": "audit_fork", "message": f"entry #{seq} had another hash", "seq": seq}
            tx.execute(
                "INSERT INTO audit_anchors (kiosk_id, seq, head_hash, signature, key_id, received_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kiosk_id) DO UPDATE SET seq = excluded.seq,"
                " head_hash = excluded.head_hash, signature = excluded.signature, key_id = excluded.key_id,"
                " received_at = excluded.received_at",
                (client, seq, head_hash, signature.hex(), signer, self._epoch()),
            )
        return 200, {"kiosk_id": client, "seq": seq, "hash": head_hash, "key_id": signer}

    def audit_anchor(self, client: str) -> Result:
        with self.db.transaction() as tx:
            row = tx.one("SELECT seq, head_hash, key_id FROM audit_anchors WHERE kiosk_id = ?", (client,))
        if row is None:
            return 404, {"error": "no_anchor", "message": "this kiosk has not sent its audit head yet"}
        return 200, {"kiosk_id": client, "seq": int(row[0]), "hash": row[1], "key_id": row[2]}

    def redeem_kit_token(self, token: str) -> Result:
        """The phone app presents a kit-signed offline token: signature by a key the kit registered, not expired,
        used once. Activates the enrolment, or (202) marks it to be activated the moment the kit syncs it."""
        parsed = kit_tokens.parse(token)  # ApiError 422 on anything malformed
        now = self._epoch()
        try:
            return self._redeem(parsed, now)
        except IntegrityError:  # a concurrent redemption of the same token won
            return 409, {"error": "already_activated", "message": "this token was already used"}

    def _kit_lock(self, tx: Tx, kiosk_id: str) -> None:
        """Serialise a kit's enrolments with redemptions of its tokens (on SQLite, BEGIN IMMEDIATE already does):
        otherwise a redemption and the enrolment it names, committing together, could each miss the other."""
        if self.db.dialect == "postgresql":
            tx.one("SELECT pg_advisory_xact_lock(hashtext(?))", (f"kit/{kiosk_id}",))

    def _redeem(self, parsed: kit_tokens.KitToken, now: int) -> Result:
        with self.db.transaction() as tx:
            self._kit_lock(tx, parsed.kiosk_id)
            registered = tx.all(
                "SELECT k.public_key, k.withdrawn_at, r.serial FROM kit_keys k"
                " LEFT JOIN revoked_certificates r ON r.serial = k.cert_serial WHERE k.kiosk_id = ?",
                (parsed.kiosk_id,),
            )
            if not registered:
                return 403, {"error": "unknown_kit", "message": "this kit has not registered a signing key"}
            # a key is void once withdrawn, or once the certificate it was registered under is revoked
            keys = [k for k in registered if k[1] is None and k[2] is None]
            if not keys:
                return 403, {"error": "kit_revoked", "message": "this kit was revoked; its tokens are no longer valid"}
            if not any(kit_tokens.signed_by(parsed, bytes.fromhex(k[0])) for k in keys):
                return 403, {"error": "bad_signature", "message": "the token is not signed by this kit"}
            if now > parsed.expires_at:
                return 410, {"error": "activation_expired", "message": "the token has expired; enrol again"}
            if parsed.expires_at - now > KIT_TOKEN_MAX_TTL_S:  # a thief's key could otherwise mint tokens for ever
                return 422, {"error": "token_lifetime", "message": "the token claims to be valid for too long"}
            if tx.one(
                "SELECT 1 FROM kit_redemptions WHERE kiosk_id = ? AND op_key = ?", (parsed.kiosk_id, parsed.op_key)
            ):
                return 409, {"error": "already_activated", "message": "this token was already used"}
            enrolment = tx.one(
                "SELECT cid, activated_at FROM enrolments WHERE client = ? AND idempotency_key = ?",
                (parsed.kiosk_id, parsed.op_key),
            )
            if enrolment is not None and enrolment[1] is not None:
                return 409, {"error": "already_activated", "message": "this enrolment is already active"}
            tx.execute(
                "INSERT INTO kit_redemptions (kiosk_id, op_key, nonce, redeemed_at) VALUES (?, ?, ?, ?)",
                (parsed.kiosk_id, parsed.op_key, parsed.nonce, now),
            )
            if enrolment is None:
                return 202, {"activated": False, "pending": True}
            tx.execute("UPDATE enrolments SET activated_at = ? WHERE cid = ?", (now, enrolment[0]))
        return 200, {"activated": True, "pending": False}

    def activate(self, cid: str, code: str) -> Result:
        """The phone app redeems the one-time activation code (once, before it expires)."""
        digest = hashlib.sha256(code.replace("-", "").upper().encode()).hexdigest()
        with self.db.transaction() as tx:
            row = tx.one(
                "SELECT activation_hash, activation_expires, activated_at FROM enrolments WHERE cid = ?", (cid,)
            )
            if row is None or not hmac.compare_digest(row[0], digest):
                return 403, {"error": "bad_activation_code", "message": "the code does not match"}
            if row[2] is not None:
                return 409, {"error": "already_activated", "message": "this code was already used"}
            if self._epoch() > int(row[1]):
                return 410, {"error": "activation_expired", "message": "the code has expired; enrol again"}
            tx.execute("UPDATE enrolments SET activated_at = ? WHERE cid = ?", (self._epoch(), cid))
        return 200, {"activated": True}

    def enrolment_report(self, friday: date, unit: str) -> dict[str, Any]:
        """Per unit: registered this week (to this Friday), last week, the increase, and the cumulative total."""
        if friday.weekday() != 4:
            raise ApiError(422, "not_a_friday", "reports are cut off on Fridays")
        previous = friday - timedelta(days=7)
        where, params = ("WHERE unit = ?", [unit]) if unit else ("", [])
        with self.db.transaction() as tx:
            rows = tx.all(
                "SELECT unit,"
                " SUM(CASE WHEN report_friday = ? THEN 1 ELSE 0 END),"
                " SUM(CASE WHEN report_friday = ? THEN 1 ELSE 0 END),"
                " SUM(CASE WHEN report_friday <= ? THEN 1 ELSE 0 END)"
                f" FROM enrolments {where} GROUP BY unit ORDER BY unit",
                (friday.isoformat(), previous.isoformat(), friday.isoformat(), *params),
            )
        units = [
            {
                "unit": r[0],
                "this_week": int(r[1] or 0),
                "last_week": int(r[2] or 0),
                "increase": int(r[1] or 0) - int(r[2] or 0),
                "cumulative": int(r[3] or 0),
            }
            for r in rows
            if int(r[3] or 0) > 0
        ]
        return {"friday": friday.isoformat(), "units": units}

    # ---- officers --------------------------------------------------------------------------------------------

    def provision_officer(self, officer_id: str, name: str, unit: str, pin: str) -> None:
        """An operator adds an officer (`kiosk registry officer-add`); kiosks cannot. PIN: 6-12 digits, scrypt; the
        officer's proof key (`kiosk.officer_proof`) is derived from it here, once."""
        low, high = PIN_DIGITS
        if not (pin.isdigit() and low <= len(pin) <= high):
            raise ApiError(422, "invalid_field", f"the PIN must be {low}-{high} digits")
        salt = secrets.token_bytes(16)
        try:
            with self.db.transaction() as tx:
                tx.execute(
                    "INSERT INTO officers (officer_id, name, unit, pin_salt, pin_hash, proof_key, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        officer_id,
                        name,
                        unit,
                        salt.hex(),
                        hash_pin(pin, salt),
                        officer_proof.proof_key(officer_id, pin).hex(),
                        self._epoch(),
                    ),
                )
        except IntegrityError:
            raise ApiError(409, "officer_exists", "an officer with this ID exists") from None

    def reset_officer(self, officer_id: str) -> bool:
        """An operator lifts an officer's lockout (`kiosk registry officer-reset`): strikes and back-off cleared."""
        with self.db.transaction() as tx:
            return (
                tx.execute(
                    "UPDATE officers SET failed_attempts = 0, lockouts = 0, locked_until = NULL WHERE officer_id = ?",
                    (officer_id,),
                )
                == 1
            )

    def verify_officer_pin(self, officer_id: str, pin: str) -> Result:
        """PIN_MAX_FAILURES wrong PINs in a row (from any kiosk) lock the officer for LOCK_BASE_S doubling with each
        lock (at most LOCK_MAX_S); a right PIN or an operator's reset clears it. The officer's row is locked for
        the check (`FOR UPDATE` on PostgreSQL, BEGIN IMMEDIATE on SQLite), so concurrent guesses cannot share a
        strike count."""
        lock = " FOR UPDATE" if self.db.dialect == "postgresql" else ""
        with self.db.transaction() as tx:
            row = tx.one(
                "SELECT pin_salt, pin_hash, failed_attempts, unit, locked_until, lockouts FROM officers"
                f" WHERE officer_id = ?{lock}",
                (officer_id,),
            )
            if row is None:
                return 404, {"error": "officer_not_found", "message": "no officer with this ID"}
            now = self._epoch()
            if row[4] is not None and now < int(row[4]):
                return 423, {
                    "error": "officer_locked",
                    "message": "too many wrong PINs; try later, or an operator resets the officer",
                    "retry_after_s": int(row[4]) - now,
                }
            if not hmac.compare_digest(hash_pin(pin, bytes.fromhex(row[0])), row[1]):
                failures = int(row[2]) + 1
                if failures < PIN_MAX_FAILURES:
                    tx.execute("UPDATE officers SET failed_attempts = ? WHERE officer_id = ?", (failures, officer_id))
                    return 403, {
                        "error": "wrong_pin",
                        "message": "wrong PIN",
                        "attempts_left": PIN_MAX_FAILURES - failures,
                    }
                hold = min(LOCK_BASE_S * 2 ** int(row[5]), LOCK_MAX_S)
                tx.execute(
                    "UPDATE officers SET failed_attempts = 0, lockouts = lockouts + 1, locked_until = ?"
                    " WHERE officer_id = ?",
                    (now + hold, officer_id),
                )
                return 403, {"error": "wrong_pin", "message": "wrong PIN", "attempts_left": 0, "locked_for_s": hold}
            tx.execute(
                "UPDATE officers SET failed_attempts = 0, lockouts = 0, locked_until = NULL,"
                " proof_key = COALESCE(proof_key, ?) WHERE officer_id = ?",
                (officer_proof.proof_key(officer_id, pin).hex(), officer_id),  # officers provisioned before it
            )
        return 200, {"officer_id": officer_id, "unit": row[3], "verified": True}
