"""The ports (`kiosk.flows.ports`) over the real parts: the registry client, the kiosk's store and keys, the card
driver, the fingerprint sensor, and the printer with the documents module. Library and client errors become
`DeviceError`s here, so journeys only ever see `DeviceFailed(device, reason)`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kiosk import domains, officer_proof
from kiosk.booking_rules import DEFAULT_POLICY, grouped_reference
from kiosk.errors import DeviceError
from kiosk.flows.effects import Booking, CancelBooking, Document, Enrolment
from kiosk.flows.events import Activation, Office, Record, Slot, Ticket, event_value
from kiosk.flows.ports import CardReading, Hint, KeptStrike
from kiosk.presence import Held

log = logging.getLogger(__name__)

BANGKOK = ZoneInfo("Asia/Bangkok")
ACTIVATION_TTL = timedelta(minutes=15)
OFFICE_SERVICES = ("general", "id_card")  # what the registry's offices offer (its slots carry one of these)


class RegistryFailed(DeviceError):
    device = "registry"
    reason = "unreachable"


class StoreFailed(DeviceError):
    device = "store"
    reason = "unavailable"


class NoOfficerProof(DeviceError):
    """An officer-assisted enrolment without the officer's PIN sign-in: the registry would refuse it at sync."""

    device = "store"
    reason = "no_officer_proof"


@contextmanager
def registry_errors() -> Iterator[None]:
    """The registry client's errors as the journeys' device failures."""
    from kiosk.registry_client import RegistryConflict, RegistryError, RegistryRejected, RegistryUnavailable

    try:
        yield
    except RegistryConflict as e:
        reason = "slot_taken" if e.code in ("slot_full", "after_cutoff") else "conflict"
        raise RegistryFailed(str(e), reason=reason) from e
    except RegistryRejected as e:
        reason = "presence_refused" if e.code.startswith("presence_") else "refused"
        raise RegistryFailed(str(e), reason=reason) from None
    except (RegistryUnavailable, RegistryError) as e:
        raise RegistryFailed(str(e), reason="unreachable") from None


def _name(n: dict[str, str]) -> str:
    joined = " ".join(p for p in (n.get("first", ""), n.get("middle", ""), n.get("last", "")) if p)
    prefix = n.get("prefix", "")
    return f"{prefix}{joined}" if prefix and not prefix.isascii() else f"{prefix} {joined}".strip()


def record_of(
    form: str, person: dict[str, Any], as_of: date, offices: Mapping[str, tuple[str, str]] | None = None
) -> Record:
    """The registry's person as (field, value) rows for the preview and own-data screens, as of `as_of` (Bangkok).

    Fields are `Record` keys the screens name in the citizen's language; dates stay ISO ("1937-00-00" where the
    register does not know the day or month) for the screens to write as Thai or English dates; an event's office
    code becomes its Thai and English names (`offices`: code -> (name_th, name_en))."""
    from kiosk.text.numbers import format_citizen_id, format_house_code

    names = offices or {}
    house = person.get("house") or {}
    cid = str(person["citizen_id"])
    lines: list[tuple[str, str]] = [
        ("name", _name(person["name_th"])),
        ("name_en", _name(person["name_en"])),
        ("citizen_id", format_citizen_id(cid) if len(cid) == 13 and cid.isdigit() else cid),
        ("birth_date", str(person.get("dob", ""))),
    ]
    if form in ("own", "tr14_1"):
        code = str(house.get("house_id", ""))
        lines += [
            ("nationality", str(person.get("nationality", ""))),
            ("house_no", str(house.get("house_no", ""))),
            ("address", str(house.get("address", ""))),
            ("house_code", format_house_code(code) if len(code) == 11 and code.isdigit() else code),
        ]
    if form in ("own", "tr12_2"):
        for e in person.get("events", []):
            office = str(e.get("office_code") or "")
            th, en = names.get(office, (office, office))
            lines.append((f"event:{e['kind']}", event_value(str(e["day"]), th, en, str(e.get("detail") or ""))))
    return Record(form, tuple(lines), as_of.isoformat())


