"""Bands go out while later blocks are drawn: the same bytes on the wire as the whole document, and a failure
mid-stream is still a typed error with the printer left clean for the next job."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image

from kiosk.documents import Renderer
from kiosk.documents.samples import SAMPLE_KINDS, sample
from kiosk.drivers.printer import JobState, PaperOut, PrinterError, PrinterLinkError, PrinterTimeout, PrintJob, codec
from kiosk.drivers.printer.escpos import EscPosPrinter, PrinterProfile
from kiosk.drivers.printer.transport import Transport, open_transport
from simulator.printer import Fault, PtyPort, SimulatedPrinter
from tests.printer.conftest import FAST


class Recording:
    """A real transport that also keeps what the driver wrote, for comparing wires."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.written = bytearray()

    def write(self, data: bytes, timeout_s: float) -> None:
        self.written += data
        self.inner.write(data, timeout_s)

    def read(self, timeout_s: float) -> bytes:
        return self.inner.read(timeout_s)

    def close(self) -> None:
        self.inner.close()


def document_bytes(written: bytes, profile: PrinterProfile) -> bytes:
    """From ESC @ to the cut: the document as the printer receives it (status polls and confirmation outside)."""
    cut = codec.feed_dots(profile.cut_feed_dots) + codec.cut(partial=profile.partial_cut)
    start = written.index(codec.INIT)
    return written[start : written.index(cut, start) + len(cut)]


def wire_of(width: int, raster: Image.Image | Iterator[Image.Image], doc_kind: str) -> bytes:
    sim = SimulatedPrinter(width_dots=width)
    with PtyPort(sim) as port:
        transport = Recording(open_transport(port.path, baud=115200))
        printer = EscPosPrinter(transport, PrinterProfile(width_dots=width), timing=FAST)
        try:
            job = printer.print_job(PrintJob(sample(doc_kind)), raster)
        finally:
            printer.close()
    assert job.state is JobState.CONFIRMED
    return document_bytes(bytes(transport.written), printer.profile)


@pytest.mark.parametrize("width", [384, 576])
@pytest.mark.parametrize("kind", SAMPLE_KINDS)
def test_streamed_bands_are_the_bytes_of_the_whole_document(kind: str, width: int) -> None:
    renderer = Renderer(width)
    doc = sample(kind)
    p = PrinterProfile(width_dots=width)
    whole = renderer.render(doc)
    expected = codec.INIT + b"".join(
        codec.raster_commands(whole, p.band_rows, p.feed_blank_rows, trim_right=p.trim_right)
    )
    streamed = wire_of(width, renderer.strips(doc), kind)
    assert streamed.startswith(expected) and len(streamed) - len(expected) == len(codec.feed_dots(p.cut_feed_dots)) + 3
    assert streamed == wire_of(width, whole, kind)
    assert len(list(renderer.strips(doc))) > 3  # it really comes in pieces


def test_any_cut_into_strips_gives_the_same_commands(renderer: Renderer) -> None:
    """Strips that end inside a blank run or a band: the encoder waits for the rows that decide."""
    image = renderer.render(sample("tr12"))
    p = PrinterProfile()
    batch = list(codec.raster_commands(image, p.band_rows, p.feed_blank_rows, trim_right=True))
    rng = np.random.default_rng(15)
    for _ in range(5):
        cuts = sorted({int(c) for c in rng.integers(1, image.height, 40)})
        strips = [image.crop((0, a, image.width, b)) for a, b in zip([0, *cuts], [*cuts, image.height], strict=True)]
        assert list(codec.streamed_raster_commands(strips, p.band_rows, p.feed_blank_rows, trim_right=True)) == batch


def test_paper_out_mid_stream_is_paper_out_and_the_next_job_prints_clean(renderer: Renderer) -> None:
    sim = SimulatedPrinter(width_dots=384)
    with PtyPort(sim) as port:
        printer = EscPosPrinter(open_transport(port.path, baud=115200), PrinterProfile(), timing=FAST)
        sim.fault_after(Fault.PAPER_OUT, 3000)
        job = PrintJob(sample("tr14"))
        with pytest.raises(PaperOut) as err:
            printer.print_job(job, renderer.strips(job.document))
        assert err.value.job is not None and err.value.job.state is JobState.FAILED
        sim.load_paper()
        assert sim.wait_idle(5.0)
        before = len(sim.documents())
        again = err.value.job.void().reprint()
        assert printer.print_job(again, renderer.strips(again.document)).state is JobState.CONFIRMED
        printed = sim.documents()[before:]
        assert len(printed) == 1 and printed[0].height >= renderer.render(again.document).height
        printer.close()


def test_cable_pulled_mid_stream_is_a_typed_error_not_a_hang(renderer: Renderer) -> None:
    sim = SimulatedPrinter(width_dots=384, buffer_bytes=4096)
    port = PtyPort(sim)
    printer = EscPosPrinter(open_transport(port.start(), baud=115200), PrinterProfile(), timing=FAST)
    sim.pause()  # the first bands fill the printer's buffer; then the cable goes
    job = PrintJob(sample("tr14"))

    def pulled_after_two() -> Iterator[Image.Image]:
        for n, strip in enumerate(renderer.strips(job.document)):
            if n == 2:
                port.stop()
            yield strip

    with pytest.raises((PrinterLinkError, PrinterTimeout)) as err:
        printer.print_job(job, pulled_after_two())
    assert err.value.job is not None and err.value.job.state is JobState.FAILED
    printer.close()


def test_a_block_that_cannot_be_drawn_mid_stream_fails_the_job_typed(renderer: Renderer) -> None:
    sim = SimulatedPrinter(width_dots=384)
    job = PrintJob(sample("tr14"))

    def breaking() -> Iterator[Image.Image]:
        strips = renderer.strips(job.document)
        yield next(strips)
        yield next(strips)
        raise ValueError("a block the renderer cannot draw")

    with PtyPort(sim) as port:
        printer = EscPosPrinter(open_transport(port.path, baud=115200), PrinterProfile(), timing=FAST)
        with pytest.raises(PrinterError) as err:
            printer.print_job(job, breaking())
        assert err.value.reason == "render" and err.value.job is not None
        assert err.value.job.state is JobState.FAILED  # its first bands may be on paper: void it
        ticket = PrintJob(sample("ticket"))
        assert printer.print_job(ticket, renderer.strips(ticket.document)).state is JobState.CONFIRMED
        printer.close()
