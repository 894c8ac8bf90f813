"""The registry's numbered schema migrations, oldest first; `{id}`/`{bigint}`/`{bool}` are filled per SQL dialect.

Times are UTC epoch seconds ({bigint}); days are ISO `YYYY-MM-DD` text, which sorts as dates do. Never edit a released
migration: add the next number.
"""

from __future__ import annotations

MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "people and house registers",
        """
        CREATE TABLE offices (
            code TEXT PRIMARY KEY, name_th TEXT NOT NULL, name_en TEXT NOT NULL,
            district TEXT NOT NULL, province TEXT NOT NULL);
        CREATE TABLE houses (
            house_id TEXT PRIMARY KEY, house_no TEXT NOT NULL, address TEXT NOT NULL,
            office_code TEXT NOT NULL REFERENCES offices(code));
        CREATE TABLE citizens (
            cid TEXT PRIMARY KEY,
            prefix_th TEXT NOT NULL, first_th TEXT NOT NULL, middle_th TEXT NOT NULL, last_th TEXT NOT NULL,
            prefix_en TEXT NOT NULL, first_en TEXT NOT NULL, middle_en TEXT NOT NULL, last_en TEXT NOT NULL,
            dob TEXT NOT NULL, sex TEXT NOT NULL, nationality TEXT NOT NULL,
            house_id TEXT REFERENCES houses(house_id), status TEXT NOT NULL);
        CREATE TABLE house_entries (
            id {id}, house_id TEXT NOT NULL REFERENCES houses(house_id), cid TEXT NOT NULL REFERENCES citizens(cid),
            relation TEXT NOT NULL, moved_in TEXT NOT NULL, moved_out TEXT);
        CREATE INDEX house_entries_cid ON house_entries (cid);
        CREATE TABLE events (
            id {id}, cid TEXT NOT NULL REFERENCES citizens(cid), day TEXT NOT NULL, kind TEXT NOT NULL,
            office_code TEXT NOT NULL, detail TEXT NOT NULL);
        CREATE INDEX events_cid ON events (cid)
        """,
    ),
    (
        2,
        "offices, slots and bookings",
        """
        CREATE TABLE holidays (day TEXT PRIMARY KEY, name_th TEXT NOT NULL, name_en TEXT NOT NULL);
        CREATE TABLE office_closures (
            office_code TEXT NOT NULL REFERENCES offices(code), day TEXT NOT NULL, reason TEXT NOT NULL,
            PRIMARY KEY (office_code, day));
        CREATE TABLE slots (
            id {id}, office_code TEXT NOT NULL REFERENCES offices(code), service TEXT NOT NULL, day TEXT NOT NULL,
            start_time TEXT NOT NULL, capacity INTEGER NOT NULL, booked INTEGER NOT NULL DEFAULT 0,
            UNIQUE (office_code, service, day, start_time), CHECK (booked >= 0 AND booked <= capacity));
        CREATE TABLE bookings (
            ref TEXT PRIMARY KEY, slot_id {bigint} NOT NULL REFERENCES slots(id), cid TEXT NOT NULL,
            client TEXT NOT NULL, created_at {bigint} NOT NULL, cancelled_at {bigint});
        CREATE INDEX bookings_cid ON bookings (cid)
        """,
    ),
    (
        3,
        "digital-ID enrolments, officers, extracts, idempotency",
        """
        CREATE TABLE officers (
            officer_id TEXT PRIMARY KEY, name TEXT NOT NULL, unit TEXT NOT NULL, pin_salt TEXT NOT NULL,
            pin_hash TEXT NOT NULL, failed_attempts INTEGER NOT NULL DEFAULT 0, created_at {bigint} NOT NULL);
        CREATE TABLE enrolments (
            id {id}, cid TEXT NOT NULL UNIQUE REFERENCES citizens(cid), unit TEXT NOT NULL, method TEXT NOT NULL,
            officer_id TEXT REFERENCES officers(officer_id), client TEXT NOT NULL, enrolled_at {bigint} NOT NULL,
            report_friday TEXT NOT NULL, activation_hash TEXT NOT NULL, activation_expires {bigint} NOT NULL,
            activated_at {bigint});
        CREATE INDEX enrolments_report ON enrolments (unit, report_friday);
        CREATE TABLE extracts (
            id {id}, doc_no TEXT NOT NULL UNIQUE, doc_type TEXT NOT NULL, cid TEXT NOT NULL REFERENCES citizens(cid),
            client TEXT NOT NULL, issued_at {bigint} NOT NULL, body TEXT NOT NULL);
        CREATE TABLE idempotency (
            client TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, status INTEGER NOT NULL,
            body TEXT NOT NULL, created_at {bigint} NOT NULL, PRIMARY KEY (client, key))
        """,
    ),
    (
        4,
        "parents' names for house-register extracts",
        """
        ALTER TABLE citizens ADD COLUMN father_th TEXT NOT NULL DEFAULT '';
        ALTER TABLE citizens ADD COLUMN mother_th TEXT NOT NULL DEFAULT ''
        """,
    ),
    (
        5,
        "enrolment passcode hash and encrypted finger template, kit keys and offline activation redemptions",
        """
        ALTER TABLE enrolments ADD COLUMN passcode_salt TEXT;
        ALTER TABLE enrolments ADD COLUMN passcode_hash TEXT;
        ALTER TABLE enrolments ADD COLUMN template_sealed TEXT;
        ALTER TABLE enrolments ADD COLUMN template_key_id TEXT;
        ALTER TABLE enrolments ADD COLUMN idempotency_key TEXT;
        CREATE INDEX enrolments_client_key ON enrolments (client, idempotency_key);
        CREATE TABLE kit_keys (
            kiosk_id TEXT NOT NULL, key_id TEXT NOT NULL, public_key TEXT NOT NULL, registered_at {bigint} NOT NULL,
            PRIMARY KEY (kiosk_id, key_id));
        CREATE TABLE kit_redemptions (
            kiosk_id TEXT NOT NULL, op_key TEXT NOT NULL, nonce TEXT NOT NULL, redeemed_at {bigint} NOT NULL,
            PRIMARY KEY (kiosk_id, op_key))
        """,
    ),
    (
        6,
        "kit keys withdrawn with their kiosk's certificate",
        """
        ALTER TABLE kit_keys ADD COLUMN withdrawn_at {bigint}
        """,
    ),
    (
        7,
        "the audit of finger-template fetches (kiosk, time, keyed hash of the citizen ID, the kiosk's session key)",
        """
        CREATE TABLE template_fetches (
            id {id}, kiosk_id TEXT NOT NULL, fetched_at {bigint} NOT NULL, subject_hash TEXT NOT NULL,
            session_key TEXT NOT NULL, outcome TEXT NOT NULL);
        CREATE INDEX template_fetches_kiosk ON template_fetches (kiosk_id, fetched_at)
        """,
    ),
    (
        8,
        "revoked kiosk certificates checked per request, and the certificate each kit key was registered under",
        """
        CREATE TABLE revoked_certificates (
            serial TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, revoked_at {bigint} NOT NULL);
        CREATE INDEX revoked_certificates_kiosk ON revoked_certificates (kiosk_id);
        ALTER TABLE kit_keys ADD COLUMN cert_serial TEXT
        """,
    ),
    (
        9,
        "officer lockout with back-off, and the audit of citizen-data reads per kiosk",
        """
        ALTER TABLE officers ADD COLUMN locked_until {bigint};
        ALTER TABLE officers ADD COLUMN lockouts INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE citizen_reads (
            id {id}, kiosk_id TEXT NOT NULL, read_at {bigint} NOT NULL, what TEXT NOT NULL,
            subject_hash TEXT NOT NULL, outcome TEXT NOT NULL);
        CREATE INDEX citizen_reads_kiosk ON citizen_reads (kiosk_id, read_at)
        """,
    ),
    (
        10,
        "each kiosk's signed audit-log head, kept at every sync (truncation and rollback show against it)",
        """
        CREATE TABLE audit_anchors (
            kiosk_id TEXT PRIMARY KEY, seq {bigint} NOT NULL, head_hash TEXT NOT NULL, signature TEXT NOT NULL,
            key_id TEXT NOT NULL, received_at {bigint} NOT NULL)
        """,
    ),
    (
        11,
        "each officer's proof key (kiosk.officer_proof), checked on every officer-assisted enrolment",
        """
        ALTER TABLE officers ADD COLUMN proof_key TEXT
        """,
    ),
    (
        12,
        "citizen-presence sessions (kiosk.presence): one journey's session reads one citizen",
        """
        CREATE TABLE presence_sessions (
            kiosk_id TEXT NOT NULL, session TEXT NOT NULL, cid_hash TEXT NOT NULL, first_at {bigint} NOT NULL,
            PRIMARY KEY (kiosk_id, session));
        CREATE INDEX presence_sessions_age ON presence_sessions (first_at)
        """,
    ),
    (
        13,
        "kiosk heartbeats (kiosk.registry.fleet): each kiosk's latest state and its recent history",
        """
        CREATE TABLE kiosk_heartbeats (
            id {id}, kiosk_id TEXT NOT NULL, received_at {bigint} NOT NULL, payload TEXT NOT NULL);
        CREATE INDEX kiosk_heartbeats_kiosk ON kiosk_heartbeats (kiosk_id, id);
        CREATE TABLE kiosk_states (
            kiosk_id TEXT PRIMARY KEY, last_at {bigint} NOT NULL, payload TEXT NOT NULL)
        """,
    ),
)