@dataclass
class RegistryAdapter:
    client: Any  # kiosk.registry_client.RegistryClient
    unit: str
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    _offices: list[dict[str, Any]] = field(default_factory=list)

    def record(self, form: str, citizen_id: str) -> Record | None:
        from kiosk.registry_client import RegistryRejected

        if not self._offices:
            try:
                self.offices()  # the events name their offices
            except RegistryFailed:
                log.warning("office names unavailable: events show their office codes")
        try:
            with registry_errors():
                person = self.client.citizen(citizen_id)
        except RegistryFailed as e:
            if isinstance(e.__context__, RegistryRejected) and e.__context__.code == "citizen_not_found":
                return None
            raise
        names = {str(o["code"]): (str(o["name_th"]), str(o["name_en"])) for o in self._offices}
        return record_of(form, person, self.clock().astimezone(BANGKOK).date(), names)

    def offices(self) -> tuple[Office, ...]:
        with registry_errors():
            self._offices = self.client.offices()
        return tuple(Office(o["code"], o["name_th"], o["name_en"], OFFICE_SERVICES) for o in self._offices)

    def calendar(self, office_id: str) -> tuple[frozenset[date], frozenset[date]]:
        office = next((o for o in self._offices if o["code"] == office_id), None)
        if office is None:
            self.offices()
            office = next((o for o in self._offices if o["code"] == office_id), {})
        holidays = frozenset(date.fromisoformat(h["day"]) for h in office.get("holidays", []))
        closures = frozenset(date.fromisoformat(c["day"]) for c in office.get("closures", []))
        return holidays, closures

    def slots(self, office_id: str, service: str, day: date) -> tuple[Slot, ...]:
        with registry_errors():
            found = self.client.slots(office_id, day, day)
        return tuple(
            Slot(str(s["slot_id"]), str(s["start"]), int(s["capacity"]), int(s["capacity"]) - int(s["free"]))
            for s in found
            if s["service"] == service
        )

    def bookings(self, citizen_id: str) -> tuple[Ticket, ...]:
        """The citizen's upcoming bookings (not cancelled), soonest first, as the tickets they hold."""
        with registry_errors():
            found = self.client.citizen_bookings(citizen_id)
        return tuple(
            Ticket(
                str(b["booking_ref"]),
                str(b["office_code"]),
                str(b["service"]),
                date.fromisoformat(b["day"]),
                str(b["start"]),
                str(b["booking_ref"]),
            )
            for b in found
        )

    def book(self, op: Booking) -> Ticket:
        from kiosk.registry_client import new_key

        with registry_errors():
            b = self.client.book(op.citizen_id, int(op.slot_id), new_key())
        ref = str(b["booking_ref"])
        return Ticket(ref, str(b["office_code"]), str(b["service"]), date.fromisoformat(b["day"]), str(b["start"]), ref)

    def cancel(self, op: CancelBooking) -> None:
        from kiosk.registry_client import new_key

        with registry_errors():
            self.client.cancel_booking(op.booking_id, op.citizen_id, new_key())

    def enrol(self, op: Enrolment) -> Activation:
        from kiosk.registry_client import new_key

        with registry_errors():
            # the passcode goes inside mutual TLS only; the registry keeps a scrypt hash of it
            answer = self.client.enrol(
                op.citizen_id, self.unit, new_key(), officer_id=op.officer_id, passcode=op.passcode
            )
        code = str(answer["activation_code"])
        return Activation(f"THAID:ACT:{code}", datetime.fromisoformat(answer["expires_at"]), code)


def _scrypt(pin: str, salt: bytes) -> str:
    return hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32).hex()


