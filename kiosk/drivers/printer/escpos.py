"""The ESC/POS printer driver over an injected Transport: status before a job, raster bands, cut, confirmation.

A document counts as printed only when the printer answers the profile's confirmation command, which it does after
everything before it has been processed: `GS ( H` fn 48 with a fresh random process ID per job (`process_id`: a
framed 7-byte answer that names the job, so neither line noise nor a stale answer can confirm it), or `GS r 1`
(`gs_r`, for printers without GS ( H: its answer is one unframed byte, so a noise byte with bits 4 and 7 clear that
arrives first would confirm the job early). While waiting, `DLE EOT 2` polls (answered at once even offline) catch
paper out, an open cover or an error mid-job. Every read has a deadline.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from PIL import Image

from kiosk.drivers.printer import codec
from kiosk.drivers.printer.codec import PrinterStatus, Response, ResponseKind, ResponseParser
from kiosk.drivers.printer.errors import (
    CoverOpen,
    PaperNearEnd,
    PaperOut,
    PrinterError,
    PrinterFault,
    PrinterOffline,
    PrinterTimeout,
)
from kiosk.drivers.printer.job import JobState, PrintJob
from kiosk.drivers.printer.transport import Transport


class SerialLine(Protocol):
    """A transport whose serial rate can change (`transport.SerialTransport`)."""

    def set_baud(self, baud: int) -> None: ...


log = logging.getLogger(__name__)
Progress = Callable[[float], None]
Raster = Image.Image | Iterable[Image.Image]  # a rendered document, whole or as strips top to bottom
ConfirmMethod = Literal["process_id", "gs_r"]
CONFIRM_METHODS: tuple[ConfirmMethod, ...] = ("process_id", "gs_r")
ANSWER_GAP_S = 0.05  # quiet this long inside a process-ID answer candidate: it was noise (answers come in one burst)
STOPPED = codec.N2_COVER_OPEN | codec.N2_PAPER_END_STOP | codec.N2_ERROR  # DLE EOT 2 bits that halt printing


@dataclass(frozen=True)
class PrinterProfile:
    """A printer model's quirks, as data."""

    width_dots: int = 384
    has_cutter: bool = True
    band_rows: int = 128  # rows per GS v 0 command: small enough for the receive buffers of cheap printers
    cut_feed_dots: int = 96  # feed that moves the last printed row past the cutter (12 mm)
    tear_feed_dots: int = 144  # feed before tearing by hand when there is no cutter (18 mm)
    partial_cut: bool = True
    # Blank runs of this many rows or more are sent as ESC J feeds rather than raster rows (0: send every row).
    # Assumes the vertical motion unit is one dot (GS P default of 203 dpi printers).
    # 1: the gaps between text lines and the single blank rows inside a Thai line (between a consonant and the
    # vowel or tone mark above it) too: a blank row costs a row's bytes, ESC J 3 and the next band's header 8.
    # 1 instead of 2: -5 % bytes on a ท.ร.14/1.
    feed_blank_rows: int = 1
    trim_right: bool = True  # bands end after their last inked byte column (raster printed from the left edge)
    asb: bool = False  # ask for automatic status back, so paper out mid-job stops the sending at the next band
    # How a job's printing is confirmed: "process_id" (GS ( H fn 48, Epson and most compatibles) or "gs_r" (GS r 1,
    # for printers that do not answer GS ( H: weaker, a noise byte can pass for its answer).
    confirm: ConfirmMethod = "process_id"

    def __post_init__(self) -> None:
        if self.confirm not in CONFIRM_METHODS:
            raise ValueError(f"confirm is one of {CONFIRM_METHODS}, not {self.confirm!r}")


@dataclass(frozen=True)
class Timing:
    status_timeout_s: float = 1.0  # for each DLE EOT answer
    confirm_timeout_s: float = 30.0  # from the last byte sent to the confirmation answer
    poll_interval_s: float = 0.25  # DLE EOT 2 polls while waiting for the confirmation
    probe_timeout_s: float = 0.2  # for each DLE EOT answer while trying a serial rate (an answer takes < 1 ms)


def problem_of(status: PrinterStatus) -> PrinterError | None:
    """The typed error a status means, most specific first; None when the printer can print."""
    if status.cover_open:
        return CoverOpen("the printer cover is open")
    if status.paper_out:
        return PaperOut("the printer is out of paper")
    if status.overheat:
        return PrinterFault("the print head is too hot", reason="overheat")
    if status.cutter_error:
        return PrinterFault("the cutter is jammed", reason="cutter")
    if status.unrecoverable_error:
        return PrinterFault("the printer reports an unrecoverable error", reason="unrecoverable")
    if status.offline:
        return PrinterOffline("the printer is offline")
    return None


