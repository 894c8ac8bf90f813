"""The real card driver over pcscd (pyscard's `smartcard.scard` API): watches one reader, reads every inserted card.

PC/SC result codes are translated into the card's typed errors here and nowhere else; no exception text is ever
matched. The watcher thread blocks in SCardGetStatusChange (woken by SCardCancel on stop) and only posts events.
Each read runs on its own thread with its own PC/SC context and a hard deadline, so a card or reader that stops
answering yields `CardReadFailed("card_timeout")` instead of a hung kiosk.

pyscard's CardMonitor is not used: it is a process-wide singleton whose polling thread cannot be stopped and which
does not report pcscd going away.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from smartcard import scard

from kiosk.drivers.card import (
    CardData,
    CardError,
    CardIdentity,
    CardIdentityRead,
    CardInserted,
    CardNames,
    CardPhotoMissing,
    CardPhotoRead,
    CardReadFailed,
    CardRemoved,
    CardRemovedError,
    CardTimeout,
    MalformedResponse,
    NotThaiIdCard,
    Post,
    ReaderAvailable,
    ReaderUnavailable,
)
from kiosk.drivers.card.codec import Session

log = logging.getLogger(__name__)

PNP_NOTIFICATION = "\\\\?PnP?\\Notification"
EVENT_COUNT_SHIFT = 16
STATE_MASK = 0xFFFF

REMOVED_CODES = {scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_RESET_CARD}
GONE_CODES = {
    scard.SCARD_E_NO_SERVICE,
    scard.SCARD_E_SERVICE_STOPPED,
    scard.SCARD_E_READER_UNAVAILABLE,
    scard.SCARD_E_UNKNOWN_READER,
    scard.SCARD_E_NO_READERS_AVAILABLE,
    scard.SCARD_E_SHARING_VIOLATION,
    # pcscd refusing this process: its polkit policy for a system service, or a daemon shutting down mid-call
    scard.SCARD_W_SECURITY_VIOLATION,
}
# A card that gives no ATR (upside down, not a chip card), or an ATR offering no protocol the reader speaks.
MUTE_CODES = {
    scard.SCARD_W_UNRESPONSIVE_CARD,
    scard.SCARD_W_UNPOWERED_CARD,
    scard.SCARD_W_UNSUPPORTED_CARD,
    scard.SCARD_E_PROTO_MISMATCH,
}
# Codes that mean "the exchange broke": a pulled card, or a reader or card fault; the reader's state tells which.
BROKEN_CODES = {scard.SCARD_E_NOT_TRANSACTED, scard.SCARD_F_COMM_ERROR}


def _code(hresult: int) -> int:
    return hresult & 0xFFFFFFFF


def error_for(hresult: int, what: str) -> CardError:
    """The typed error for a PC/SC result code that is not ambiguous (see `BROKEN_CODES`)."""
    code = _code(hresult)
    detail = f"{what}: PC/SC {code:08X} ({scard.SCardGetErrorMessage(hresult)})"
    if code in REMOVED_CODES:
        return CardRemovedError(detail)
    if code in GONE_CODES:
        return ReaderUnavailable(detail)
    if code in MUTE_CODES:
        return NotThaiIdCard(f"the card does not answer (upside down, or not a chip card?): {detail}")
    if code == scard.SCARD_E_TIMEOUT:
        return CardTimeout(detail)
    return CardError(detail)


def establish() -> Any:
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        raise ReaderUnavailable(f"pcscd not reachable: PC/SC {_code(hresult):08X}")
    return context


def release(context: Any) -> None:
    scard.SCardReleaseContext(context)


def find_reader(context: Any, match: str) -> str:
    """The first reader whose name contains `match` (any reader when empty)."""
    hresult, readers = scard.SCardListReaders(context, [])
    if _code(hresult) == scard.SCARD_E_NO_READERS_AVAILABLE:
        raise ReaderUnavailable("no card reader connected")
    if hresult != scard.SCARD_S_SUCCESS:
        raise error_for(hresult, "listing readers")
    for name in readers:
        if match in name:
            return str(name)
    raise ReaderUnavailable(f"no reader matching {match!r} among {len(readers)} connected")


def reader_state(context: Any, reader: str, current: int, timeout_ms: int) -> tuple[int, bytes] | None:
    """The reader's new event state and ATR once it differs from `current`, or None on timeout or cancel."""
    hresult, states = scard.SCardGetStatusChange(context, timeout_ms, [(reader, current)])
    code = _code(hresult)
    if code in (scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED):
        return None
    if code == scard.SCARD_F_COMM_ERROR:
        # No card exchange is under way: the call to pcscd itself broke (80100013, "RPC transport error", when the
        # daemon goes away mid-call), so the reader is unavailable; it says nothing about the citizen's card.
        raise ReaderUnavailable(f"watching the reader: PC/SC {code:08X} (pcscd stopped answering)")
    if hresult != scard.SCARD_S_SUCCESS:
        raise error_for(hresult, "watching the reader")
    _, event_state, atr = states[0]
    if event_state & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE | scard.SCARD_STATE_IGNORE):
        raise ReaderUnavailable(f"reader {reader!r} is gone")
    return int(event_state), bytes(atr)


