"""Thai line breaks over every Thai string the kiosk shows (the th catalogue) and prints (the documents' labels):
how many break points the dictionary breaker alone gives, how many fall inside a kiosk word or prefixed place name
(a split a reader sees as wrong), and the same with the kiosk's word list over the breaker.

    .venv/bin/python bench/bench_thai_breaks.py
"""

from __future__ import annotations

import thaibreak
from babel.messages.pofile import read_po

from kiosk.documents.layout import LABELS
from kiosk.text.words import glued
from kiosk.text.wrap import break_points, is_thai
from kiosk.ui.i18n import LOCALE_DIR


def dictionary_only(text: str) -> list[int]:
    out = []
    for i in thaibreak.boundaries(text)[1:-1]:
        before, after = text[i - 1], text[i]
        if (before.isspace() and not after.isspace()) or (is_thai(before) and is_thai(after)):
            out.append(i)
    return out


def main() -> None:
    with (LOCALE_DIR / "th" / "LC_MESSAGES" / "kiosk.po").open("rb") as f:
        strings = [str(m.string) for m in read_po(f) if m.id and m.string]
    strings += [th for th, _en in LABELS.values()]
    strings = [s for s in strings if any(is_thai(c) for c in s)]
    before = [dictionary_only(s) for s in strings]
    after = [break_points(s) for s in strings]
    wrong_before = sum(len(set(b) & glued(s)) for s, b in zip(strings, before, strict=True))
    wrong_after = sum(len(set(a) & glued(s)) for s, a in zip(strings, after, strict=True))
    print(f"Thai strings: {len(strings)}")
    print(f"break points, dictionary only:      {sum(map(len, before))}  inside a kiosk word: {wrong_before}")
    print(f"break points, with the word list:   {sum(map(len, after))}  inside a kiosk word: {wrong_after}")
    strings_fixed = sum(1 for s, b in zip(strings, before, strict=True) if set(b) & glued(s))
    print(f"strings that had a wrong split: {strings_fixed}")


if __name__ == "__main__":
    main()