class EscPosPrinter:
    """Prints raster documents on an ESC/POS printer and knows, for each job, whether it really printed.

    Not thread-safe: one caller at a time (the runner's effect executor); answers are matched to the one query
    outstanding.
    """

    def __init__(
        self,
        transport: Transport,
        profile: PrinterProfile,
        *,
        timing: Timing = Timing(),
        near_end_max_lines: int = 2400,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.transport = transport
        self.profile = profile
        self.timing = timing
        self.near_end_max_lines = near_end_max_lines
        self.clock = clock
        self._parser = ResponseParser()
        self._pending: list[Response] = []
        self.last_unsolicited: PrinterStatus | None = None
        self.garbage_bytes = 0
        self.process_id: bytes | None = None  # the ID of the last confirmation asked for (process_id method)
        self.stale_answers = 0  # process-ID answers that named another job
        self.baud: int | None = None  # the serial rate in use (None: not a serial line)

    # -- status -------------------------------------------------------------------------------------------------

    def status(self) -> PrinterStatus:
        """Ask DLE EOT 1..4 (answered at once, even offline); PrinterTimeout when the printer is silent."""
        self._drain()
        answers = []
        for n in (1, 2, 3, 4):
            answers.append(self._realtime(n))
        return PrinterStatus.from_realtime(*answers)

    def answers(self, timeout_s: float) -> bool:
        """Whether the printer answers DLE EOT 1..4 correctly within `timeout_s` each: four status bytes with their
        fixed bits right and nothing else on the line (at a wrong serial rate it says nothing or garbage)."""
        self._drain()
        garbage = self.garbage_bytes
        try:
            for n in (1, 2, 3, 4):
                self._realtime(n, timeout_s)
        except PrinterTimeout:
            return False
        self._drain()
        return self.garbage_bytes == garbage

    def check_ready(self, raster_lines: int = 0) -> PrinterStatus:
        """The status, or the typed error that forbids starting a job of `raster_lines` rows now.

        A fault must be reported twice in a row: one stray byte on the line that looks like a status answer does not
        make the kiosk turn a citizen away.
        """
        status = self.status()
        if problem_of(status) is not None:
            status = self.status()
        problem = problem_of(status)
        if problem:
            raise problem
        if status.paper_near_end and raster_lines > self.near_end_max_lines:
            raise PaperNearEnd(
                f"paper near its end: a {raster_lines}-row document may not fit (limit {self.near_end_max_lines})"
            )
        return status

    # -- printing -----------------------------------------------------------------------------------------------

    def print_job(self, job: PrintJob, raster: Raster, progress: Progress | None = None) -> PrintJob:
        """Print `raster` (the rendered `job.document`: an image, or its strips top to bottom, drawn while the first
        bands go out) and return the job CONFIRMED.

        `progress(fraction)` is called as the bands go out (0..1 of the bytes, from when the whole document is
        drawn); the job counts as printed only when this returns, after the printer confirmed it. Raises a
        PrinterError whose `job` is the unchanged job when nothing was sent (refused: not ready, near end and too
        long), or the FAILED job when the printer may hold part of it (void it, reprint).
        """
        if job.state is not JobState.RENDERED:
            raise PrinterError(f"job {job.document_number} is {job.state.value}, not rendered", job=job)
        try:
            strips = self._ready_for(raster)
        except PrinterError as e:
            e.job = job
            raise
        sent = job.sent()
        try:
            self._send_and_confirm(strips, progress)
        except PrinterError as e:
            e.job = sent.failed(e.reason)
            log.warning("print job attempt %d failed: %s", job.attempt, e.reason)
            raise
        return sent.confirmed()

    def print_image(self, raster: Raster, progress: Progress | None = None) -> None:
        """Print an image that is not a tracked document (a test page): the same checks and confirmation."""
        self._send_and_confirm(self._ready_for(raster), progress)

    def cancel(self) -> None:
        """Clear the printer's buffers (real-time), so the rest of a failed job is not printed once paper is back."""
        self.transport.write(codec.CLEAR_BUFFERS, self.timing.status_timeout_s)

    def close(self) -> None:
        self.transport.close()

    # -- internals ----------------------------------------------------------------------------------------------

    def _ready_for(self, raster: Raster) -> Iterator[Image.Image]:
        """The strips to send, once the printer can take them. Near the paper's end the whole document is drawn
        first: its length decides whether it may start."""
        whole = isinstance(raster, Image.Image)
        strips = iter([raster] if isinstance(raster, Image.Image) else raster)
        status = self.check_ready()
        if status.paper_near_end:
            drawn = list(strips)
            self.check_ready(sum(strip.height for strip in drawn))
            strips = iter(drawn)
        checked = self._checked_widths(strips)
        first = next(checked, None)  # a wrong width is refused before anything is sent
        ahead = itertools.chain([] if first is None else [first], checked)
        return Whole(ahead) if whole else ahead

    def _checked_widths(self, strips: Iterator[Image.Image]) -> Iterator[Image.Image]:
        for strip in strips:
            if strip.width != self.profile.width_dots:
                raise PrinterError(f"image is {strip.width} dots wide, the paper {self.profile.width_dots}")
            yield strip

    def _send_and_confirm(self, strips: Iterator[Image.Image], progress: Progress | None) -> None:
        try:
            self._send(strips, progress or (lambda fraction: None))
            self.confirm()
        except PrinterError:
            self._abandon()
            raise

    def _send(self, strips: Iterator[Image.Image], progress: Progress) -> None:
        write_timeout_s = self.timing.confirm_timeout_s
        self.last_unsolicited = None  # what was reported before the status check is old news
        self.transport.write(codec.INIT + (codec.enable_asb() if self.profile.asb else b""), write_timeout_s)
        p = self.profile
        commands = codec.streamed_raster_commands(
            strips,
            p.band_rows,
            p.feed_blank_rows,
            trim_right=p.trim_right,
        )
        # a whole image is encoded at once (its progress counts from the first band); strips are drawn meanwhile
        drawing = Encoded(list(commands)) if isinstance(strips, Whole) else BandQueue(commands)
        done = 0
        for command in drawing:
            self.transport.write(command, write_timeout_s)
            done += len(command)
            if drawing.total_bytes:
                progress(done / drawing.total_bytes)
            self._check_unsolicited()
        progress(1.0)
        if self.profile.has_cutter:
            tail = codec.feed_dots(self.profile.cut_feed_dots) + codec.cut(partial=self.profile.partial_cut)
        else:
            tail = codec.feed_dots(self.profile.tear_feed_dots)
        self.transport.write(tail, write_timeout_s)

    def confirm(self) -> None:
        """Return once the printer has processed (printed) everything sent before: the profile's confirmation
        command answered. DLE EOT 2 is polled meanwhile, so a fault ends the wait at once (typed error); no answer
        within `confirm_timeout_s` is a PrinterTimeout."""
        self._drain()
        if self.profile.confirm == "process_id":
            self.process_id = codec.new_process_id(self.process_id)
            self._parser.expect_process_id(self.process_id)
            query, kind = codec.process_id_request(self.process_id), ResponseKind.PROCESS_ID
        else:
            query, kind = codec.PAPER_SENSOR_STATUS, ResponseKind.PAPER
        try:
            self._confirm(query, kind)
        finally:
            self._parser.expect_process_id(None)

    def _confirm(self, query: bytes, kind: ResponseKind) -> None:
        self.transport.write(query, self.timing.status_timeout_s)
        deadline = self.clock() + self.timing.confirm_timeout_s
        while True:
            wait_until = min(deadline, self.clock() + self.timing.poll_interval_s)
            if self._await(kind, wait_until) is not None:
                return
            if self.clock() >= deadline:
                raise PrinterTimeout(f"no confirmation within {self.timing.confirm_timeout_s} s")
            n2 = self._realtime(2)
            if n2 & STOPPED and self._realtime(2) & STOPPED:  # seen twice: not a stray byte
                status = PrinterStatus.from_realtime(self._realtime(1), n2, self._realtime(3), self._realtime(4))
                raise problem_of(status) or PrinterFault("the printer stopped", reason="unrecoverable")

    def _abandon(self) -> None:
        try:
            self.cancel()
        except PrinterError as e:
            log.warning("could not clear the printer's buffers: %s", e.reason)

    def _realtime(self, n: int, timeout_s: float | None = None) -> int:
        timeout_s = self.timing.status_timeout_s if timeout_s is None else timeout_s
        self.transport.write(codec.status_request(n), timeout_s)
        r = self._await(ResponseKind.REALTIME, self.clock() + timeout_s)
        if r is None:
            raise PrinterTimeout(f"no answer to DLE EOT {n} within {timeout_s} s")
        return r.data[0]

    def _await(self, kind: ResponseKind, deadline: float) -> Response | None:
        """The answer of `kind` to the one query outstanding. Noise that looks like an answer can only come before
        the real one, so of what has arrived by then the last such byte is taken and earlier ones are dropped."""
        while not any(r.kind is kind for r in self._pending):
            remaining = deadline - self.clock()
            if remaining <= 0:
                return None
            if not self._parser.in_answer:
                self._take(self.transport.read(remaining))
            elif data := self.transport.read(min(remaining, ANSWER_GAP_S)):
                self._take(data)
            else:
                self._sort(self._parser.flush())
        while data := self.transport.read(0):
            self._take(data)
        matches = [r for r in self._pending if r.kind is kind]
        self._pending = [r for r in self._pending if r.kind is not kind]
        return matches[-1]

    def _take(self, data: bytes) -> None:
        self._sort(self._parser.feed(data))

    def _sort(self, responses: list[Response]) -> None:
        for r in responses:
            if r.kind is ResponseKind.ASB:
                self.last_unsolicited = PrinterStatus.from_asb(r.data)
            elif r.kind is ResponseKind.GARBAGE:
                self.garbage_bytes += len(r.data)
            elif r.kind is ResponseKind.PROCESS_ID and r.data != self.process_id:
                self.stale_answers += 1  # an earlier job's answer, or noise framed like one: never this job's
                log.warning("ignored a process-ID answer that names another job")
            else:
                self._pending.append(r)

    def _drain(self) -> None:
        """Forget answers nobody waits for any more (late, or garbage that looked like one)."""
        while data := self.transport.read(0):
            self._take(data)
        self._pending.clear()

    def _check_unsolicited(self) -> None:
        """Between bands: act on an ASB that reports a fault without waiting for the confirmation."""
        while data := self.transport.read(0):
            self._take(data)
        if self.last_unsolicited is not None:
            problem = problem_of(self.last_unsolicited)
            self.last_unsolicited = None
            if problem is not None:
                raise problem


class Whole(Iterator[Image.Image]):
    """The strips of a raster that came as one image: drawn already, so its bands are encoded before sending."""

    def __init__(self, strips: Iterator[Image.Image]) -> None:
        self._strips = strips

    def __next__(self) -> Image.Image:
        return next(self._strips)


class Encoded(list[bytes]):
    """The commands of a document encoded before sending: the total is known from the start."""

    @property
    def total_bytes(self) -> int:
        return sum(len(c) for c in self)


class BandQueue:
    """The commands of a document drawn and encoded on a thread of their own, taken in order as they are ready:
    bands go out while later blocks are drawn. `total_bytes` is known (non-zero) once the last is drawn; an
    error while drawing comes out of the iteration, where the sending stops."""

    def __init__(self, commands: Iterator[bytes]) -> None:
        self.total_bytes = 0
        self._commands = commands
        self._ready: queue.Queue[bytes | BaseException | None] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._draw, name="printer-draw", daemon=True)
        self._thread.start()

    def _draw(self) -> None:
        total = 0
        try:
            for command in self._commands:
                if self._stop.is_set():
                    return
                total += len(command)
                self._ready.put(command)
        except BaseException as e:  # handed to the sender, which raises it
            self._ready.put(e)
            return
        self.total_bytes = total
        self._ready.put(None)

    def __iter__(self) -> Iterator[bytes]:
        try:
            while (item := self._ready.get()) is not None:
                if isinstance(item, PrinterError):
                    raise item
                if isinstance(item, BaseException):
                    raise PrinterError(f"the document could not be drawn: {item}", reason="render") from item
                yield item
        finally:
            self._stop.set()


