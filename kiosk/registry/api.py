"""The registry's HTTP API (JSON, mutual TLS): routes, request validation and error mapping over `Registry`.

Kiosks are identified by their client certificate's common name, which the TLS layer puts into the ASGI scope; a
request without one is refused. Every failure is a JSON body `{"error": code, "message": text}` with a 4xx status
(503 when the database is down); mutating requests need an `Idempotency-Key` header.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from kiosk import presence
from kiosk.registry import batch, fleet, kit_tokens
from kiosk.registry import validate as v
from kiosk.registry.db import DatabaseUnavailable
from kiosk.registry.service import Registry, Result
from kiosk.seal import TrustList, signed_list

log = logging.getLogger(__name__)
CITIZEN_ID_IN_TEXT = re.compile(r"\d{13}")
PEER_KEY = "kiosk.peer"  # scope["extensions"][PEER_KEY] = the client certificate's common name
HEARTBEAT_MAX_BYTES = 2048
SERIAL_KEY = "kiosk.serial"  # scope["extensions"][SERIAL_KEY] = its serial (lowercase hex)


def peer_of(request: Request) -> str:
    peer = request.scope.get("extensions", {}).get(PEER_KEY)
    if not isinstance(peer, str) or not peer:
        raise v.ApiError(403, "client_certificate_required", "a kiosk client certificate is required")
    return peer


async def read_body(request: Request, limit: int = v.MAX_BODY_BYTES) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise v.ApiError(413, "body_too_large", f"request body exceeds {limit} bytes")
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise v.ApiError(415, "unsupported_media_type", "send application/json")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise v.ApiError(413, "body_too_large", f"request body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def serial_of(request: Request) -> str:
    serial = request.scope.get("extensions", {}).get(SERIAL_KEY)
    return serial if isinstance(serial, str) else ""


def reply(result: Result) -> JSONResponse:
    status, body = result
    return JSONResponse(body, status_code=status)


Handler = Callable[[Request], Awaitable[Response]]


def api_app(registry: Registry, trust: Callable[[], TrustList]) -> ASGIApp:
    """The routes behind a per-request revocation check (`RevocationGate`)."""
    return RevocationGate(routes_app(registry, trust), registry)


def routes_app(registry: Registry, trust: Callable[[], TrustList]) -> Starlette:
    async def mutation(request: Request, allowed: set[str]) -> tuple[str, str, dict[str, Any]]:
        client = peer_of(request)
        key = v.idempotency_key(request.headers.get("idempotency-key"))
        return client, key, v.json_object(await read_body(request), allowed)

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "peer": peer_of(request)})

    async def trust_list(request: Request) -> Response:
        peer_of(request)
        return JSONResponse(signed_list.sign(trust(), registry.signer))  # kiosks refuse it unsigned or older

    def limited(result: Result) -> Response:
        response = reply(result)
        if response.status_code == 429:
            response.headers["Retry-After"] = str(result[1].get("retry_after_s", 60))
        return response

    def proof_of(request: Request) -> str:
        return request.headers.get(presence.HEADER, "")[: presence.MAX_PROOF_CHARS + 1]

    async def citizen(request: Request) -> Response:
        client = peer_of(request)
        cid = v.citizen_id(request.path_params["cid"])
        return limited(await run_in_threadpool(registry.read_citizen, client, cid, proof_of(request)))

    async def operation(request: Request, kind: str, **in_path: str) -> Response:
        """One outbox operation on its own route, validated as it is in a batch (`batch.PARSE`); a presence proof
        comes in its header."""
        client, key, body = await mutation(request, batch.FIELDS[kind] - set(in_path) - {"presence_proof"})
        proof = proof_of(request) if "presence_proof" in batch.FIELDS[kind] else ""
        run = batch.PARSE[kind]({**body, **in_path, **({"presence_proof": proof} if proof else {})})
        caller = batch.Caller(client, serial_of(request))
        return reply(await run_in_threadpool(run, registry, caller, key))

    async def issue_extract(request: Request) -> Response:
        return await operation(request, "issue_extract")

    async def get_extract(request: Request) -> Response:
        client = peer_of(request)
        doc_no = v.text(request.path_params, "doc_no", max_len=40)
        return limited(await run_in_threadpool(registry.read_extract, client, doc_no, proof_of(request)))

    async def offices(request: Request) -> Response:
        peer_of(request)
        return JSONResponse({"offices": await run_in_threadpool(registry.offices)})

    async def slots(request: Request) -> Response:
        peer_of(request)
        office = v.code(request.path_params["code"], "office code")
        first = v.iso_date(request.query_params.get("from"), "from")
        last = v.iso_date(request.query_params.get("to"), "to")
        return JSONResponse({"slots": await run_in_threadpool(registry.slots, office, first, last)})

    async def book(request: Request) -> Response:
        return await operation(request, "book")

    async def cancel(request: Request) -> Response:
        return await operation(request, "cancel_booking", ref=request.path_params["ref"])

    async def enrol(request: Request) -> Response:
        return await operation(request, "enrol")

    async def finger_template(request: Request) -> Response:
        client = peer_of(request)
        cid = v.citizen_id(request.path_params["cid"])
        session = v.session_key(request.headers.get("session-key"))
        response = reply(await run_in_threadpool(registry.finger_template, client, cid, session))
        if response.status_code == 429:
            response.headers["Retry-After"] = str(registry.template_fetch_window_s)
        return response

    async def citizen_bookings(request: Request) -> Response:
        client = peer_of(request)
        cid = v.citizen_id(request.path_params["cid"])
        return limited(await run_in_threadpool(registry.read_citizen_bookings, client, cid, proof_of(request)))

    async def register_kit_key(request: Request) -> Response:
        return await operation(request, "register_kit_key")

    async def redeem_kit_token(request: Request) -> Response:
        peer_of(request)
        body = v.json_object(await read_body(request), {"token"})
        token = v.text(body, "token", max_len=kit_tokens.MAX_TOKEN_CHARS)
        return reply(await run_in_threadpool(registry.redeem_kit_token, token))

    async def activate(request: Request) -> Response:
        peer_of(request)
        body = v.json_object(await read_body(request), {"citizen_id", "activation_code"})
        cid = v.citizen_id(body.get("citizen_id"))
        code = v.text(body, "activation_code", max_len=9, min_len=8)
        return reply(await run_in_threadpool(registry.activate, cid, code))

    async def verify_pin(request: Request) -> Response:
        peer_of(request)
        officer = v.code(request.path_params["officer_id"], "officer_id")
        body = v.json_object(await read_body(request), {"pin"})
        pin = v.text(body, "pin", max_len=12, min_len=1)
        return reply(await run_in_threadpool(registry.verify_officer_pin, officer, pin))

    async def audit_anchor(request: Request) -> Response:
        client = peer_of(request)
        if request.method == "GET":
            return reply(await run_in_threadpool(registry.audit_anchor, client))
        body = v.json_object(await read_body(request), {"seq", "hash", "signature"})
        seq = v.integer(body, "seq", low=1, high=2**62)
        head = v.text(body, "hash", max_len=64, min_len=64)
        if any(ch not in "0123456789abcdef" for ch in head):
            raise v.ApiError(422, "invalid_field", "hash must be 64 lowercase hex digits")
        signature = v.base64_bytes(body, "signature", min_bytes=64, max_bytes=64)
        return reply(await run_in_threadpool(registry.anchor_audit, client, seq, head, signature))

    async def sync_batch(request: Request) -> Response:
        client = peer_of(request)
        raw = await read_body(request, batch.MAX_BATCH_BYTES)
        entries = batch.parse(v.json_object(raw, {"operations"}, max_bytes=batch.MAX_BATCH_BYTES))
        caller = batch.Caller(client, serial_of(request))
        results = await run_in_threadpool(batch.apply_batch, registry, caller, entries)
        return JSONResponse({"results": results})

    async def heartbeat(request: Request) -> Response:
        """Not idempotency-keyed: a heartbeat is the kiosk's latest state, and a repeated one only says it again."""
        client = peer_of(request)
        body = v.json_object(await read_body(request, HEARTBEAT_MAX_BYTES), set(fleet.HEARTBEAT_FIELDS))
        return reply(await run_in_threadpool(registry.record_heartbeat, client, fleet.parse_heartbeat(body)))

    async def report(request: Request) -> Response:
        peer_of(request)
        friday = v.iso_date(request.query_params.get("friday"), "friday")
        unit = request.query_params.get("unit")
        unit = v.code(unit, "unit") if unit else ""
        return JSONResponse(await run_in_threadpool(registry.enrolment_report, friday, unit))

    routes = [
        Route("/v1/health", health),
        Route("/v1/trust-list", trust_list),
        Route("/v1/citizens/{cid}", citizen),
        Route("/v1/citizens/{cid}/bookings", citizen_bookings),
        Route("/v1/citizens/{cid}/finger-template", finger_template),
        Route("/v1/extracts", issue_extract, methods=["POST"]),
        Route("/v1/extracts/{doc_no}", get_extract),
        Route("/v1/offices", offices),
        Route("/v1/offices/{code}/slots", slots),
        Route("/v1/bookings", book, methods=["POST"]),
        Route("/v1/bookings/{ref}/cancel", cancel, methods=["POST"]),
        Route("/v1/enrolments", enrol, methods=["POST"]),
        Route("/v1/enrolments/activate", activate, methods=["POST"]),
        Route("/v1/enrolments/redeem-kit-token", redeem_kit_token, methods=["POST"]),
        Route("/v1/kit-keys", register_kit_key, methods=["POST"]),
        Route("/v1/officers/{officer_id}/verify", verify_pin, methods=["POST"]),
        Route("/v1/reports/enrolments", report),
        Route("/v1/audit-anchor", audit_anchor, methods=["GET", "POST"]),
        Route("/v1/sync/batch", sync_batch, methods=["POST"]),
        Route("/v1/heartbeat", heartbeat, methods=["POST"]),
    ]
    return Starlette(routes=routes, exception_handlers=json_errors())


