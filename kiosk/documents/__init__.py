"""Printed documents: the model (plain values), their layouts in Thai and English, and the 1-bit renderer."""

from __future__ import annotations

from kiosk.documents.model import (
    AnyDocument,
    BookingTicket,
    CivilRegistrationHistory,
    Document,
    EnrolmentMethod,
    EnrolmentReceipt,
    HistoryEntry,
    HistoryEvent,
    HouseRegisterEntry,
    HouseStatus,
    PersonName,
    Sex,
)
from kiosk.documents.renderer import (
    DocumentError,
    FontMissing,
    Renderer,
    SealTooLarge,
    TextLayoutUnavailable,
    render,
    render_png,
    require_raqm,
)

__all__ = [
    "AnyDocument",
    "BookingTicket",
    "CivilRegistrationHistory",
    "Document",
    "DocumentError",
    "EnrolmentMethod",
    "EnrolmentReceipt",
    "FontMissing",
    "HistoryEntry",
    "HistoryEvent",
    "HouseRegisterEntry",
    "HouseStatus",
    "PersonName",
    "Renderer",
    "SealTooLarge",
    "Sex",
    "TextLayoutUnavailable",
    "render",
    "render_png",
    "require_raqm",
]