def open_printer(
    url: str,
    *,
    baud: int,
    bauds: Sequence[int] = (),
    profile: PrinterProfile,
    timing: Timing = Timing(),
    near_end_max_lines: int = 2400,
) -> EscPosPrinter:
    """The driver on a freshly opened transport (`tcp://host:9100` or any pyserial URL); on a serial line at the
    fastest of `bauds` the printer answers at, else at the base rate `baud` (`negotiate_baud`)."""
    from kiosk.drivers.printer.transport import SerialTransport, open_transport

    printer = EscPosPrinter(
        open_transport(url, baud=baud), profile, timing=timing, near_end_max_lines=near_end_max_lines
    )
    if isinstance(printer.transport, SerialTransport):
        printer.baud = negotiate_baud(printer, printer.transport, bauds, baud)
    return printer


def negotiate_baud(printer: EscPosPrinter, line: SerialLine, bauds: Sequence[int], base: int) -> int:
    """Run `line` at the fastest of `bauds` (the profile's rates) at which the printer answers its status
    correctly, trying each in turn down to the base rate, and return it; the base rate when none answers (the
    status check that follows says why)."""
    for rate in sorted({*(b for b in bauds if b > base), base}, reverse=True):
        try:
            line.set_baud(rate)
        except PrinterError as e:  # this serial port cannot run at the rate: the next one
            log.info("printer line: %s", e)
            continue
        if printer.answers(printer.timing.probe_timeout_s):
            log.info("printer answers at %d baud", rate)
            return rate
        log.info("printer does not answer at %d baud", rate)
    line.set_baud(base)
    log.warning("printer answered at none of %s baud: the line stays at %d", sorted({*bauds, base}), base)
    return base
