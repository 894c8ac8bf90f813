"""The kiosk's HTTPS client for the registry service: mutual TLS over httpx, typed errors, validated answers.

Transient trouble (no link, timeout, TLS failure, 5xx) raises `RegistryUnavailable`, which the outbox retries later;
a refusal (4xx) raises `RegistryRejected` (`RegistryConflict` for 409) from the convenience methods, while `submit`
(one operation) and `submit_batch` (the outbox's queued operations in one request, POST /v1/sync/batch) return it
as a `Reply` so the outbox can record it as the operation's outcome.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import secrets
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from string import Formatter
from typing import Any

import httpx

from kiosk import presence
from kiosk.errors import KioskError
from kiosk.seal import TrustList, TrustListError, signed_list

# Outbox operation kinds: (HTTP method, path template filled from the payload, payload keys sent as the body)
OPERATIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "enrol": (
        "POST",
        "/v1/enrolments",
        ("citizen_id", "unit", "method", "officer_id", "officer_proof", "passcode", "finger_template"),
    ),
    "book": ("POST", "/v1/bookings", ("citizen_id", "slot_id")),
    "cancel_booking": ("POST", "/v1/bookings/{ref}/cancel", ("citizen_id",)),
    "issue_extract": ("POST", "/v1/extracts", ("citizen_id", "doc_type")),
    "register_kit_key": ("POST", "/v1/kit-keys", ("public_key",)),
}


# One outbox batch (POST /v1/sync/batch) holds at most this many operations and bytes; the registry allows more.
BATCH_OPS = 200
BATCH_BYTES = 256 * 1024


def batch_entry(kind: str, payload: dict[str, Any], key: str) -> bytes:
    """An operation as it travels in a batch: its key, kind, and the fields its route takes (path and body)."""
    _, template, fields = OPERATIONS[kind]
    names = [*(name for _, name, _, _ in Formatter().parse(template) if name), *fields, "presence_proof"]
    params = {k: payload[k] for k in names if payload.get(k) is not None}
    return json.dumps({"key": key, "kind": kind, "params": params}, separators=(",", ":")).encode()


class RegistryError(KioskError):
    """The registry could not be used."""


class RegistryUnavailable(RegistryError):
    """No answer that settles the request (no link, timeout, TLS refused, server error): safe to retry later."""


class RegistryRejected(RegistryError):
    """The registry refused the request (4xx); `code` is its stable error code."""

    def __init__(self, status: int, code: str, message: str, body: dict[str, Any]) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.body = body


class RegistryConflict(RegistryRejected):
    """409: the request conflicts with the registry's state (slot taken, already enrolled, ...)."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def error(self) -> str:
        return str(self.body.get("error", "")) if not self.ok else ""


_KEY_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def new_key() -> str:
    """A fresh idempotency or session key: 128 random bits as 32 letters a-p (hex with its digits moved to g-p), so
    that no key can look like a 13-digit citizen ID to the audit log's guard (a uuid4's hex did, about 1 in 50)."""
    return secrets.token_hex(16).translate(_KEY_LETTERS)


def enrol_payload(
    citizen_id: str,
    unit: str,
    *,
    officer_id: str = "",
    passcode: str = "",
    template: bytes | None = None,
    officer_proof: str = "",
) -> dict[str, Any]:
    """An enrolment as sent (and as queued in the outbox, which encrypts it at rest). An officer-assisted one
    carries the officer's proof (`kiosk.officer_proof.make`, over this operation's idempotency key)."""
    payload: dict[str, Any] = {"citizen_id": citizen_id, "unit": unit, "method": "officer" if officer_id else "self"}
    if officer_id:
        payload["officer_id"] = officer_id
    if officer_proof:
        payload["officer_proof"] = officer_proof
    if passcode:
        payload["passcode"] = passcode
    if template is not None:
        payload["finger_template"] = base64.b64encode(template).decode()
    return payload


def tls_context(ca_cert: Path, client_cert: Path, client_key: Path) -> ssl.SSLContext:
    try:
        ctx = ssl.create_default_context(cafile=str(ca_cert))
        ctx.load_cert_chain(str(client_cert), str(client_key))
    except (OSError, ssl.SSLError) as e:
        raise RegistryError(f"cannot load the kiosk's TLS credentials: {e}") from None
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


