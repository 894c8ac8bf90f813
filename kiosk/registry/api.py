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

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from kiosk.registry import batch, kit_tokens
from kiosk.registry import validate as v
from kiosk.registry.biometric import MAX_TEMPLATE_BYTES
from kiosk.registry.db import DatabaseUnavailable
from kiosk.registry.service import Registry, Result
from kiosk.seal import TrustList

log = logging.getLogger(__name__)
CITIZEN_ID_IN_TEXT = re.compile(r"\d{13}")
PEER_KEY = "kiosk.peer"  # scope["extensions"][PEER_KEY] = the client certificate's common name


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


def reply(result: Result) -> JSONResponse:
    status, body = result
    return JSONResponse(body, status_code=status)


Handler = Callable[[Request], Awaitable[Response]]


def api_app(registry: Registry, trust: Callable[[], TrustList]) -> Starlette:
    async def mutation(request: Request, allowed: set[str]) -> tuple[str, str, dict[str, Any]]:
        client = peer_of(request)
        key = v.idempotency_key(request.headers.get("idempotency-key"))
        return client, key, v.json_object(await read_body(request), allowed)

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "peer": peer_of(request)})

    async def trust_list(request: Request) -> Response:
        peer_of(request)
        return JSONResponse(trust().to_json())

    async def citizen(request: Request) -> Response:
        peer_of(request)
        cid = v.citizen_id(request.path_params["cid"])
        return JSONResponse(await run_in_threadpool(registry.citizen, cid))

    async def issue_extract(request: Request) -> Response:
        client, key, body = await mutation(request, {"citizen_id", "doc_type"})
        cid = v.citizen_id(body.get("citizen_id"))
        doc_type = v.choice(body, "doc_type", ("TR14_1", "TR12_2"))
        return reply(await run_in_threadpool(registry.issue_extract, client, key, cid, doc_type))

    async def get_extract(request: Request) -> Response:
        peer_of(request)
        doc_no = v.text(request.path_params, "doc_no", max_len=40)
        return JSONResponse(await run_in_threadpool(registry.extract, doc_no))

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
        client, key, body = await mutation(request, {"citizen_id", "slot_id"})
        cid = v.citizen_id(body.get("citizen_id"))
        slot_id = v.integer(body, "slot_id", low=1, high=2**62)
        return reply(await run_in_threadpool(registry.book, client, key, cid, slot_id))

    async def cancel(request: Request) -> Response:
        client, key, body = await mutation(request, {"citizen_id"})
        ref = v.code(request.path_params["ref"], "booking ref")
        cid = v.citizen_id(body.get("citizen_id"))
        return reply(await run_in_threadpool(registry.cancel_booking, client, key, ref, cid))

    async def enrol(request: Request) -> Response:
        fields = {"citizen_id", "unit", "method", "officer_id", "passcode", "finger_template"}
        client, key, body = await mutation(request, fields)
        cid = v.citizen_id(body.get("citizen_id"))
        unit = v.code(body.get("unit"), "unit")
        method = v.choice(body, "method", ("self", "officer"))
        officer = v.code(body.get("officer_id"), "officer_id") if body.get("officer_id") is not None else ""
        if (method == "officer") != bool(officer):
            raise v.ApiError(422, "invalid_field", "officer_id is required for, and only for, method 'officer'")
        passcode = v.digits(body, "passcode", min_len=6, max_len=12) if body.get("passcode") is not None else ""
        template = None
        if body.get("finger_template") is not None:
            template = v.base64_bytes(body, "finger_template", min_bytes=16, max_bytes=MAX_TEMPLATE_BYTES)
        return reply(
            await run_in_threadpool(
                lambda: registry.enrol(client, key, cid, unit, method, officer, passcode=passcode, template=template)
            )
        )

    async def finger_template(request: Request) -> Response:
        client = peer_of(request)
        cid = v.citizen_id(request.path_params["cid"])
        session = v.session_key(request.headers.get("session-key"))
        response = reply(await run_in_threadpool(registry.finger_template, client, cid, session))
        if response.status_code == 429:
            response.headers["Retry-After"] = str(registry.template_fetch_window_s)
        return response

    async def citizen_bookings(request: Request) -> Response:
        peer_of(request)
        cid = v.citizen_id(request.path_params["cid"])
        return JSONResponse(await run_in_threadpool(registry.citizen_bookings, cid))

    async def register_kit_key(request: Request) -> Response:
        client, key, body = await mutation(request, {"public_key"})
        public_key = v.base64_bytes(body, "public_key", min_bytes=32, max_bytes=32)
        try:
            Ed25519PublicKey.from_public_bytes(public_key)
        except ValueError:
            raise v.ApiError(422, "invalid_field", "public_key must be a raw Ed25519 public key") from None
        return reply(await run_in_threadpool(registry.register_kit_key, client, key, public_key))

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

    async def create_officer(request: Request) -> Response:
        client, key, body = await mutation(request, {"officer_id", "name", "unit", "pin"})
        officer = v.code(body.get("officer_id"), "officer_id")
        name = v.text(body, "name", max_len=120)
        unit = v.code(body.get("unit"), "unit")
        pin = v.text(body, "pin", max_len=12, min_len=6)
        if not pin.isdigit():
            raise v.ApiError(422, "invalid_field", "pin must be digits")
        return reply(await run_in_threadpool(registry.create_officer, client, key, officer, name, unit, pin))

    async def verify_pin(request: Request) -> Response:
        peer_of(request)
        officer = v.code(request.path_params["officer_id"], "officer_id")
        body = v.json_object(await read_body(request), {"pin"})
        pin = v.text(body, "pin", max_len=12, min_len=1)
        return reply(await run_in_threadpool(registry.verify_officer_pin, officer, pin))

    async def sync_batch(request: Request) -> Response:
        client = peer_of(request)
        raw = await read_body(request, batch.MAX_BATCH_BYTES)
        entries = batch.parse(v.json_object(raw, {"operations"}, max_bytes=batch.MAX_BATCH_BYTES))
        results = await run_in_threadpool(batch.apply_batch, registry, client, entries)
        return JSONResponse({"results": results})

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
        Route("/v1/officers", create_officer, methods=["POST"]),
        Route("/v1/officers/{officer_id}/verify", verify_pin, methods=["POST"]),
        Route("/v1/reports/enrolments", report),
        Route("/v1/sync/batch", sync_batch, methods=["POST"]),
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


class PeerIdentity:
    """ASGI middleware for a TLS connection: puts the verified client certificate's common name into the scope."""

    def __init__(self, app: ASGIApp, common_name: str) -> None:
        self.app = app
        self.common_name = common_name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = {**scope, "extensions": {**(scope.get("extensions") or {}), PEER_KEY: self.common_name}}
        await self.app(scope, receive, send)
