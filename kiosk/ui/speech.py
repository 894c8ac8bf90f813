"""What the kiosk says for the screen on show: derived from the screen's own words as drawn (its title, its
sentences from the catalogue, its buttons and where each one is), in the screen's language, never a developer key.

Privacy rule: nothing personal is ever spoken, on the loudspeaker or in headphones (a kiosk cannot know who else
hears the headphone socket): body text is spoken only when it is one of the catalogue's sentences (data such as
names, addresses and records is never), and any sentence holding a value of the screen's personal keys or an ID
number is dropped. Typed digits are never spoken (passcodes).

Figures that change while a screen is up (a progress percentage, a countdown's seconds) are not what a prompt is
re-said for (`kiosk.ui.loop.SPOKEN_CHANGES`), and a percentage is never said at all: replayed, it would be stale.
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
KEYPAD_ACTIONS = frozenset({"digit", "clear", "backspace"})
UNLISTED = frozenset({events.LISTEN_AGAIN, *KEYPAD_ACTIONS})  # said in sentences of their own
# The header's switches (language, text size, contrast; kind "header") are not listed on every screen: the
# language screen says its own language and volume buttons.
MAX_BUTTONS = 12  # the most buttons one prompt lists: a screen with more choices pages (tests/ui/test_listener.py)
THAI = re.compile(r"[\u0e00-\u0e7f]")
ID_NUMBER = re.compile(r"\d[\d\s-]{11,}\d")
PERCENTAGE = re.compile(r"\d\s*%")

COLOURS = {
    "primary": N_("blue"),
    "header": N_("blue"),
    "secondary": N_("grey"),
    "ok": N_("green"),
    "danger": N_("red"),
    "tile": N_("white"),
}
# The same kinds as high contrast paints them (layout.HIGH_CONTRAST_PALETTE): yellow fills, black outlined buttons.
HIGH_CONTRAST_COLOURS = {
    **COLOURS,
    "primary": N_("yellow"),
    "header": N_("yellow"),
    "secondary": N_("black"),
    "tile": N_("black"),
}
# Where a control is, in words a listener acts on without seeing: each place names a region of the screen and a
# listener touches that region's middle. Rows are the screen's thirds, or its sixths for finer places; columns its
# thirds, or for a row of n controls the k-th of n equal parts from the left; where none lands, the j-th of m equal
# bands from the top. `place_words` says, of these, the first whose middle lands on the control itself (so two
# controls never share a place).
ROWS: dict[str, tuple[float, float]] = {
    "top": (0, 1 / 3),
    "middle": (1 / 3, 2 / 3),
    "bottom": (2 / 3, 1),
    "very_top": (0, 1 / 6),
    "near_top": (1 / 6, 1 / 3),
    "above_middle": (1 / 3, 1 / 2),
    "below_middle": (1 / 2, 2 / 3),
    "near_bottom": (2 / 3, 5 / 6),
    "very_bottom": (5 / 6, 1),
}
COLUMNS: dict[str, tuple[float, float]] = {"left": (0, 1 / 3), "centre": (1 / 3, 2 / 3), "right": (2 / 3, 1)}
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
ROW_WORDS = {
    "top": N_("at the top"),
    "middle": N_("in the middle"),
    "bottom": N_("at the bottom"),
    "very_top": N_("at the very top"),
    "near_top": N_("near the top"),
    "above_middle": N_("just above the middle"),
    "below_middle": N_("just below the middle"),
    "near_bottom": N_("near the bottom"),
    "very_bottom": N_("at the very bottom"),
}
COLUMN_WORDS = {"left": N_("on the left"), "centre": N_("in the centre"), "right": N_("on the right")}
ORDINALS = (N_("first"), N_("second"), N_("third"), N_("fourth"), N_("fifth"), N_("sixth"))
COUNTS = ("", N_("one"), N_("two"), N_("three"), N_("four"), N_("five"), N_("six"))
ROW_AND_COLUMN = N_("{row}, {column}")
ROW_AND_ORDINAL = N_("{row}, the {k} of {n} from the left")
BAND_AND_COLUMN = N_("the {k} of {n} rows from the top, {column}")
BAND_AND_ORDINAL = N_("the {k} of {n} rows from the top, the {col_k} of {col_n} from the left")
TAP = N_("Tap the {colour} button “{label}” {place}.")
KEYPAD = N_("The number keypad: {keys}.")
KEY = N_("{key} is {place}")
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
            if not re.search(r"[^\W\d_]", "".join(parts)):
                continue  # only placeholders and commas ("{row}, {column}"): it would match any text at all
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


def _middle(span: tuple[float, float], start: int, length: int) -> int:
    return start + int((span[0] + span[1]) / 2 * length)


def place_words(target: Hit, hits: Sequence[Hit], area: pygame.Rect, language: str) -> str:
    """Words for where `target` is whose region's middle lands on it and on nothing drawn over it ("" when no
    place in the vocabulary does: tests/ui/test_listener.py fails on any such screen)."""
    _ = translator(language)

    def lands(x: int, y: int) -> bool:
        on = [h for h in hits if h.rect.collidepoint(x, y)]
        return bool(on) and on[-1] is target

    def row_y(row: str) -> int:
        return _middle(ROWS[row], area.top, area.height)

    for (row, col), words in PLACES.items():
        if lands(_middle(COLUMNS[col], area.left, area.width), row_y(row)):
            return _(words)
    for row in ROWS:
        for col in COLUMNS:
            if lands(_middle(COLUMNS[col], area.left, area.width), row_y(row)):
                return _(ROW_AND_COLUMN).format(row=_(ROW_WORDS[row]), column=_(COLUMN_WORDS[col]))
    beside = sum(1 for h in hits if h.rect.top <= target.rect.centery < h.rect.bottom)
    counts = sorted(range(2, len(COUNTS)), key=lambda n: n != beside)  # the row's own count first
    across = [(area.left + int((k + 0.5) / n * area.width), k, n) for n in counts for k in range(n)]
    for row in ROWS:
        for x, k, n in across:
            if lands(x, row_y(row)):
                return _(ROW_AND_ORDINAL).format(row=_(ROW_WORDS[row]), k=_(ORDINALS[k]), n=_(COUNTS[n]))
    # Rows of controls that fall between the sixths: the j-th of m equal bands from the top.
    for m in range(2, len(COUNTS)):
        for j in range(m):
            y = area.top + int((j + 0.5) / m * area.height)
            band = {"k": _(ORDINALS[j]), "n": _(COUNTS[m])}
            for col in COLUMNS:
                if lands(_middle(COLUMNS[col], area.left, area.width), y):
                    return _(BAND_AND_COLUMN).format(**band, column=_(COLUMN_WORDS[col]))
            for x, k, n in across:
                if lands(x, y):
                    return _(BAND_AND_ORDINAL).format(**band, col_k=_(ORDINALS[k]), col_n=_(COUNTS[n]))
    return ""


def said_label(label: str, language: str) -> str:
    """A label drawn in both languages ("เบาลง · Quieter") said in the prompt's own: the part in its script."""
    parts = label.split(" · ")
    mine = [p for p in parts if bool(THAI.search(p)) == (language == "th")]
    return mine[0] if len(parts) > 1 and mine else label


