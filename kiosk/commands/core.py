"""The commands about the kiosk as a whole: run it, check its config, check its platform."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from kiosk.config import Config


def register(sub: Any) -> None:
    run = sub.add_parser("run", help="start the kiosk (the simulator where there is no kiosk hardware)")
    run.add_argument("--simulator", action="store_true", help="force the simulator even with hardware config")
    run.add_argument("--headless", metavar="SCENARIO", help="replay a scenario file without a window")
    run.set_defaults(func=cmd_run)

    cfg = sub.add_parser("config", help="show the effective configuration after validating it")
    cfg.set_defaults(func=cmd_config)

    doctor = sub.add_parser(
        "doctor",
        help="check the platform and every configured device and service, each within a deadline",
        description="One verdict per check (ok, warn, fail, skip) with a hint; exit status 1 when any check fails. "
        "Stop the kiosk first: the sensor, printer and co-processor ports are its own while it runs.",
    )
    doctor.add_argument("--json", action="store_true", help="one JSON object for fleet monitoring")
    doctor.add_argument(
        "--output", type=Path, help="also write the JSON verdict to this file (the kiosk's [kiosk] boot_check)"
    )
    doctor.set_defaults(func=cmd_doctor)


def cmd_run(args: argparse.Namespace, cfg: Config) -> int:
    from kiosk import app

    return app.run(cfg, simulator=args.simulator, headless=args.headless)


def cmd_config(args: argparse.Namespace, cfg: Config) -> int:
    print(f"# from {cfg.source}")
    for section in dataclasses.fields(cfg):
        value = getattr(cfg, section.name)
        if not dataclasses.is_dataclass(value):
            continue
        print(f"[{section.name}]")
        for f in dataclasses.fields(value):
            print(f"{f.name} = {getattr(value, f.name)!r}")
    return 0


def cmd_doctor(args: argparse.Namespace, cfg: Config) -> int:
    from kiosk import doctor

    return doctor.main(cfg, as_json_output=args.json, output=args.output)
