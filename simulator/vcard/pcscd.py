"""Runs a private pcscd whose only readers are vpcd virtual readers, and the stack that puts virtual cards in them.

pcscd 1.9 always puts its socket in `/run/pcscd`, and refuses to start while another instance owns it. The private
pcscd therefore runs in its own mount namespace with a private directory bound over `/run` (`unshare --mount` as
root, `unshare --user --map-root-user --mount` otherwise), and clients reach it through `PCSCLITE_CSOCK_NAME`, which
libpcsclite (and so pyscard) honours. libpcsclite reads that variable once per process, so one process uses one
socket path: `default_run_dir()` is stable for the process and a restarted pcscd reuses it.

Readiness is the log line "daemon ready" plus the socket file; the vpcd TCP ports are never probed (to vpcd a
connection is an inserted card). The vpcd reader entry gives two slots, on its port and the next one. A second
entry is useless: Debian's vpcd 3.3 keeps one slot table per pcscd, indexed by slot only, so entries overwrite each
other; more slots in parallel means more pcscd processes (one per client process).

vpcd listens on every interface (INADDR_ANY) for as long as this pcscd runs; its reverse mode (DEVICENAME
`host:port`, vpcd connecting to the card) would stay on loopback but aborts pcscd ("bit out of range 0 - FD_SETSIZE")
whenever nothing is listening. Another reason vpcd never ships on a kiosk image.
"""

from __future__ import annotations

import collections
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from simulator.vcard.card import ThaiIdCard
from simulator.vcard.vpcd import VirtualCard

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
SOCKET_ENV = "PCSCLITE_CSOCK_NAME"
READY_LINE = "daemon ready"
SLOTS_PER_ENTRY = 2
REMOVAL_SEEN_S = 3.0  # pcscd polls vpcd every 400 ms
READERS_LISTED_S = 5.0
_ATTEMPT = re.compile(r"Attempting startup of (.+?) using ")
_PORT = re.compile(r"Waiting for virtual ICC on port (\d+)")


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it when the thread that started it exits, so no pcscd outlives its test
    (the setting survives the exec chain unshare -> sh -> pcscd: none of them is set-user-ID)."""
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


class PcscdError(RuntimeError):
    """The private pcscd could not be started or stopped."""


@dataclass(frozen=True)
class VirtualSlot:
    reader: str  # the PC/SC reader name clients see
    port: int  # vpcd's TCP port for this slot's card


def missing_parts() -> list[str]:
    """What this machine lacks for the virtual stack (empty when it can run)."""
    missing = []
    if shutil.which("pcscd") is None:
        missing.append("pcscd (apt: pcscd)")
    if not VPCD_DRIVER.exists():
        missing.append(f"{VPCD_DRIVER} (apt: vsmartcard-vpcd)")
    if shutil.which("unshare") is None:
        missing.append("unshare (util-linux)")
    if shutil.which("stdbuf") is None:
        missing.append("stdbuf (coreutils)")
    return missing


def default_run_dir() -> Path:
    """The per-process directory standing in for `/run` (the socket path must not change within a process)."""
    return Path(tempfile.gettempdir()) / f"kiosk-pcscd-{os.getpid()}"


def _free_port_pair() -> int:
    """A port p with p and p+1 both free (vpcd binds every interface, as it does)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("", 0))
            port = int(first.getsockname()[1])
            if port >= 65535:
                continue
            with socket.socket() as second:
                try:
                    second.bind(("", port + 1))
                except OSError:
                    continue
            return port
    raise PcscdError("no free pair of TCP ports for vpcd")