def card_present(event_state: int) -> bool:
    """A card is in the reader, answering or not (a mute one is reported as unreadable when connecting)."""
    return bool(event_state & scard.SCARD_STATE_PRESENT)


class Connection:
    """One context and one card handle for one read; every failure leaves as a typed error, and closing is safe."""

    def __init__(self, reader: str, *, share_mode: Literal["shared", "exclusive"], settle_s: float) -> None:
        self.reader = reader
        self.settle_s = settle_s
        self._share = scard.SCARD_SHARE_SHARED if share_mode == "shared" else scard.SCARD_SHARE_EXCLUSIVE
        self._context: Any = None
        self._card: Any = None
        self._protocol = 0
        self._events = 0
        self._in_transaction = False
        self.atr = b""

    def __enter__(self) -> Connection:
        try:
            self._open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self) -> None:
        self._context = establish()
        state = reader_state(self._context, self.reader, scard.SCARD_STATE_UNAWARE, 0)
        if state is None or not card_present(state[0]):
            raise CardRemovedError("no card in the reader")
        self._events = state[0] >> EVENT_COUNT_SHIFT
        protocols = scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
        hresult, self._card, self._protocol = scard.SCardConnect(self._context, self.reader, self._share, protocols)
        if hresult != scard.SCARD_S_SUCCESS:
            self._card = None
            raise self._failure(hresult, "connecting to the card")
        hresult, _, _, _, atr = scard.SCardStatus(self._card)
        if hresult != scard.SCARD_S_SUCCESS:
            raise self._failure(hresult, "reading the ATR")
        self.atr = bytes(atr)
        # A read is a sequence (SELECT, READ, GET RESPONSE of *that* READ): in shared mode another reader of the
        # same card (another process, or a second read here) must not interleave, so the whole read is one
        # PC/SC transaction.
        hresult = scard.SCardBeginTransaction(self._card)
        if hresult != scard.SCARD_S_SUCCESS:
            raise self._failure(hresult, "starting the transaction")
        self._in_transaction = True

    def transmit(self, apdu: bytes) -> tuple[bytes, int, int]:
        hresult, response = scard.SCardTransmit(self._card, self._protocol, list(apdu))
        if hresult != scard.SCARD_S_SUCCESS:
            raise self._failure(hresult, f"APDU {apdu[:2].hex().upper()}")
        if len(response) < 2:  # what a card pulled out in the middle of its answer leaves behind
            raise self._lost(f"APDU {apdu[:2].hex().upper()}: no status word")
        return bytes(response[:-2]), int(response[-2]), int(response[-1])

    def _failure(self, hresult: int, what: str) -> CardError:
        """Clear codes map straight to their error; an exchange that broke, or a code pcsc-lite gives in odd
        moments (8010006A when pcscd is stopped mid-transmit), is decided by what the reader says now."""
        code = _code(hresult)
        if code in REMOVED_CODES | GONE_CODES | MUTE_CODES or code == scard.SCARD_E_TIMEOUT:
            return error_for(hresult, what)
        fallback = None if code in BROKEN_CODES else error_for(hresult, what)
        return self._lost(f"{what}: PC/SC {code:08X}", fallback)

    def _lost(self, detail: str, fallback: CardError | None = None) -> CardError:
        """An exchange broke: the card was pulled, the reader went, or the card misbehaved. Ask the reader which,
        waiting (bounded by `settle_s`) for pcscd to notice a removal."""
        deadline = time.monotonic() + self.settle_s
        try:
            state = reader_state(self._context, self.reader, scard.SCARD_STATE_UNAWARE, 0)
            while state is not None:
                current = state[0] & ~scard.SCARD_STATE_CHANGED
                if not card_present(current) or current >> EVENT_COUNT_SHIFT != self._events:
                    return CardRemovedError(f"card pulled out mid-read ({detail})")
                remaining_ms = int((deadline - time.monotonic()) * 1000)
                if remaining_ms <= 0:
                    break
                state = reader_state(self._context, self.reader, current, remaining_ms)
        except ReaderUnavailable as e:
            return ReaderUnavailable(f"{e} ({detail})")
        return fallback or MalformedResponse(f"the card stopped answering ({detail})")

    def close(self) -> None:
        if self._card is not None:
            if self._in_transaction:
                scard.SCardEndTransaction(self._card, scard.SCARD_LEAVE_CARD)
                self._in_transaction = False
            scard.SCardDisconnect(self._card, scard.SCARD_LEAVE_CARD)
            self._card = None
        if self._context is not None:
            release(self._context)
            self._context = None


