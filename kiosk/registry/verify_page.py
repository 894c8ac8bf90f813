"""The public seal-verification page (no client certificate): a form for the QR text, and the verdict in Thai and
English with the sealed fields. Public on purpose: anyone handed a printed extract must be able to check it, and it
reveals nothing beyond what the paper already shows. It runs on its own port, apart from the mutual-TLS kiosk API.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from kiosk import seal
from kiosk.registry.api import SecurityHeaders, json_errors
from kiosk.registry.validate import ApiError, strict_json

MAX_FORM_BYTES = 8192
VERDICTS = {
    "valid": ("ตราประทับถูกต้อง", "Valid seal", "#1b5e20"),
    "invalid": ("ตราประทับไม่ถูกต้อง: เอกสารอาจถูกแก้ไข", "Invalid seal: the document may have been altered", "#b71c1c"),
    "expired": ("ตราประทับหมดอายุแล้ว", "The seal has expired", "#e65100"),
    "unknown_key": ("ไม่รู้จักกุญแจที่ใช้ลงนาม", "Signed with an unknown key", "#b71c1c"),
}
PAGE = """<!doctype html><html lang="th"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>ตรวจสอบเอกสาร / Verify a document</title>
<style>body{{font-family:Garuda,Loma,sans-serif;max-width:40em;margin:2em auto;padding:0 1em}}
textarea{{width:100%;height:8em}}table{{border-collapse:collapse}}
td{{padding:.2em .6em;border-bottom:1px solid #ccc}}</style>
</head><body><h1>ตรวจสอบตราประทับบนเอกสาร<br><small>Verify the seal on a certified extract</small></h1>
{result}<form method="post" action="/verify"><label for="qr">ข้อความจาก QR / QR text</label>
<textarea id="qr" name="qr" required placeholder="TH1:...">{qr}</textarea>
<p><button type="submit">ตรวจสอบ / Verify</button></p></form>
<p><a href="/verify/trust-list.json">กุญแจสาธารณะ / public keys (trust list)</a></p></body></html>"""


def check_json(check: seal.SealCheck) -> dict[str, object]:
    doc = check.document
    return {
        "status": check.status,
        "reason": check.reason,
        "kid": check.kid_hex,
        "document": None
        if doc is None
        else {
            "doc_type": doc.doc_type,
            "doc_no": doc.doc_no,
            "citizen_id": doc.citizen_id,
            "issuer": doc.issuer,
            "issued_at": doc.issued_at.isoformat(),
            "expires_at": doc.expires_at.isoformat(),
            "fields": doc.fields,
        },
    }


def render(check: seal.SealCheck) -> str:
    th, en, colour = VERDICTS[check.status]
    rows = ""
    if check.document is not None:
        d = check.document
        items = [
            ("ประเภทเอกสาร / Document", d.doc_type),
            ("เลขที่ / Number", d.doc_no),
            ("เลขประจำตัวประชาชน / Citizen ID", d.citizen_id),
            ("ออกเมื่อ / Issued", d.issued_at.isoformat()),
            ("หมดอายุ / Expires", d.expires_at.isoformat()),
            *sorted(d.fields.items()),
        ]
        rows = "<table>" + "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in items)
        rows += "</table>"
    return (
        f'<section id="result" data-status="{check.status}" style="border:3px solid {colour};padding:1em">'
        f'<h2 style="color:{colour}">{html.escape(th)}<br><small>{html.escape(en)}</small></h2>'
        f"<p>{html.escape(check.reason)}</p>{rows}</section>"
    )


def verify_app(
    trust: Callable[[], seal.TrustList], clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> Starlette:
    async def form(request: Request) -> Response:
        return HTMLResponse(PAGE.format(result="", qr=""))

    async def submit(request: Request) -> Response:
        raw = b""
        try:
            async for chunk in request.stream():
                raw += chunk
                if len(raw) > MAX_FORM_BYTES:
                    raise ApiError(413, "body_too_large", f"at most {MAX_FORM_BYTES} bytes")
        except ClientDisconnect:  # the client went away: nothing to answer, nothing worth a traceback
            raise ApiError(400, "client_disconnected", "the request body was not sent") from None
        qr: object
        wants_json = request.headers.get("content-type", "").startswith("application/json")
        try:
            if wants_json:
                obj = strict_json(raw)
                qr = obj.get("qr") if isinstance(obj, dict) else None
            else:
                values = parse_qs(raw.decode("utf-8"), max_num_fields=4).get("qr")
                qr = values[0] if values else None
        except (UnicodeDecodeError, ValueError):
            raise ApiError(400, "malformed_request", "send a form or JSON with a 'qr' field") from None
        if not isinstance(qr, str) or not qr.strip():
            raise ApiError(422, "missing_qr", "the 'qr' field is required")
        check = seal.verify(qr.strip(), trust(), clock())  # a form field's surrounding white space is not the QR
        if wants_json:
            return JSONResponse(check_json(check))
        return HTMLResponse(PAGE.format(result=render(check), qr=html.escape(qr)))

    async def trust_list(request: Request) -> Response:
        return JSONResponse(trust().to_json())

    return Starlette(
        routes=[
            Route("/verify", form, methods=["GET"]),
            Route("/verify", submit, methods=["POST"]),
            Route("/verify/trust-list.json", trust_list),
        ],
        exception_handlers=json_errors(),
        middleware=[Middleware(SecurityHeaders)],
    )
