"""The simulated fingerprint sensor: the protocol model, simulated fingers, and the pty it speaks on."""

from __future__ import annotations

__all__ = ["DATASHEET", "INSTANT", "Fault", "FaultKind", "SensorTimings", "SimStats", "SimulatedSensor"]

from simulator.finger.pty import Fault, FaultKind, SimStats, SimulatedSensor
from simulator.finger.sensor import DATASHEET, INSTANT, SensorTimings
