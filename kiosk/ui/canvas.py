"""One frame being drawn: target surface, layout, text, language, clock, and the touch areas the frame defines."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pygame

from kiosk.ui.events import Tapped
from kiosk.ui.i18n import Translate
from kiosk.ui.layout import Layout
from kiosk.ui.text import Text

Frame = npt.NDArray[np.uint8]  # H×W×3, RGB
FrameSource = Callable[[], Frame | None]


@dataclass(frozen=True)
class Hit:
    rect: pygame.Rect
    event: Tapped
    label: str = ""  # the words on the control (the spoken guidance says them, with where the control is)
    kind: str = ""  # its look: "primary", "secondary", "ok", "danger" (the guidance names its colour)


class Data:
    """Typed reads of a screen's state data (a plain mapping from the journeys): wrong types read as the default."""

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        self._v: Mapping[str, Any] = values or {}

    def __contains__(self, key: str) -> bool:
        return key in self._v

    def text(self, key: str, default: str = "") -> str:
        v = self._v.get(key, default)
        return (
            v if isinstance(v, str) else str(v) if isinstance(v, int | float) and not isinstance(v, bool) else default
        )

    def number(self, key: str, default: float = 0.0) -> float:
        v = self._v.get(key, default)
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else default

    def integer(self, key: str, default: int = 0) -> int:
        v = self._v.get(key, default)
        return v if isinstance(v, int) and not isinstance(v, bool) else default

    def flag(self, key: str, default: bool = False) -> bool:
        v = self._v.get(key, default)
        return v if isinstance(v, bool) else default

    def optional_number(self, key: str) -> float | None:
        v = self._v.get(key)
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None

    def items(self, key: str) -> list[Data]:
        v = self._v.get(key)
        if not isinstance(v, Sequence) or isinstance(v, str):
            return []
        return [Data(x) for x in v if isinstance(x, Mapping)]

    def strings(self, key: str) -> list[str]:
        v = self._v.get(key)
        if not isinstance(v, Sequence) or isinstance(v, str):
            return []
        return [str(x) for x in v]

    def raw(self, key: str) -> object:
        return self._v.get(key)


@dataclass
class Canvas:
    surface: pygame.Surface
    layout: Layout
    text: Text
    _: Translate
    language: str
    now_s: float
    camera: FrameSource | None = None
    view_page: int = 0
    step: tuple[int, int] | None = None  # (n, of m) on a journey screen
    hits: list[Hit] = field(default_factory=list)
    animating: bool = False
    title: str = ""  # the header's title, once drawn (the spoken guidance starts with it)

    @property
    def rect(self) -> pygame.Rect:
        return self.layout.rect

    def touch(self, rect: pygame.Rect, action: str, value: str = "", *, label: str = "", kind: str = "") -> None:
        self.hits.append(Hit(rect.copy(), Tapped(action, value), label, kind))
