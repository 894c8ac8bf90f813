"""Spoken guidance: how long espeak-ng takes to render each screen's prompt (cold, then from the in-memory cache),
and how long the prompts last. Prints medians over every sample screen in Thai and English.

    .venv/bin/python bench/bench_audio.py
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

from kiosk.drivers.audio import EspeakVoice, wav
from kiosk.drivers.audio.guide import Guide
from kiosk.ui.speech import prompt_for
from kiosk.ui.text import Text
from kiosk.ui.view import KioskView
from tests.ui.samples import SAMPLES


def main() -> None:
    pygame.init()
    text = Text("Garuda")
    size = (800, 480)
    for language in ("th", "en"):
        guide = Guide(EspeakVoice(), None)
        cold, warm, lengths = [], [], []
        for name, data in SAMPLES.items():
            view = KioskView(text, language=language)
            view.show(name, data)
            view.draw(pygame.Surface(size), now_s=1.0)
            prompt = prompt_for(
                name,
                data,
                language=language,
                title=view.title,
                texts=view.texts,
                hits=view.controls,
                area=pygame.Rect((0, 0), size),
            )
            t = time.perf_counter()
            sound = guide.render(prompt)
            cold.append(time.perf_counter() - t)
            t = time.perf_counter()
            guide.render(prompt)
            warm.append(time.perf_counter() - t)
            lengths.append(wav.duration_s(sound))
        print(
            f"{language}: n={len(cold)} screens; render cold median {1000 * statistics.median(cold):.0f} ms "
            f"(max {1000 * max(cold):.0f}), cached median {1000 * statistics.median(warm):.1f} ms; "
            f"prompt length median {statistics.median(lengths):.1f} s (max {max(lengths):.1f})"
        )


if __name__ == "__main__":
    main()