@dataclass
class LocalAdapter:
    """The kiosk's store (outbox, signed audit log, cache) and keys."""

    conn: sqlite3.Connection
    keys: Any  # kiosk.store.KioskKeys
    unit: str
    kiosk_id: str
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # One SQLite connection is shared by the audit writer, the workers and the outbox sync: one user at a time.
    lock: threading.RLock = field(default_factory=threading.RLock)
    # officer ID -> the proof key derived from the PIN they signed in with (kiosk.officer_proof): in memory only,
    # until they sign out or the journey ends (`forget_officers`)
    _proof_keys: dict[str, bytes] = field(default_factory=dict, repr=False)
    # the journey's citizen-presence proof, in memory only; the registry client reads it (`presence.for_citizen`)
    presence: Held = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.presence = Held(self.keys.audit_key, self.kiosk_id)

    def prove_presence(self, citizen_id: str, method: str) -> None:
        self.presence.prove(citizen_id, method, int(self.clock().timestamp()))

    def forget_presence(self) -> None:
        self.presence.forget()

    def last_sync(self) -> datetime | None:
        with self.lock:
            from kiosk.store.last_sync import read

            try:
                return read(self.conn, self.keys.data_key)
            except sqlite3.Error as e:
                raise StoreFailed(f"the store cannot be read: {e}") from None

    def _audit_log(self) -> Any:
        from kiosk.store import AuditLog

        return AuditLog(self.conn, self.keys.audit_key, self.keys.subject_key)

    def enqueue(self, op: Enrolment, template: bytes | None) -> str:
        """Into the outbox, durably, before anyone is told, with the finger template (and passcode, if any): the
        outbox is AES-GCM encrypted at rest and drops them once the registry has answered. The kit's activation
        signing key goes first (once), so the registry can check this kit's offline tokens."""
        with self.lock:
            from kiosk.registry_client import enrol_payload, new_key
            from kiosk.store import Outbox, queue_kit_key

            key, proof = new_key(), ""
            if op.officer_id:
                proof_key = self._proof_keys.get(op.officer_id)
                if proof_key is None:  # a fingerprint sign-in: nothing the registry could check
                    raise NoOfficerProof("officer-assisted enrolment needs the officer's card + PIN sign-in")
                at = int(self.clock().timestamp())
                proof = officer_proof.make(proof_key, self.kiosk_id, op.officer_id, key, op.citizen_id, at)
            payload = enrol_payload(
                op.citizen_id,
                self.unit,
                officer_id=op.officer_id,
                passcode=op.passcode,
                template=template,
                officer_proof=proof,
            )
            try:
                outbox = Outbox(self.conn, self.keys.data_key)  # encrypted at rest: it holds the citizen ID
                queue_kit_key(outbox, self.keys.audit_key, self.clock().timestamp())
                return str(outbox.enqueue("enrol", payload, self.clock().timestamp(), key=key).key)
            except sqlite3.Error as e:
                raise StoreFailed(f"the outbox cannot be written: {e}") from None

    def issue_activation(self, op_id: str, citizen_id: str) -> Activation:
        """A one-time code signed by this kit's key: the queued enrolment's key, expiry, and a random nonce."""
        expires = self.clock().replace(microsecond=0) + ACTIVATION_TTL
        nonce = secrets.token_hex(4).upper()
        body = f"{self.kiosk_id}|{op_id}|{int(expires.timestamp())}|{nonce}".encode()
        signature = domains.sign(self.keys.audit_key, domains.KIT_TOKEN, body)
        token = base64.urlsafe_b64encode(body + b"|" + signature).decode().rstrip("=")
        return Activation(f"THAID:KIT:{token}", expires, f"{nonce[:4]}-{op_id[:4].upper()}")

    def _roster(self) -> list[dict[str, str]]:
        with self.lock:
            from kiosk.store import Cache

            found = Cache(self.conn, self.keys.data_key).get_private("officers")  # encrypted at rest
            return list(found) if found else []

    def add_officer(self, holder: str, officer_id: str, name: str, pin: str, *, finger_page: int = -1) -> None:
        """Put an officer on this kit's roster (their card's holder key and a salted hash of their PIN)."""
        with self.lock:
            from kiosk.store import Cache

            salt = secrets.token_bytes(16)
            entry = {
                "holder": holder,
                "officer_id": officer_id,
                "name": name,
                "salt": salt.hex(),
                "pin_hash": _scrypt(pin, salt),
                "finger_page": str(finger_page),
            }
            roster = [o for o in self._roster() if o["holder"] != holder] + [entry]
            Cache(self.conn, self.keys.data_key).put_private("officers", roster, self.clock().timestamp())

    def officer_by_page(self, page: int) -> tuple[str, str] | None:
        o = next((o for o in self._roster() if o.get("finger_page") == str(page)), None)
        return (o["officer_id"], o["name"]) if o else None

    def check_officer_pin(self, holder: str, pin: str) -> tuple[str, str] | None:
        """The roster's check; on success the officer's proof key is derived from the PIN and held in memory, so
        each enrolment they assist carries a proof the registry checks (`kiosk.officer_proof`)."""
        o = next((o for o in self._roster() if o["holder"] == holder), None)
        if o is None or not hmac.compare_digest(_scrypt(pin, bytes.fromhex(o["salt"])), o["pin_hash"]):
            return None
        with self.lock:
            self._proof_keys[o["officer_id"]] = officer_proof.proof_key(o["officer_id"], pin)
        return o["officer_id"], o["name"]

    def forget_officers(self) -> None:
        """The officer signed out or the journey ended: their proof keys go."""
        with self.lock:
            self._proof_keys.clear()

    def is_officer(self, holder: str) -> bool:
        return any(o["holder"] == holder for o in self._roster())

    def audit(self, event: str, fields: dict[str, str], at: datetime) -> None:
        with self.lock:
            self._audit_log().append(event, at.timestamp(), **fields)

    def template_fetch(self, citizen_id: str, session_key: str) -> None:
        """The kiosk's half of a biometric template fetch: the registry records the same session key with the
        fetch, so an auditor can join the two logs (the citizen appears only as the audit log's keyed hash)."""
        with self.lock:
            self._audit_log().append(
                "finger_template_fetch", self.clock().timestamp(), citizen_id=citizen_id, session_key=session_key
            )

    def save_attempts(self, strikes: list[KeptStrike]) -> None:
        with self.lock:
            from kiosk.store import Cache

            rows = [
                [
                    s.holder,
                    s.factor,
                    s.failures,
                    s.first_at.isoformat(),
                    s.locked_until.isoformat() if s.locked_until else "",
                ]
                for s in strikes
            ]
            Cache(self.conn).put("attempts", rows, self.clock().timestamp())

    def load_attempts(self) -> list[KeptStrike]:
        with self.lock:
            from kiosk.store import Cache

            found = Cache(self.conn).get("attempts")
            rows = found[0] if found else []
            return [
                KeptStrike(h, f, int(n), datetime.fromisoformat(a), datetime.fromisoformat(u) if u else None)
                for h, f, n, a, u in rows
            ]