def json_errors() -> dict[Any, Callable[[Request, Exception], Awaitable[Response]]]:
    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, v.ApiError)
        return JSONResponse(exc.body(), status_code=exc.status)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return JSONResponse({"error": "http_error", "message": str(exc.detail)}, status_code=exc.status_code)

    async def unavailable(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": "database_unavailable", "message": "try again later"}, status_code=503)

    async def internal(request: Request, exc: Exception) -> Response:
        path = CITIZEN_ID_IN_TEXT.sub("<cid>", request.url.path)  # no citizen ID in logs
        log.exception("internal error on %s %s", request.method, path)
        return JSONResponse({"error": "internal", "message": "internal error"}, status_code=500)

    return {v.ApiError: api_error, HTTPException: http_error, DatabaseUnavailable: unavailable, Exception: internal}


SECURITY_HEADERS = (
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
)


class SecurityHeaders:
    """ASGI middleware: the browser-facing security headers on every response (the verify page is public)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


class PeerIdentity:
    """ASGI middleware for a TLS connection: puts the verified client certificate's common name and serial into
    the scope."""

    def __init__(self, app: ASGIApp, common_name: str, serial: str = "") -> None:
        self.app = app
        self.common_name = common_name
        self.serial = serial

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            peer = {PEER_KEY: self.common_name, SERIAL_KEY: self.serial}
            scope = {**scope, "extensions": {**(scope.get("extensions") or {}), **peer}}
        await self.app(scope, receive, send)


class RevocationGate:
    """Every request from a kiosk certificate is checked against the registry's revocation table before any route
    runs: `kiosk registry revoke` bites on the revoked kiosk's next request, on open keep-alive connections too,
    without a restart. A named peer without a serial is refused; the database being down is a 503."""

    def __init__(self, app: ASGIApp, registry: Registry) -> None:
        self.app = app
        self.registry = registry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        extensions = scope.get("extensions") or {}
        if scope["type"] == "http" and extensions.get(PEER_KEY):
            serial = extensions.get(SERIAL_KEY)
            refusal: Response | None = None
            if not isinstance(serial, str) or not serial:
                refusal = JSONResponse(
                    {"error": "client_certificate_required", "message": "the client certificate has no serial"}, 403
                )
            else:
                try:
                    revoked = await run_in_threadpool(self.registry.certificate_revoked, serial)
                except DatabaseUnavailable:
                    revoked, refusal = (
                        True,
                        JSONResponse({"error": "database_unavailable", "message": "try again later"}, 503),
                    )
                if revoked and refusal is None:
                    refusal = JSONResponse(
                        {"error": "certificate_revoked", "message": "this kiosk's certificate was revoked"}, 403
                    )
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)
