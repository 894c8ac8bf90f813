"""The `kiosk` command line: parses arguments, loads the config once, and hands off to each command module."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from kiosk import config as config_mod
from kiosk.errors import ConfigError, KioskError

# Each module has `register(subparsers)` adding its commands; a command's handler is `func(args, cfg) -> int`.
COMMAND_MODULES: tuple[str, ...] = (
    "kiosk.commands.core",
    "kiosk.drivers.card.commands",
    "kiosk.drivers.finger.commands",
    "kiosk.drivers.printer.commands",
    "kiosk.drivers.coproc.commands",
    "kiosk.commands.registry",
    "kiosk.commands.report",
)

DEFAULT_CONFIG_PATHS = (Path("kiosk.toml"), Path("/etc/kiosk/kiosk.toml"))


def config_path(explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit)
    env = os.environ.get("KIOSK_CONFIG")
    if env:
        return Path(env)
    return next((p for p in DEFAULT_CONFIG_PATHS if p.exists()), None)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk", description="Thai civil-registration kiosk")
    p.add_argument("--config", help="path to kiosk.toml (default: $KIOSK_CONFIG, ./kiosk.toml, /etc/kiosk/kiosk.toml)")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        path = config_path(args.config)
        cfg = config_mod.load(path) if path else config_mod.Config()
        result: int = args.func(args, cfg)
        return result
    except ConfigError as e:
        print(f"kiosk: configuration error: {e}", file=sys.stderr)
        return 2
    except KioskError as e:
        print(f"kiosk: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