@dataclass
class CardAdapter:
    """A second read of a card that stayed in the slot after the kiosk forgot what the driver's watcher read at its
    insertion (a journey ended). Every insertion is read by the watcher alone: the executor uses its events."""

    reader: Any  # kiosk.drivers.card.CardReader

    def read(self, timeout_s: float) -> CardReading:
        from kiosk.flows.host import reading_of

        data = self.reader.read_now(timeout_s)
        return reading_of(data, data.photo)


@dataclass
class FingerAdapter:
    sensor: Any  # kiosk.drivers.finger.FingerSensor
    officers: Callable[[int], tuple[str, str] | None]
    # the citizen's enrolled template from the registry (RegistryClient.finger_template(cid, session_key)), None
    # when not enrolled
    templates: Callable[[str, str], bytes | None] | None = None
    # writes the kiosk's audit line for a fetch under the same session key (LocalAdapter.template_fetch)
    fetched: Callable[[str, str], None] = lambda citizen_id, session_key: None

    def verify(self, citizen_id: str, hint: Hint, timeout_s: float) -> tuple[bool, str]:
        """1:1 on the sensor against the template the registry holds for this citizen (never kept here)."""
        if self.templates is None:
            return False, "not_enrolled"
        from kiosk.registry_client import new_key

        session_key = new_key()
        self.fetched(citizen_id, session_key)  # audited before the biometric leaves the registry
        with registry_errors():
            template = self.templates(citizen_id, session_key)
        if template is None:
            return False, "not_enrolled"
        hint("place")
        result = self.sensor.verify(template, timeout_s=timeout_s, on_capture=_quality_hint(hint))
        return bool(result.matched), ""

    def enrol(self, hint: Hint, timeout_s: float) -> tuple[bytes, int]:
        enrolment = self.sensor.enroll(
            timeout_s=timeout_s,
            on_capture=_quality_hint(hint),
            on_prompt=lambda prompt: hint(str(prompt.value)),
        )
        return bytes(enrolment.template), int(enrolment.quality_percent)

    def identify_officer(self, hint: Hint, timeout_s: float) -> tuple[str, str] | None:
        hint("place")
        hit = self.sensor.identify(timeout_s=timeout_s, on_capture=_quality_hint(hint))
        return None if hit is None else self.officers(int(hit.page))

    def cancel(self) -> None:
        self.sensor.cancel()


def _quality_hint(hint: Hint) -> Callable[[Any], None]:
    """The sensor's per-capture quality as a screen hint (a good capture says nothing)."""

    def on_capture(capture: Any) -> None:
        if capture.quality.hint:
            hint(capture.quality.hint)

    return on_capture


KEPT_JOBS = 32  # print jobs remembered for voids and reprints (a kiosk runs for months: bounded)


