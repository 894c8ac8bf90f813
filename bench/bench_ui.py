"""Kiosk screen figures: time from process start to the first screen, frames per second idle and on
the camera screen (live frames through the face guide), and the kiosk process's peak memory.

Each figure comes from a fresh child process (SDL's dummy video driver: software rendering, as on the Pi's KMS/DRM
framebuffer), median of several runs. "paced" is the loop as the kiosk runs it (30 fps target); "max" draws every
frame with no pacing, to show the headroom; a paced 0 means a static screen that needed no redrawing at all.

Run: .venv/bin/python bench/bench_ui.py [--runs N] [--seconds S] [--size 800x480]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def child(mode: str, seconds: float, size: tuple[int, int]) -> dict[str, float]:
    """Runs inside the measured process."""
    import resource

    t_import = time.perf_counter()
    import numpy as np
    import pygame

    from kiosk.config import Config
    from kiosk.ui.loop import ScreenLoop
    from kiosk.ui.session import KioskSession
    from kiosk.ui.text import Text

    pygame.display.init()
    pygame.font.init()
    surface = pygame.display.set_mode(size)
    rng = np.random.default_rng(1)
    frames = [rng.integers(0, 255, (480, 640, 3), dtype=np.uint8) for _ in range(8)]
    tick = [0]

    def camera() -> np.ndarray:
        tick[0] += 1
        return frames[tick[0] % len(frames)]

    # The whole kiosk process: journeys, store, registry client, face models (camera frames come from `camera`).
    import dataclasses
    import tempfile

    state = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    base = Config()
    cfg = dataclasses.replace(
        base,
        kiosk=dataclasses.replace(base.kiosk, data_dir=state),
        store=dataclasses.replace(base.store, path=state / "kiosk.sqlite3"),
    )

    class Frames:
        def read(self, timeout_s: float) -> np.ndarray:
            return camera()

        def hold_exposure(self, held: bool) -> None:
            pass

        def close(self) -> None:
            pass

    def no_journeys(*args: object, **kwargs: object) -> Callable[[], None]:
        return lambda: None

    session = KioskSession(
        cfg,
        Text("Garuda"),
        area=surface.get_rect(),
        camera=Frames(),
        compose=no_journeys if mode == "attract" else None,
    )
    teed = session.preview.tee(Frames())  # stands in for the face service's reads while the camera screen is up
    loop: ScreenLoop = session.loop
    loop.step(surface)
    pygame.display.flip()
    out: dict[str, float] = {"attract_at": time.time(), "in_process_s": time.perf_counter() - t_import}
    if mode in ("idle", "attract", "camera"):
        if mode == "camera":
            session.port.show("face_capture", {"hint": "hold_still", "attempt": 1, "max_attempts": 3})
        for paced in (True, False):
            clock = pygame.time.Clock()
            n = 0
            start = time.perf_counter()
            while time.perf_counter() - start < seconds:
                pygame.event.pump()
                if mode == "camera":
                    teed.read(0.1)
                if not paced:
                    session.view._dirty = True  # draw every frame: the renderer's own limit
                if loop.step(surface):
                    pygame.display.flip()
                    n += 1
                if paced:
                    clock.tick(loop.fps_wanted)
            out["paced_fps" if paced else "max_fps"] = n / (time.perf_counter() - start)
        print(f"# {mode}: screen {session.view.state.name}", file=sys.stderr)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    session.close()
    return out


def run_child(mode: str, seconds: float, size: tuple[int, int]) -> dict[str, float]:
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYGAME_HIDE_SUPPORT_PROMPT="1")
    t0 = time.perf_counter()
    wall0 = time.time()
    cmd = [sys.executable, __file__, "--child", mode, "--seconds", str(seconds), "--size", f"{size[0]}x{size[1]}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True, cwd=ROOT)
    figures: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    figures["process_wall_s"] = time.perf_counter() - t0
    figures["to_attract_s"] = figures["attract_at"] - wall0
    return figures


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--size", default="800x480")
    ap.add_argument("--child", choices=("start", "idle", "attract", "camera"))
    args = ap.parse_args()
    size = (int(args.size.split("x")[0]), int(args.size.split("x")[1]))
    if args.child:
        print(json.dumps(child(args.child, args.seconds, size)))
        return 0

    def med(mode: str, key: str, runs: int) -> float:
        return statistics.median(run_child(mode, args.seconds, size)[key] for _ in range(runs))

    print(f"kiosk screen {size[0]}x{size[1]}, median of {args.runs} runs")
    starts = [run_child("start", args.seconds, size) for _ in range(args.runs)]
    to_attract = statistics.median(r["to_attract_s"] for r in starts)
    in_process = statistics.median(r["in_process_s"] for r in starts)
    print(f"  launch to first screen, whole kiosk: {to_attract:.3f} s (in-process: {in_process:.3f} s)")
    modes = (
        ("attract", "attract (UI only, animated)"),
        ("idle", "whole kiosk idle (no devices)"),
        ("camera", "camera screen, whole kiosk"),
    )
    for mode, label in modes:
        runs = [run_child(mode, args.seconds, size) for _ in range(max(1, args.runs // 2 + 1))]
        paced = statistics.median(r["paced_fps"] for r in runs)
        top = statistics.median(r["max_fps"] for r in runs)
        rss = statistics.median(r["peak_rss_mb"] for r in runs)
        print(f"  fps {label:28s}: paced {paced:5.1f}, max {top:7.1f}   peak RSS {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