def _buttons(hits: Sequence[Hit], area: pygame.Rect, language: str, high_contrast: bool = False) -> list[str]:
    _ = translator(language)
    colours = HIGH_CONTRAST_COLOURS if high_contrast else COLOURS
    out: list[str] = []
    seen: set[tuple[str, str]] = set()
    keypad = [h for h in hits if h.event.action in KEYPAD_ACTIONS and h.event.value.isdigit()]
    if keypad:
        keys = sorted(keypad, key=lambda h: "1234567890".index(h.event.value))
        said = [_(KEY).format(key=h.event.value, place=place_words(h, hits, area, language)) for h in keys]
        out.append(_(KEYPAD).format(keys="; ".join(said)))
    listed = [h for h in hits if h.label and h.kind != "header" and h.event.action not in UNLISTED]
    listed.sort(key=lambda h: (h.rect.top // max(1, area.height // 12), h.rect.left))
    for h in listed:
        key = (h.label, h.event.action)
        if key in seen:
            continue
        seen.add(key)
        colour = _(colours.get(h.kind, colours["primary"]))
        label = said_label(h.label, language)
        out.append(_(TAP).format(colour=colour, label=label, place=place_words(h, hits, area, language)))
    again = next((h for h in hits if h.event.action == events.LISTEN_AGAIN), None)
    if again is not None:
        out.append(_(AGAIN).format(label=again.label, place=place_words(again, hits, area, language)))
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
    high_contrast: bool = False,
) -> Prompt:
    """The spoken prompt for one drawn frame (`texts` and `hits` as `KioskView.draw` left them)."""
    personal = _personal(data)

    def unsaid(s: str) -> bool:
        return bool(ID_NUMBER.search(s) or PERCENTAGE.search(s)) or any(p in s for p in personal)

    if name in BILINGUAL:
        out: list[Segment] = []
        for lang in LANGUAGES:
            words = [w for t in texts for w in t.split(" · ") if w and bool(THAI.search(w)) == (lang == "th")]
            said = [w for w in dict.fromkeys(words) if not unsaid(w)] + _buttons(hits, area, lang, high_contrast)
            if said:
                out.append(Segment(lang, " ".join(said)))
        return tuple(out)
    labels = {h.label for h in hits}
    body = [s for s in texts if s and s != title and s not in labels and is_catalogue_sentence(s, language)]
    sentences = [title, *dict.fromkeys(body), *_buttons(hits, area, language, high_contrast)]
    return _segments([s for s in sentences if s and not unsaid(s)], language)