@dataclass
class PrinterAdapter:
    """Journeys' documents as the documents module's models, printed and confirmed by the printer driver.

    Each job's value (`kiosk.drivers.printer.job.PrintJob`) is kept under its job id: a failure leaves it FAILED (part
    may be on paper) or unchanged (nothing sent); `void` declares a FAILED or printed copy invalid through the issuer,
    and the reprint that follows is the issuer's: same document number, marked "พิมพ์ซ้ำ", attempt + 1."""

    issuer: Any  # kiosk.drivers.printer.service.DocumentIssuer
    registry: Any  # kiosk.registry_client.RegistryClient
    kiosk_id: str
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    _jobs: dict[str, Any] = field(default_factory=dict)  # job id -> its PrintJob, oldest first
    _next: dict[str, Any] = field(default_factory=dict)  # document number -> the copy to print next
    _printing: dict[str, str] = field(default_factory=dict)  # job id in flight -> "" or a void asked meanwhile
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def print(
        self,
        document: Document,
        reprint_of: str,
        sent: Callable[[str, str], None],
        progress: Callable[[float], None] | None = None,
    ) -> str:
        from kiosk.drivers.printer.errors import PrinterError
        from kiosk.drivers.printer.job import PrintJob

        if reprint_of:
            with self._lock:
                job = self._copy_of(reprint_of)
        else:
            job = PrintJob(self._model(document))  # an extract is issued (and numbered) by the registry here
        job_id = f"{job.document_number}#{job.attempt}-{secrets.token_hex(2)}"
        with self._lock:
            self._keep(job_id, job)
            self._printing[job_id] = ""
        sent(job_id, job.document_number)
        try:
            job = self.issuer.issue(job, progress)
        except PrinterError as e:
            job = e.job or job  # FAILED when part may be on paper; unchanged when nothing was sent
            raise
        finally:
            with self._lock:
                self._jobs[job_id] = job
                asked = self._printing.pop(job_id, "")
                if asked:
                    self._void(job_id, asked)
        return job_id

    def void(self, job_id: str, reason: str) -> None:
        with self._lock:
            if job_id in self._printing:
                self._printing[job_id] = reason or "voided"  # voided once the printer is done with it
            else:
                self._void(job_id, reason)

    def copies(self, document_number: str) -> list[Any]:
        """Every kept copy of a document (PrintJob values, in order): what was printed, failed and voided."""
        with self._lock:
            return [j for j in self._jobs.values() if j.document_number == document_number]

    def _void(self, job_id: str, reason: str) -> None:
        from kiosk.drivers.printer.job import JobState

        job = self._jobs.get(job_id)
        if job is None:
            log.warning("print job %s is not known here: nothing to void", job_id)
            return
        if job.state is JobState.FAILED:
            self._next[job.document_number] = self.issuer.after_failure(job)
        elif job.state is JobState.CONFIRMED:
            self._next[job.document_number] = job.void().reprint()  # a printed copy withdrawn
        elif job.state is JobState.RENDERED:
            self._next[job.document_number] = job  # nothing reached the paper: the same copy may go again
            return
        else:
            return
        self._jobs[job_id] = job.void()
        log.info("print job %s voided (%s)", job_id, reason)

    def _copy_of(self, number: str) -> Any:
        """The next copy of document `number`: its reprint once the last copy is voided (voided now if the void
        has not come yet: a copy is never printed again over one that is not void)."""
        from kiosk.drivers.printer.errors import PrinterError

        if number not in self._next:
            last = next((i for i, j in reversed(self._jobs.items()) if j.document_number == number), None)
            if last is not None:
                self._void(last, "reprint")
        if number not in self._next:
            raise PrinterError(f"no copy of {number} to reprint on this kiosk", reason="no_original")
        return self._next.pop(number)

    def _keep(self, job_id: str, job: Any) -> None:
        self._jobs[job_id] = job
        for old in list(self._jobs)[:-KEPT_JOBS]:
            if old not in self._printing:
                del self._jobs[old]

    def _model(self, d: Document) -> Any:
        from kiosk.documents import model as m

        facts = dict(d.facts)
        now = self.clock()
        if d.kind == "ticket":
            day = date.fromisoformat(facts["day"])
            hh, mm = (int(x) for x in facts["start"].split(":"))
            return m.BookingTicket(
                take_card=d.card_in_slot,
                document_number=grouped_reference(facts["booking_id"]),
                kiosk_id=self.kiosk_id,
                issued_at=now,
                language=d.language,
                seal=d.qr,
                office=facts["office"],  # already in the ticket's language (flows.booking.ticket_document)
                service=facts["service"],
                slot_start=datetime.combine(day, time(hh, mm), tzinfo=BANGKOK),
                slot_minutes=int(facts.get("minutes", DEFAULT_POLICY.slot_minutes)),
                booking_code=grouped_reference(facts["booking_id"]),
            )
        if d.kind == "receipt":
            return m.EnrolmentReceipt(
                take_card=d.card_in_slot,
                document_number=facts["reference"],
                kiosk_id=self.kiosk_id,
                issued_at=now,
                language=d.language,
                seal=d.qr or facts["reference"],
                citizen_id_masked=facts["citizen_id_masked"],
                method=m.EnrolmentMethod.SELF_SERVICE,
                reference=facts["reference"],
                activation_expires_at=datetime.fromisoformat(facts["expires_at"]),
            )
        return self._extract(d, now)

    def _extract(self, d: Document, now: datetime) -> Any:
        from kiosk.documents import model as m
        from kiosk.registry_client import new_key
        from kiosk.text.dates import PartialDate

        with registry_errors():
            body = self.registry.issue_extract(d.citizen_id, d.form.upper(), new_key())
        person = body["person"]
        nt, ne = person["name_th"], person["name_en"]
        name_th = m.PersonName(nt["prefix"], nt["first"], nt["last"], nt.get("middle", ""))
        name_en = m.PersonName(ne["prefix"], ne["first"], ne["last"], ne.get("middle", ""))
        y, mo, dd = (int(x) for x in str(person["dob"]).split("-"))
        dob = PartialDate(y, mo or None, dd or None)
        common = {
            "document_number": body["doc_no"],
            "kiosk_id": self.kiosk_id,
            "issued_at": now,
            "language": d.language,
            "seal": body["seal"],
        }
        office_name = "office_name_th" if d.language == "th" else "office_name_en"
        if d.form == "tr12_2":
            events = tuple(
                m.HistoryEntry(
                    date.fromisoformat(e["day"]),
                    m.HistoryEvent(e["kind"]),
                    e.get(office_name) or e.get("office_name_th") or e.get("office_code") or "",
                    e.get("detail") or "",
                )
                for e in person.get("events", [])
                if e["kind"] in {v.value for v in m.HistoryEvent}
            )
            home_office = person.get("house") or {}
            parents = person.get("parents") or {}
            return m.CivilRegistrationHistory(
                take_card=d.card_in_slot,
                **common,
                registrar_office=home_office.get(office_name) or body["issuer"],
                citizen_id=person["citizen_id"],
                name_th=name_th,
                name_en=name_en,
                sex=m.Sex(person["sex"]) if person.get("sex") in {s.value for s in m.Sex} else None,
                date_of_birth=dob,
                nationality=person.get("nationality") or "",
                mother_name=str(parents.get("mother_th") or ""),
                father_name=str(parents.get("father_th") or ""),
                address=str(home_office.get("address") or ""),
                events=events,
            )
        house = person["house"]
        entry = (person.get("house_entries") or [{}])[-1]
        return m.HouseRegisterEntry(
            take_card=d.card_in_slot,
            **common,
            registrar_office=house.get(office_name) or house.get("office_name_th") or "",
            registrar_office_code=house.get("office_code", ""),
            house_number=house["house_no"],
            address=m.Address.parse(house["address"], house["house_no"]),
            house_code=str(house["house_id"]),
            citizen_id=person["citizen_id"],
            name_th=name_th,
            name_en=name_en,
            sex=m.Sex(person["sex"]),
            date_of_birth=dob,
            nationality=person.get("nationality", ""),
            house_status=m.HouseStatus.HOUSE_OWNER
            if entry.get("relation") in ("owner", "เจ้าบ้าน")
            else m.HouseStatus.RESIDENT,
            mother_name=str((person.get("parents") or {}).get("mother_th", "")),  # as registered; blank if unknown
            father_name=str((person.get("parents") or {}).get("father_th", "")),
            moved_in_on=date.fromisoformat(entry["moved_in"]) if entry.get("moved_in") else None,
        )


def token_of(activation: Activation) -> dict[str, str]:
    """For tests: the parts of a kit-signed activation token."""
    raw = activation.qr.removeprefix("THAID:KIT:")
    data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    kiosk, op, expires, nonce, _sig = data.split(b"|", 4)
    return {"kiosk": kiosk.decode(), "op": op.decode(), "expires": expires.decode(), "nonce": nonce.decode()}


__all__ = ["CardAdapter", "FingerAdapter", "LocalAdapter", "PrinterAdapter", "RegistryAdapter", "record_of"]
