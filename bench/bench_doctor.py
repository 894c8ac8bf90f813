"""How long `kiosk doctor` takes against the simulated devices (private pcscd + vpcd, sensor and printer on ptys with
datasheet timings, the co-processor's firmware under MicroPython, the registry over mutual TLS): each check's time
and the whole run's (the checks run in parallel, so the whole is about the slowest), and how long the silent sensor,
the printer without paper and the registry offline take to give their failures. Medians over several runs.

Run: .venv/bin/python bench/bench_doctor.py [--runs 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from kiosk import doctor  # noqa: E402
from kiosk.config import Config  # noqa: E402
from simulator.rig import Rig  # noqa: E402


def timed(cfg: Config) -> tuple[float, dict[str, doctor.Verdict]]:
    t0 = time.perf_counter()
    verdicts = doctor.run_checks(doctor.checks(cfg))
    return time.perf_counter() - t0, {v.name: v for v in verdicts}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp, Rig() as rig:
        frames = Path(tmp)
        Image.new("RGB", (640, 480), (90, 120, 150)).save(frames / "frame.png")
        cfg = rig.kiosk_config(Config())
        cfg = dataclasses.replace(
            cfg,
            camera=dataclasses.replace(cfg.camera, backend="folder", folder=frames),
            registry=dataclasses.replace(cfg.registry, timeout_s=2.0),
            kiosk=dataclasses.replace(cfg.kiosk, id="KIOSK-SIM-0001"),  # the name in the rig's client certificate
        )
        timed(cfg)  # warm-up: imports, the face runtime
        totals: list[float] = []
        per_check: dict[str, list[float]] = {}
        for _ in range(args.runs):
            total, verdicts = timed(cfg)
            totals.append(total)
            for name, v in verdicts.items():
                per_check.setdefault(name, []).append(v.elapsed_s)
        print(f"all checks, {args.runs} runs: median {statistics.median(totals):.3f} s (max {max(totals):.3f} s)")
        for name, times in per_check.items():
            print(f"  {name:<20} median {statistics.median(times):.3f} s  ({verdicts[name].status})")

        def offline(on: bool) -> None:
            rig.set_online(not on)

        faults: dict[str, Callable[[bool], None]] = {
            "fingerprint sensor": rig.set_sensor_silent,
            "printer": rig.set_paper_out,
            "registry": offline,
        }
        for name, lever in faults.items():
            lever(True)
            runs = [timed(cfg)[1][name] for _ in range(args.runs)]
            lever(False)
            times = [v.elapsed_s for v in runs]
            deadline = next(c.deadline_s for c in doctor.checks(cfg) if c.name == name)
            print(
                f"{name} faulted: {runs[-1].status} in median {statistics.median(times):.3f} s "
                f"(doctor's deadline {deadline:g} s): {runs[-1].detail[:70]}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
