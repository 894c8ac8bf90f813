"""What the kiosk says for the screen on show: derived from the screen's own words as drawn (its title, its
sentences from the catalogue, its buttons and where each one is), in the screen's language, never a developer key.

Privacy rule: nothing personal is ever spoken, on the loudspeaker or in headphones (a kiosk cannot know who else
hears the headphone socket): body text is spoken only when it is one of the catalogue's sentences (data such as
names, addresses and records is never), and any sentence holding a value of the screen's personal keys or an ID
number is dropped. Typed digits are never spoken (passcodes).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache

import pygame

from kiosk.drivers.audio.guide import Prompt, Segment
from kiosk.ui import events
from kiosk.ui.canvas import Hit
from kiosk.ui.i18n import LANGUAGES, N_, catalogue, translator

# Screens shown before anyone has chosen a language: everything on them is said, Thai first, then English.
BILINGUAL = frozenset({"attract", "language", "out_of_service"})
PERSONAL_KEYS = ("citizen_id", "name", "name_th", "name_en", "address", "birth_date", "rows", "payload", "code")
HEADER_ACTIONS = frozenset({events.LANGUAGE, events.LARGE_TEXT, events.LISTEN_AGAIN, events.VOLUME})
KEYPAD_ACTIONS = frozenset({"digit", "clear", "backspace"})
MAX_BUTTONS = 12
THAI = re.compile(r"[\u0e00-\u0e7f]")
ID_NUMBER = re.compile(r"\d[\d\s-]{11,}\d")

COLOURS = {
    "primary": N_("blue"),
    "header": N_("blue"),
    "secondary": N_("grey"),
    "ok": N_("green"),
    "danger": N_("red"),
}
PLACES = {
    ("top", "left"): N_("at the top left"),
    ("top", "centre"): N_("at the top"),
    ("top", "right"): N_("at the top right"),
    ("middle", "left"): N_("on the left"),
    ("middle", "centre"): N_("in the middle"),
    ("middle", "right"): N_("on the right"),
    ("bottom", "left"): N_("at the bottom left"),
    ("bottom", "centre"): N_("at the bottom"),
    ("bottom", "right"): N_("at the bottom right"),
}
TAP = N_("Tap the {colour} button “{label}” {place}.")
KEYPAD = N_("The number keypad is {place}: 1, 2 and 3 along its top row, 0 in the middle of its bottom row.")
MORE = N_("There are {n} more buttons.")
AGAIN = N_("To hear this again, tap “{label}” {place}.")


@cache
def _sentences(language: str) -> tuple[frozenset[str], tuple[re.Pattern[str], ...]]:
    """The catalogue's sentences in `language`: plain ones, and patterns for those with {placeholders}."""
    plain: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    cat = catalogue(language)
    for msgid, msgstr in getattr(cat, "_catalog", {}).items():
        if not msgid or not isinstance(msgstr, str):
            continue
        if "{" in msgstr:
            parts = re.split(r"\{[^}]*\}", msgstr)
            patterns.append(re.compile("(.+?)".join(re.escape(p) for p in parts) + r"\Z", re.S))
        else:
            plain.add(msgstr)
    return frozenset(plain), tuple(patterns)


def is_catalogue_sentence(s: str, language: str) -> bool:
    plain, patterns = _sentences(language)
    return s in plain or any(p.match(s) for p in patterns)


def _personal(data: Mapping[str, object]) -> set[str]:
    out: set[str] = set()

    def walk(v: object) -> None:
        if isinstance(v, str) and len(v) >= 2:
            out.add(v)
        elif isinstance(v, Mapping):
            for x in v.values():
                walk(x)
        elif isinstance(v, Sequence) and not isinstance(v, str | bytes):
            for x in v:
                walk(x)

    for key in PERSONAL_KEYS:
        walk(data.get(key))
    return out


def place(rect: pygame.Rect, area: pygame.Rect) -> tuple[str, str]:
    x = (rect.centerx - area.left) / max(1, area.width)
    y = (rect.centery - area.top) / max(1, area.height)
    col = "left" if x < 0.4 else "right" if x > 0.6 else "centre"
    row = "top" if y < 1 / 3 else "bottom" if y > 2 / 3 else "middle"
    return row, col


def _buttons(hits: Sequence[Hit], area: pygame.Rect, language: str) -> list[str]:
    _ = translator(language)
    out: list[str] = []
    seen: set[tuple[str, str]] = set()
    keypad = [h for h in hits if h.event.action in KEYPAD_ACTIONS]
    if keypad:
        box = keypad[0].rect.unionall([h.rect for h in keypad[1:]])
        out.append(_(KEYPAD).format(place=_(PLACES[place(box, area)])))
    listed = [h for h in hits if h.label and h.event.action not in HEADER_ACTIONS | KEYPAD_ACTIONS]
    listed.sort(key=lambda h: (h.rect.top // max(1, area.height // 12), h.rect.left))
    for h in listed[:MAX_BUTTONS]:
        key = (h.label, h.event.action)
        if key in seen:
            continue
        seen.add(key)
        colour = _(COLOURS.get(h.kind, COLOURS["primary"]))
        out.append(_(TAP).format(colour=colour, label=h.label, place=_(PLACES[place(h.rect, area)])))
    if len(listed) > MAX_BUTTONS:
        out.append(_(MORE).format(n=len(listed) - MAX_BUTTONS))
    again = next((h for h in hits if h.event.action == events.LISTEN_AGAIN), None)
    if again is not None:
        out.append(_(AGAIN).format(label=again.label, place=_(PLACES[place(again.rect, area)])))
    return out


def _segments(sentences: Sequence[str], language: str) -> Prompt:
    """Sentences in order, each in the voice of its script (Thai words on an English screen: the Thai voice)."""
    out: list[Segment] = []
    for s in sentences:
        lang = "th" if THAI.search(s) else ("en" if language == "th" and re.search("[A-Za-z]", s) else language)
        if out and out[-1].language == lang:
            out[-1] = Segment(lang, f"{out[-1].text} {s}")
        else:
            out.append(Segment(lang, s))
    return tuple(out)


def prompt_for(
    name: str,
    data: Mapping[str, object],
    *,
    language: str,
    title: str,
    texts: Sequence[str],
    hits: Sequence[Hit],
    area: pygame.Rect,
) -> Prompt:
    """The spoken prompt for one drawn frame (`texts` and `hits` as `KioskView.draw` left them)."""
    personal = _personal(data)

    def private(s: str) -> bool:
        return bool(ID_NUMBER.search(s)) or any(p in s for p in personal)

    if name in BILINGUAL:
        out: list[Segment] = []
        for lang in LANGUAGES:
            words = [w for t in texts for w in t.split(" · ") if w and bool(THAI.search(w)) == (lang == "th")]
            said = [w for w in dict.fromkeys(words) if not private(w)] + _buttons(hits, area, lang)
            if said:
                out.append(Segment(lang, " ".join(said)))
        return tuple(out)
    labels = {h.label for h in hits}
    body = [s for s in texts if s and s != title and s not in labels and is_catalogue_sentence(s, language)]
    sentences = [title, *dict.fromkeys(body), *_buttons(hits, area, language)]
    return _segments([s for s in sentences if s and not private(s)], language)