class RegistryClient:
    presence: Callable[[str], str] | None = None  # the journey's presence proof for a citizen ID (see __init__)

    def __init__(
        self,
        base_url: str,
        *,
        ca_cert: Path,
        client_cert: Path,
        client_key: Path,
        timeout_s: float = 5.0,
        context: ssl.SSLContext | None = None,
        presence: Callable[[str], str] | None = None,
    ) -> None:
        """`presence` gives the journey's citizen-presence proof (`kiosk.presence.Held.for_citizen`) for a
        citizen ID: every call on one citizen's data carries it; without it those calls are refused."""
        ctx = context or tls_context(ca_cert, client_cert, client_key)
        self.presence = presence
        # httpx logs every request URL at INFO, and URLs carry citizen IDs: PDPA keeps them out of the logs.
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).setLevel(logging.WARNING)
        self.http = httpx.Client(base_url=base_url, verify=ctx, timeout=timeout_s)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- transport ---------------------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        key: str = "",
        params: dict[str, str] | None = None,
        session_key: str = "",
        presence_proof: str = "",
    ) -> Reply:
        headers = {"Idempotency-Key": key} if key else {}
        if session_key:
            headers["Session-Key"] = session_key
        if presence_proof:
            headers[presence.HEADER] = presence_proof
        try:
            response = self.http.request(method, path, json=body, headers=headers, params=params)
        except (httpx.TransportError, ssl.SSLError, OSError) as e:
            raise RegistryUnavailable(f"registry unreachable: {type(e).__name__}: {e}") from None
        if response.status_code >= 500:
            raise RegistryUnavailable(f"registry answered {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise RegistryUnavailable(f"registry answered {response.status_code} without JSON") from None
        if not isinstance(data, dict):
            raise RegistryUnavailable("registry answered with a non-object JSON body")
        return Reply(response.status_code, data)

    def submit(self, kind: str, payload: dict[str, Any], key: str) -> Reply:
        """Send one outbox operation with its idempotency key; 2xx and 4xx both come back as a Reply."""
        method, template, fields = OPERATIONS[kind]
        body = {k: payload[k] for k in fields if k in payload and payload[k] is not None}
        proof = str(payload.get("presence_proof") or "")
        return self.request(method, template.format(**payload), body=body, key=key, presence_proof=proof)

    def submit_batch(self, ops: list[tuple[str, str, dict[str, Any]]]) -> list[Reply]:
        """Send outbox operations (key, kind, payload) in one request; their answers in order, one per operation up
        to the first transient one (5xx), after which nothing was applied. A refusal of the batch as a whole is no
        operation's outcome: it raises RegistryUnavailable, and the operations stay queued."""
        content = b'{"operations":[' + b",".join(batch_entry(kind, payload, key) for key, kind, payload in ops) + b"]}"
        try:
            response = self.http.post("/v1/sync/batch", content=content, headers={"Content-Type": "application/json"})
        except (httpx.TransportError, ssl.SSLError, OSError) as e:
            raise RegistryUnavailable(f"registry unreachable: {type(e).__name__}: {e}") from None
        try:
            data = response.json()
        except ValueError:
            raise RegistryUnavailable(f"registry answered {response.status_code} without JSON") from None
        if response.status_code != 200:
            code = data.get("error", "") if isinstance(data, dict) else ""
            raise RegistryUnavailable(f"registry refused the batch: {response.status_code} {code}")
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, list) or not results or len(results) > len(ops):
            raise RegistryUnavailable("malformed batch answer: no results, or more than operations sent")
        replies = []
        for (key, _, _), result in zip(ops, results, strict=False):
            if not (
                isinstance(result, dict)
                and result.get("key") == key
                and isinstance(result.get("status"), int)
                and isinstance(result.get("body"), dict)
            ):
                raise RegistryUnavailable("malformed batch answer: a result does not match its operation")
            replies.append(Reply(result["status"], result["body"]))
        if len(replies) < len(ops) and replies[-1].status < 500:
            raise RegistryUnavailable("malformed batch answer: it stopped without a transient failure")
        return replies

    @staticmethod
    def _ok(reply: Reply, **expected: type) -> dict[str, Any]:
        """The body of a 2xx answer, checked to hold `expected` fields of the given types; else a typed error."""
        if reply.ok:
            for name, kind in expected.items():
                if not isinstance(reply.body.get(name), kind):
                    raise RegistryError(f"malformed registry answer: {name!r} missing or not {kind.__name__}")
            return reply.body
        cls = RegistryConflict if reply.status == 409 else RegistryRejected
        raise cls(reply.status, reply.error or "error", str(reply.body.get("message", "")), reply.body)

    # ---- the API -----------------------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        return self._ok(self.request("GET", "/v1/health"), ok=bool, peer=str)

    def trust_list(self, held: TrustList | None = None) -> TrustList:
        """The registry's signed trust list, if it may replace `held` (`kiosk.seal.signed_list.accept`: signed by a
        key of the held list, serial never lower); RegistryError otherwise, and the caller keeps what it holds."""
        try:
            return signed_list.accept(self._ok(self.request("GET", "/v1/trust-list")), held)
        except TrustListError as e:
            raise RegistryError(f"the registry's trust list is refused: {e}") from None

    def proof_for(self, citizen_id: str) -> str:
        """The presence proof this client's journey holds for `citizen_id` ("" when none)."""
        return self.presence(citizen_id) if self.presence is not None else ""

    def citizen(self, citizen_id: str) -> dict[str, Any]:
        reply = self.request("GET", f"/v1/citizens/{citizen_id}", presence_proof=self.proof_for(citizen_id))
        person = self._ok(reply, citizen_id=str, name_th=dict, events=list)
        if person["citizen_id"] != citizen_id:
            raise RegistryError("the registry answered with another citizen's record")
        return person

    def issue_extract(self, citizen_id: str, doc_type: str, key: str) -> dict[str, Any]:
        payload = {"citizen_id": citizen_id, "doc_type": doc_type, "presence_proof": self.proof_for(citizen_id)}
        reply = self.submit("issue_extract", payload, key)
        return self._ok(reply, doc_no=str, doc_type=str, seal=str, person=dict, issued_at=str, valid_until=str)

    def extract(self, doc_no: str, citizen_id: str) -> dict[str, Any]:
        """An extract issued to `citizen_id` (their presence proven), by its number."""
        reply = self.request("GET", f"/v1/extracts/{doc_no}", presence_proof=self.proof_for(citizen_id))
        return self._ok(reply, doc_no=str, seal=str, person=dict)

    def offices(self) -> list[dict[str, Any]]:
        offices = self._ok(self.request("GET", "/v1/offices")).get("offices")
        if not isinstance(offices, list):
            raise RegistryUnavailable("malformed office list")
        return offices

    def slots(self, office_code: str, first: date, last: date) -> list[dict[str, Any]]:
        params = {"from": first.isoformat(), "to": last.isoformat()}
        slots = self._ok(self.request("GET", f"/v1/offices/{office_code}/slots", params=params)).get("slots")
        if not isinstance(slots, list):
            raise RegistryUnavailable("malformed slot list")
        return slots

    def book(self, citizen_id: str, slot_id: int, key: str) -> dict[str, Any]:
        payload = {"citizen_id": citizen_id, "slot_id": slot_id, "presence_proof": self.proof_for(citizen_id)}
        reply = self.submit("book", payload, key)
        return self._ok(reply, booking_ref=str, day=str, start=str, office_code=str)

    def cancel_booking(self, ref: str, citizen_id: str, key: str) -> dict[str, Any]:
        payload = {"ref": ref, "citizen_id": citizen_id, "presence_proof": self.proof_for(citizen_id)}
        return self._ok(self.submit("cancel_booking", payload, key), cancelled=bool)

    def enrol(
        self,
        citizen_id: str,
        unit: str,
        key: str,
        *,
        officer_id: str = "",
        passcode: str = "",
        finger_template: bytes | None = None,
        officer_proof: str = "",
    ) -> dict[str, Any]:
        """The passcode travels only inside mutual TLS and is kept by the registry as a scrypt hash; the template is
        sealed at rest there. `officer_proof` is the officer's own (made over `key`) for an officer-assisted one."""
        payload = enrol_payload(
            citizen_id,
            unit,
            officer_id=officer_id,
            passcode=passcode,
            template=finger_template,
            officer_proof=officer_proof,
        )
        return self._ok(self.submit("enrol", payload, key), activation_code=str, expires_at=str)

    def finger_template(self, citizen_id: str, session_key: str | None = None) -> bytes | None:
        """The citizen's enrolled index-finger template for a 1:1 match on the sensor; None when none is enrolled.

        `session_key` names the citizen's session at this kiosk: the registry records it with the fetch, and the
        kiosk's own audit line for that session should carry it too, so the two logs can be joined. Without one a
        fresh key is sent (the fetch is still recorded, but ties to no kiosk audit line). Too many fetches from this
        kiosk in the registry's window: RegistryRejected with code `rate_limited` (429)."""
        reply = self.request("GET", f"/v1/citizens/{citizen_id}/finger-template", session_key=session_key or new_key())
        if reply.status == 404 and reply.error == "not_enrolled":
            return None
        body = self._ok(reply, citizen_id=str, template=str)
        if body["citizen_id"] != citizen_id:
            raise RegistryError("the registry answered with another citizen's template")
        try:
            template = base64.b64decode(body["template"], validate=True)
        except (binascii.Error, ValueError):
            raise RegistryError("malformed registry answer: the template is not base64") from None
        if not template:
            raise RegistryError("malformed registry answer: an empty template")
        return template

    def citizen_bookings(self, citizen_id: str) -> list[dict[str, Any]]:
        """The citizen's bookings from today on (not cancelled), soonest first."""
        proof = self.proof_for(citizen_id)
        reply = self.request("GET", f"/v1/citizens/{citizen_id}/bookings", presence_proof=proof)
        body = self._ok(reply, citizen_id=str, bookings=list)
        if body["citizen_id"] != citizen_id:
            raise RegistryError("the registry answered with another citizen's bookings")
        shape = {"booking_ref": str, "slot_id": int, "office_code": str, "service": str, "day": str, "start": str}
        for booking in body["bookings"]:
            if not isinstance(booking, dict) or not all(isinstance(booking.get(k), t) for k, t in shape.items()):
                raise RegistryError("malformed registry answer: a booking lacks a field")
            try:
                date.fromisoformat(booking["day"])
            except ValueError:
                raise RegistryError("malformed registry answer: a booking's day is not a date") from None
        bookings: list[dict[str, Any]] = body["bookings"]
        return bookings

    def register_kit_key(self, public_key: bytes, key: str) -> dict[str, Any]:
        """Tell the registry the Ed25519 key this kit signs offline activation tokens with (bound to our cert)."""
        payload = {"public_key": base64.b64encode(public_key).decode()}
        return self._ok(self.submit("register_kit_key", payload, key), kiosk_id=str, key_id=str)

    def redeem_kit_token(self, token: str) -> dict[str, Any]:
        """What the phone app does with a kit's offline QR: activated now, or pending until the kit syncs."""
        return self._ok(
            self.request("POST", "/v1/enrolments/redeem-kit-token", body={"token": token}), activated=bool, pending=bool
        )

    def activate(self, citizen_id: str, activation_code: str) -> dict[str, Any]:
        body = {"citizen_id": citizen_id, "activation_code": activation_code}
        return self._ok(self.request("POST", "/v1/enrolments/activate", body=body))

    def send_audit_anchor(self, seq: int, head_hash: str, signature_hex: str) -> dict[str, Any]:
        """Hand the registry this kiosk's audit-log head (signed by its audit key); it refuses a rollback."""
        body = {"seq": seq, "hash": head_hash, "signature": base64.b64encode(bytes.fromhex(signature_hex)).decode()}
        return self._ok(self.request("POST", "/v1/audit-anchor", body=body), seq=int)

    def audit_anchor(self) -> dict[str, Any] | None:
        """The head the registry holds for this kiosk, or None if it has none yet."""
        reply = self.request("GET", "/v1/audit-anchor")
        if reply.status == 404:
            return None
        return self._ok(reply, seq=int, hash=str, key_id=str)

    def heartbeat(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self._ok(self.request("POST", "/v1/heartbeat", body=payload), kiosk_id=str)

    def verify_officer_pin(self, officer_id: str, pin: str) -> dict[str, Any]:
        return self._ok(self.request("POST", f"/v1/officers/{officer_id}/verify", body={"pin": pin}), verified=bool)

    def enrolment_report(self, friday: date, unit: str = "") -> dict[str, Any]:
        params = {"friday": friday.isoformat(), **({"unit": unit} if unit else {})}
        return self._ok(self.request("GET", "/v1/reports/enrolments", params=params), friday=str, units=list)