def read_card(
    reader: str,
    *,
    share_mode: Literal["shared", "exclusive"] = "shared",
    read_photo: bool = True,
    reject_expired_on: date | None = None,
    timeout_s: float = 10.0,
    settle_s: float = 1.0,
    on_identity: Callable[[CardIdentity], None] | None = None,
    on_names: Callable[[CardNames], None] | None = None,
    on_photo_progress: Callable[[float], None] | None = None,
) -> CardData:
    """Read the card in `reader` once: the ID and names first (handed to `on_names` at once), then the rest of the
    identity (to `on_identity`), the photo last (None when the card's photo area is blank), telling
    `on_photo_progress` the fraction of the photo read after each chunk."""
    deadline = time.monotonic() + timeout_s

    def before_apdu() -> None:
        if time.monotonic() > deadline:
            raise CardTimeout(f"the read took longer than {timeout_s} s")

    with Connection(reader, share_mode=share_mode, settle_s=settle_s) as conn:
        session = Session(conn.transmit, conn.atr, before_apdu)
        names = session.read_names()
        if on_names is not None:
            on_names(names)
        identity = session.read_identity(reject_expired_on=reject_expired_on, names=names)
        if on_identity is not None:
            on_identity(identity)
        photo = session.read_photo(on_photo_progress) if read_photo else None
        return CardData.of(identity, photo)


