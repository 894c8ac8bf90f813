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

    bundle = sub.add_parser(
        "support-bundle",
        help="one private archive for a technician: doctor verdict, versions, config, outbox counts, recent log",
        description="Citizen IDs, laser IDs, e-mail addresses, keys and tokens are removed; no operation's content "
        "and nothing of the keys folder is included.",
    )
    bundle.add_argument("--out", type=Path, default=Path("kiosk-support.tar.gz"))
    bundle.add_argument("--log", type=Path, help="a log file to include instead of journald's")
    bundle.add_argument("--doctor", action="store_true", help="run the doctor now (stop the kiosk first)")
    bundle.set_defaults(func=cmd_support_bundle)


def cmd_run(args: argparse.Namespace, cfg: Config) -> int:
    from kiosk import app

    return app.run(cfg, simulator=args.simulator, headless=args.headless)


def cmd_support_bundle(args: argparse.Namespace, cfg: Config) -> int:
    from datetime import UTC, datetime

    from kiosk import doctor, support_bundle

    def fresh_doctor() -> str:
        now = datetime.now(UTC)
        return doctor.as_json(doctor.run_checks(doctor.checks(cfg, now=now)), cfg, now)

    files = support_bundle.collect(cfg, log_file=args.log, doctor_json=fresh_doctor if args.doctor else None)
    print(support_bundle.write(files, args.out))
    return 0


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
