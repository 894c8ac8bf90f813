"""Which pyproject.toml the lock was made from: a digest of its dependency tables, recorded by scripts/lock, checked by
scripts/setup and the tests so that a pyproject.toml changed without `scripts/lock` is a failing check, not a drift.

Standard library only: scripts/setup runs it before anything is installed.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
RECORD = ROOT / "requirements" / "lock-input.sha256"
STALE_HINT = "pyproject.toml's dependencies changed since the lock was made: run scripts/lock and commit the result"


def lock_inputs(pyproject: dict[str, Any]) -> dict[str, Any]:
    """The parts of pyproject.toml that decide what the lock holds (not lint, test or type-check settings)."""
    project = pyproject.get("project", {})
    return {
        "build-system": pyproject.get("build-system", {}).get("requires", []),
        "requires-python": project.get("requires-python"),
        "dependencies": project.get("dependencies", []),
        "optional-dependencies": project.get("optional-dependencies", {}),
        "dependency-groups": pyproject.get("dependency-groups", {}),
        "tool.uv": pyproject.get("tool", {}).get("uv", {}),
    }


def digest(pyproject_path: Path = PYPROJECT) -> str:
    with pyproject_path.open("rb") as f:
        inputs = lock_inputs(tomllib.load(f))
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def recorded(record_path: Path = RECORD) -> str | None:
    try:
        return record_path.read_text().split()[0]
    except (FileNotFoundError, IndexError):
        return None


def is_current(pyproject_path: Path = PYPROJECT, record_path: Path = RECORD) -> bool:
    return recorded(record_path) == digest(pyproject_path)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "record":
        RECORD.parent.mkdir(parents=True, exist_ok=True)
        RECORD.write_text(f"{digest()}  pyproject.toml (dependency tables; kiosk/lockfile.py)\n")
        return 0
    if command == "check":
        if is_current():
            return 0
        print(f"lock: {STALE_HINT}", file=sys.stderr)
        return 1
    print("usage: python -m kiosk.lockfile [check|record]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
