"""The journeys' end-to-end rig (`tests/flows/kit.py`) as a fixture of this folder's tests."""

from tests.flows.kit import rig  # noqa: F401  (a module-scoped fixture: one rig per test module)
