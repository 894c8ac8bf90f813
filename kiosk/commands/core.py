"""The commands about the kiosk as a whole: run it, check its config, check its platform."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from kiosk.config import Config


def register(sub: Any) -> None:
    run = sub.add_parser("run", help="start the kiosk (the simulator where there is no kiosk hardware)")
    run.add_argument("--simulator", action="store_true", help="force the simulator even with hardware config")
    run.add_argument("--headless", metavar="SCENARIO", help="replay a scenario file without a window")
    run.set_defaults(func=cmd_run)

    cfg = sub.add_parser("config", help="show the effective configuration after validating it")
    cfg.set_defaults(func=cmd_config)

    doctor = sub.add_parser("doctor", help="check the platform (fonts, text layout) and the configured devices")
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
    from kiosk import setup_check

    return setup_check.main()