class PrivatePcscd:
    """`with PrivatePcscd() as pcscd:` a pcscd with two virtual slots, reachable via `client_env()`.

    Start it from a thread that outlives it (normally the main thread): the process is told to die with the thread
    that started it, so a crashed test never leaves a pcscd behind."""

    def __init__(self, readers: int = 1, *, run_dir: Path | None = None, log_apdus: bool = False) -> None:
        if readers != 1:
            raise ValueError("vpcd supports one reader entry (two slots) per pcscd: see the module docstring")
        self.entries = readers
        self.run_dir = run_dir or default_run_dir()
        self.log_apdus = log_apdus
        self.slots: list[VirtualSlot] = []
        self.log: collections.deque[str] = collections.deque(maxlen=400)
        self._proc: subprocess.Popen[str] | None = None
        self._ready = threading.Event()
        self._exited = threading.Event()

    @property
    def socket_path(self) -> Path:
        return self.run_dir / "run" / "pcscd" / "pcscd.comm"

    def client_env(self) -> dict[str, str]:
        return {SOCKET_ENV: str(self.socket_path)}

    def export_client_env(self) -> None:
        """Point this process's libpcsclite at the private pcscd (must happen before its first PC/SC call)."""
        current = os.environ.get(SOCKET_ENV)
        if current not in (None, str(self.socket_path)):
            raise PcscdError(f"{SOCKET_ENV} already points at {current}: one process, one pcscd socket")
        os.environ[SOCKET_ENV] = str(self.socket_path)

    def _write_config(self) -> Path:
        conf = self.run_dir / "reader.conf.d"
        shutil.rmtree(self.run_dir / "run", ignore_errors=True)
        shutil.rmtree(conf, ignore_errors=True)
        (self.run_dir / "run").mkdir(parents=True)
        conf.mkdir(parents=True)
        for i in range(self.entries):
            port = _free_port_pair()
            (conf / f"vpcd{i}").write_text(
                f'FRIENDLYNAME "Kiosk Virtual PCD {port}"\n'
                f"DEVICENAME   /dev/null:0x{port:04X}\n"
                f"LIBPATH      {VPCD_DRIVER}\n"
                f"CHANNELID    0x{port:04X}\n"
            )
        return conf

    def _command(self, conf: Path) -> list[str]:
        # pcscd's log is block-buffered on a pipe: line-buffer it, or "daemon ready" arrives only at exit.
        pcscd = ["stdbuf", "-oL", "pcscd", "--foreground", "--info", "--config", str(conf)]
        if self.log_apdus:
            pcscd.append("--apdu")
        inner = 'mount --bind "$1" /run && shift && exec "$@"'
        namespace = ["unshare", "--mount", "--propagation", "private"]
        if os.geteuid() != 0:
            namespace[1:1] = ["--user", "--map-root-user"]
        return [*namespace, "sh", "-c", inner, "sh", str(self.run_dir / "run"), *pcscd]

    def start(self, timeout_s: float = 10.0) -> None:
        if missing := missing_parts():
            raise PcscdError("missing: " + ", ".join(missing))
        conf = self._write_config()
        self._ready.clear()
        self._exited.clear()
        self.log.clear()
        self._proc = subprocess.Popen(
            self._command(conf),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        threading.Thread(target=self._drain, args=(self._proc,), name="pcscd-log", daemon=True).start()
        deadline = time.monotonic() + timeout_s
        # `_ready` is also set when the process ends, so a pcscd (or unshare) that fails is reported at once.
        if not self._ready.wait(timeout_s) or self._exited.is_set() or not self._wait_socket(deadline):
            tail = "\n".join(list(self.log)[-15:])
            self.stop()
            hint = ""
            if "unshare failed" in tail or "not permitted" in tail:
                hint = " (a private mount namespace needs root with CAP_SYS_ADMIN, or unprivileged user namespaces)"
            raise PcscdError(f"private pcscd did not start{hint}:\n{tail}")
        self.slots = self._slots_from_log()
        if len(self.slots) != self.entries * SLOTS_PER_ENTRY:
            self.stop()
            raise PcscdError(f"expected {self.entries * SLOTS_PER_ENTRY} virtual slots, pcscd reported {self.slots}")

    def _wait_socket(self, deadline: float) -> bool:
        """pcscd creates its socket about a millisecond after logging "daemon ready": wait for the file, bounded."""
        while not self.socket_path.exists():
            if self._exited.is_set() or time.monotonic() > deadline:
                return False
            self._exited.wait(0.002)
        return True

    def _drain(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.log.append(line.rstrip())
            if READY_LINE in line:
                self._ready.set()
        self._exited.set()
        self._ready.set()

    def _slots_from_log(self) -> list[VirtualSlot]:
        slots, pending = [], None
        for line in self.log:
            if m := _ATTEMPT.search(line):
                pending = m.group(1)
            elif (m := _PORT.search(line)) and pending is not None:
                slots.append(VirtualSlot(pending, int(m.group(1))))
                pending = None
        return slots

    def stop(self, timeout_s: float = 5.0) -> None:
        """SIGTERM, then wait for the process to be gone (a lingering one would block the next start)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout_s)
        self._exited.wait(timeout_s)
        if proc.stdout is not None:
            proc.stdout.close()
        for made in ("run", "reader.conf.d"):
            shutil.rmtree(self.run_dir / made, ignore_errors=True)
        with suppress(OSError):
            self.run_dir.rmdir()  # only if nothing else is in it

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> PrivatePcscd:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class VirtualStack:
    """A running private pcscd and one `VirtualCard` per virtual slot."""

    pcscd: PrivatePcscd
    cards: list[VirtualCard]
    _removal_unseen: set[int] = field(default_factory=set)  # slots pulled out that pcscd may not have noticed yet

    @property
    def readers(self) -> list[str]:
        return [slot.reader for slot in self.pcscd.slots]

    def wait_listed(self, timeout_s: float = READERS_LISTED_S) -> None:
        """Return once a PC/SC client of this process lists every virtual slot: pcscd logs a slot before its
        clients can see it, and a watcher started in between would first report the reader missing."""
        from smartcard import scard

        deadline = time.monotonic() + timeout_s
        wanted = set(self.readers)
        while True:
            hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hresult == scard.SCARD_S_SUCCESS:
                try:
                    hresult, listed = scard.SCardListReaders(context, [])
                finally:
                    scard.SCardReleaseContext(context)
                if hresult == scard.SCARD_S_SUCCESS and all(any(w in name for name in listed) for w in wanted):
                    return
            if time.monotonic() > deadline:
                raise PcscdError(f"pcscd did not list its virtual slots {sorted(wanted)} within {timeout_s} s")
            time.sleep(0.02)

    def insert(self, card: ThaiIdCard, slot: int = 0, *, wait_s: float = 0.0) -> VirtualCard:
        """Put `card` in `slot` (pulling out any card there); with `wait_s`, return once pcscd has seen it.

        A card pulled out of the slot is first waited for until pcscd has seen the slot empty: vpcd would otherwise
        take the new card at its next presence poll as the same card, and pcscd would never report a removal."""
        self.remove(slot)
        if slot in self._removal_unseen:
            if self.pcscd.running:
                self.wait_slot(slot, present=False, timeout_s=REMOVAL_SEEN_S)
            self._removal_unseen.discard(slot)
        self.cards[slot].insert(card)
        if wait_s:
            self.wait_slot(slot, present=True, timeout_s=wait_s)
        return self.cards[slot]

    def remove(self, slot: int = 0, *, wait_s: float = REMOVAL_SEEN_S) -> None:
        """Pull the card out of `slot` and wait (up to `wait_s`, ~0.4 s in practice) until pcscd has seen the slot
        empty, so that a card watcher started next never reports the pulled card; `wait_s=0` returns at once."""
        if self.cards[slot].card is not None:
            self.cards[slot].remove()
            self.cards[slot].card = None
            self._removal_unseen.add(slot)
        if wait_s and slot in self._removal_unseen and self.pcscd.running:
            self.wait_slot(slot, present=False, timeout_s=wait_s)
            self._removal_unseen.discard(slot)

    def wait_slot(self, slot: int, *, present: bool, timeout_s: float) -> None:
        """Block (in pcscd's SCardGetStatusChange, no polling here) until pcscd reports the slot full or empty."""
        from smartcard import scard

        reader = self.readers[slot]
        deadline = time.monotonic() + timeout_s
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            raise PcscdError(f"cannot reach the private pcscd: {hresult & 0xFFFFFFFF:08X}")
        try:
            current = scard.SCARD_STATE_UNAWARE
            while True:
                timeout_ms = 0 if current == scard.SCARD_STATE_UNAWARE else int((deadline - time.monotonic()) * 1000)
                hresult, states = scard.SCardGetStatusChange(context, max(0, timeout_ms), [(reader, current)])
                if hresult == scard.SCARD_S_SUCCESS:
                    current = states[0][1] & ~scard.SCARD_STATE_CHANGED
                    if bool(current & scard.SCARD_STATE_PRESENT) == present:
                        return
                elif hresult & 0xFFFFFFFF != scard.SCARD_E_TIMEOUT:
                    raise PcscdError(f"watching slot {slot} failed: {hresult & 0xFFFFFFFF:08X}")
                if time.monotonic() >= deadline:
                    raise PcscdError(f"pcscd did not see slot {slot} {'full' if present else 'empty'} in {timeout_s} s")
        finally:
            scard.SCardReleaseContext(context)

    def remove_all(self) -> None:
        for slot in range(len(self.cards)):
            self.remove(slot)


@contextmanager
def virtual_stack(readers: int = 1, *, apdu_delay_s: float = 0.0, log_apdus: bool = False) -> Iterator[VirtualStack]:
    """A private pcscd with `2 * readers` empty virtual slots; this process's PC/SC clients are pointed at it."""
    pcscd = PrivatePcscd(readers, log_apdus=log_apdus)
    pcscd.export_client_env()
    with pcscd:
        stack = VirtualStack(pcscd, [VirtualCard(s.port, apdu_delay_s=apdu_delay_s) for s in pcscd.slots])
        try:
            stack.wait_listed()
            yield stack
        finally:
            with suppress(OSError):
                stack.remove_all()