class PcscCardReader:
    """Watches one reader and posts `CardEvent`s (see `kiosk.drivers.card`); the composition root starts it."""

    CANCEL_REPEAT_S = 0.05

    def __init__(
        self,
        post: Post,
        *,
        today: Callable[[], date],
        reader: str = "",
        share_mode: Literal["shared", "exclusive"] = "shared",
        read_photo: bool = True,
        reject_expired: bool = True,
        read_timeout_s: float = 10.0,
        settle_s: float = 1.0,
        retry_s: float = 1.0,
        on_names: Callable[[CardNames], None] | None = None,
        on_photo_progress: Callable[[float], None] | None = None,
    ) -> None:
        self._post = post
        self.on_names = on_names  # called on the read's thread with the ID and names, before the rest is read
        self.on_photo_progress = on_photo_progress  # called on the read's thread: the fraction of the photo read
        self._today = today
        self.reader_match = reader
        self.share_mode = share_mode
        self.read_photo = read_photo
        self.reject_expired = reject_expired
        self.read_timeout_s = read_timeout_s
        self.settle_s = settle_s
        self.retry_s = retry_s
        self._stopping = threading.Event()
        self._context_lock = threading.Lock()
        self._context: Any = None
        self._thread: threading.Thread | None = None
        self._reader_ok = True
        self._read_done: threading.Event | None = None

    # ----------------------------------------------------------------------------------------------- control

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._watch, name="card-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Wake the watcher and wait for it. SCardCancel only interrupts a wait already in progress, so it is
        repeated until the thread has left (the watcher re-checks `_stopping` before every wait)."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        while thread is not None and thread.is_alive():
            with self._context_lock:
                if self._context is not None:
                    scard.SCardCancel(self._context)
                if self._read_done is not None:
                    self._read_done.set()
            thread.join(self.CANCEL_REPEAT_S)

    def read_now(self, timeout_s: float) -> CardData:
        """Wait up to `timeout_s` for a card, then read it; for the command line (no events are posted)."""
        deadline = time.monotonic() + timeout_s
        context = establish()
        try:
            reader = find_reader(context, self.reader_match)
            state = reader_state(context, reader, scard.SCARD_STATE_UNAWARE, 0)
            while state is not None and not card_present(state[0]):
                remaining_ms = int((deadline - time.monotonic()) * 1000)
                if remaining_ms <= 0:
                    break
                state = reader_state(context, reader, state[0] & ~scard.SCARD_STATE_CHANGED, remaining_ms)
            if state is None or not card_present(state[0]):
                raise CardTimeout(f"no card inserted within {timeout_s} s")
        finally:
            release(context)
        return self._read(reader)

    # ----------------------------------------------------------------------------------------------- watcher

    def _read(
        self,
        reader: str,
        on_identity: Callable[[CardIdentity], None] | None = None,
        on_names: Callable[[CardNames], None] | None = None,
        on_photo_progress: Callable[[float], None] | None = None,
    ) -> CardData:
        return read_card(
            reader,
            share_mode=self.share_mode,
            read_photo=self.read_photo,
            reject_expired_on=self._today() if self.reject_expired else None,
            timeout_s=self.read_timeout_s,
            settle_s=self.settle_s,
            on_identity=on_identity,
            on_names=on_names,
            on_photo_progress=on_photo_progress,
        )

    def _watch(self) -> None:
        while not self._stopping.is_set():
            try:
                context = establish()
            except ReaderUnavailable as e:
                self._reader_lost(str(e))
                self._stopping.wait(self.retry_s)
                continue
            with self._context_lock:
                self._context = context
            try:
                self._watch_reader(context)
            except ReaderUnavailable as e:
                self._reader_lost(str(e))
                self._stopping.wait(self.retry_s)
            except Exception:
                log.exception("card watcher failed; restarting it")
                self._stopping.wait(self.retry_s)
            finally:
                with self._context_lock:
                    self._context = None
                release(context)

    def _reader_lost(self, detail: str) -> None:
        if self._reader_ok:
            self._reader_ok = False
            log.warning("card reader unavailable: %s", detail)
            self._post(CardReadFailed(ReaderUnavailable.reason, detail))

    def _watch_reader(self, context: Any) -> None:
        reader = find_reader(context, self.reader_match)
        if not self._reader_ok:
            log.info("card reader available again")
            self._reader_ok = True
            self._post(ReaderAvailable(reader))
        current, present = scard.SCARD_STATE_UNAWARE, False
        try:
            while not self._stopping.is_set():
                state = reader_state(context, reader, current, scard.INFINITE)  # until a change or SCardCancel
                if state is None:
                    continue
                new_state, atr = state
                reinserted = present and new_state >> EVENT_COUNT_SHIFT != current >> EVENT_COUNT_SHIFT
                if present and (not card_present(new_state) or reinserted):
                    present = False
                    self._post(CardRemoved(reader))
                if card_present(new_state) and not present:
                    present = True
                    self._post(CardInserted(reader, atr))
                    self._read_and_post(reader)
                current = new_state & ~scard.SCARD_STATE_CHANGED
        finally:
            if present:
                self._post(CardRemoved(reader))

    def _read_and_post(self, reader: str) -> None:
        """Read on a worker thread; after the deadline the read is abandoned and its late results dropped."""
        lock = threading.Lock()
        done = threading.Event()
        abandoned = False

        def post(event: object) -> None:
            with lock:
                if not abandoned:
                    self._post(event)

        def names(found: CardNames) -> None:
            with lock:
                if not abandoned and self.on_names is not None:
                    self.on_names(found)

        def photo_progress(fraction: float) -> None:
            with lock:
                if not abandoned and self.on_photo_progress is not None:
                    self.on_photo_progress(fraction)

        def work() -> None:
            try:
                data = self._read(
                    reader,
                    on_identity=lambda identity: post(CardIdentityRead(identity)),
                    on_names=names,
                    on_photo_progress=photo_progress,
                )
                if data.photo is not None:
                    post(CardPhotoRead(data.photo))
                elif self.read_photo:
                    post(CardPhotoMissing())
            except CardError as e:
                log.info("card read failed: %s", e.reason)
                post(CardReadFailed(e.reason, str(e)))
            except Exception as e:  # a bug, not a card fault: still end the read cleanly
                log.exception("card read crashed")
                post(CardReadFailed(CardError.reason, f"{type(e).__name__}: {e}"))
            finally:
                done.set()

        with self._context_lock:
            self._read_done = done
        threading.Thread(target=work, name="card-read", daemon=True).start()
        finished = done.wait(self.read_timeout_s + self.settle_s + 1.0)
        with lock:
            if not finished and not self._stopping.is_set():
                abandoned = True
                self._post(CardReadFailed(CardTimeout.reason, "the card or reader stopped answering"))
            elif self._stopping.is_set():
                abandoned = True
        with self._context_lock:
            self._read_done = None
