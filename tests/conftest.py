"""Shared test switches: system stacks required (fail, not skip) when KIOSK_REQUIRE_STACK=1; faces from ../shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FACES = SHARED / "faces"
ASIAN_FACES = SHARED / "faces-asian"


def require_stack() -> bool:
    return os.environ.get("KIOSK_REQUIRE_STACK", "") == "1"


def missing_stack(what: str) -> None:
    """Skip where a system stack is absent, or fail when the test command demands it."""
    if require_stack():
        pytest.fail(f"required system stack missing: {what} (KIOSK_REQUIRE_STACK=1)")
    pytest.skip(f"system stack missing: {what}")


@pytest.fixture
def faces_dir() -> Path:
    if not (FACES / "identities.json").exists():
        pytest.skip(f"test photos not present: {FACES} (the ../shared folder is absent)")
    return FACES


@pytest.fixture
def asian_faces_dir() -> Path:
    """../shared/faces-asian: East and Southeast Asian identities (the simulator's test citizens wear these faces)."""
    if not (ASIAN_FACES / "identities.json").exists():
        pytest.skip(f"test photos not present: {ASIAN_FACES} (the ../shared folder is absent)")
    return ASIAN_FACES
