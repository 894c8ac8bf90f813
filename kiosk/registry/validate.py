"""Request validation for the registry API: typed field readers that turn any malformed input into an ApiError (4xx)."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

MAX_BODY_BYTES = 16 * 1024
CID_RE = re.compile(r"^[0-9]{13}$")
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class ApiError(Exception):
    """A request the service refuses: HTTP `status`, a stable `code` for programs and a `message` for people."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message}


def cid_check_digit(first12: str) -> int:
    s = sum(int(d) * (13 - i) for i, d in enumerate(first12[:12]))
    return (11 - s % 11) % 10


def is_valid_cid(value: object) -> bool:
    return isinstance(value, str) and bool(CID_RE.fullmatch(value)) and cid_check_digit(value) == int(value[12])


def citizen_id(value: object, field: str = "citizen_id") -> str:
    if not isinstance(value, str) or not CID_RE.fullmatch(value):
        raise ApiError(422, "invalid_citizen_id", f"{field} must be 13 digits")
    if cid_check_digit(value) != int(value[12]):
        raise ApiError(422, "invalid_citizen_id", f"{field} has a wrong check digit")
    return value


def idempotency_key(value: str | None) -> str:
    if value is None:
        raise ApiError(400, "idempotency_key_required", "mutating requests need an Idempotency-Key header")
    if not KEY_RE.fullmatch(value):
        raise ApiError(400, "invalid_idempotency_key", "Idempotency-Key must be 8-64 characters of [A-Za-z0-9_-]")
    return value


def session_key(value: str | None) -> str:
    """The kiosk's key for one citizen's session, which its own audit line carries too (finger-template fetches)."""
    if value is None:
        raise ApiError(400, "session_key_required", "a template fetch needs a Session-Key header")
    if not KEY_RE.fullmatch(value):
        raise ApiError(400, "invalid_session_key", "Session-Key must be 8-64 characters of [A-Za-z0-9_-]")
    return value


MAX_JSON_DEPTH = 8  # no request body nests deeper than an object holding a value


class DuplicateKey(ValueError):
    """A JSON object names one key twice: refused, since parsers disagree on which one wins."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise DuplicateKey("duplicate key")
    return obj


def _too_deep(raw: str, limit: int) -> bool:
    """Brackets nested deeper than `limit`, counted outside strings (before the recursive parser sees them)."""
    depth, in_string, escaped = 0, False, False
    for ch in raw:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def strict_json(raw: bytes) -> Any:
    """UTF-8 JSON with no duplicate keys and at most MAX_JSON_DEPTH levels; ApiError 400 otherwise (never a
    RecursionError traceback)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "malformed_json", "request body is not valid UTF-8 JSON") from None
    if _too_deep(text, MAX_JSON_DEPTH):
        raise ApiError(400, "malformed_json", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except DuplicateKey:
        raise ApiError(400, "duplicate_key", "a JSON object names the same key twice") from None
    except (json.JSONDecodeError, RecursionError):
        raise ApiError(400, "malformed_json", "request body is not valid UTF-8 JSON") from None


def json_object(raw: bytes, allowed: set[str], max_bytes: int = MAX_BODY_BYTES) -> dict[str, Any]:
    """Parse a JSON object body whose keys are all in `allowed` (strictly: see `strict_json`)."""
    if len(raw) > max_bytes:
        raise ApiError(413, "body_too_large", f"request body exceeds {max_bytes} bytes")
    obj = strict_json(raw)
    if not isinstance(obj, dict):
        raise ApiError(400, "malformed_json", "request body must be a JSON object")
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise ApiError(422, "unknown_field", f"unknown field {unknown[0]!r}")
    return obj


def text(obj: Mapping[str, Any], key: str, *, max_len: int, min_len: int = 1, required: bool = True) -> str:
    value = obj.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ApiError(422, "invalid_field", f"{key} must be a string")
    if not min_len <= len(value) <= max_len:
        raise ApiError(422, "invalid_field", f"{key} must be {min_len}-{max_len} characters")
    if any(ord(ch) < 32 for ch in value):
        raise ApiError(422, "invalid_field", f"{key} must not contain control characters")
    return value


def choice(obj: Mapping[str, Any], key: str, options: tuple[str, ...]) -> str:
    value = obj.get(key)
    if value not in options:
        raise ApiError(422, "invalid_field", f"{key} must be one of {', '.join(options)}")
    return str(value)


def integer(obj: Mapping[str, Any], key: str, *, low: int, high: int) -> int:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ApiError(422, "invalid_field", f"{key} must be an integer in {low}..{high}")
    return value


def code(value: object, field: str) -> str:
    if not isinstance(value, str) or not CODE_RE.fullmatch(value):
        raise ApiError(422, "invalid_field", f"{field} must be 1-32 characters of [A-Za-z0-9_-]")
    return value


def iso_date(value: object, field: str) -> date:
    if not isinstance(value, str) or len(value) != 10:
        raise ApiError(422, "invalid_field", f"{field} must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(422, "invalid_field", f"{field} must be a date YYYY-MM-DD") from None


def base64_bytes(obj: Mapping[str, Any], key: str, *, min_bytes: int, max_bytes: int) -> bytes:
    """Standard base64 (with padding), canonical, decoding to `min_bytes`..`max_bytes` bytes."""
    value = obj.get(key)
    if not isinstance(value, str) or len(value) > 4 * ((max_bytes + 2) // 3):
        raise ApiError(422, "invalid_field", f"{key} must be base64 of at most {max_bytes} bytes")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, "invalid_field", f"{key} must be base64") from None
    if base64.b64encode(raw).decode() != value:
        raise ApiError(422, "invalid_field", f"{key} must be canonical base64")
    if not min_bytes <= len(raw) <= max_bytes:
        raise ApiError(422, "invalid_field", f"{key} must hold {min_bytes}-{max_bytes} bytes")
    return raw


def digits(obj: Mapping[str, Any], key: str, *, min_len: int, max_len: int) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or not min_len <= len(value) <= max_len:
        raise ApiError(422, "invalid_field", f"{key} must be {min_len}-{max_len} digits")
    return value
