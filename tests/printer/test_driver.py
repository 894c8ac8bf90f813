"""The real driver against the simulated printer over a real pty / TCP socket: printing, confirmation and faults."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from kiosk.documents import Renderer
from kiosk.documents.samples import sample
from kiosk.drivers.printer import (
    CoverOpen,
    JobState,
    PaperNearEnd,
    PaperOut,
    PrinterFault,
    PrinterLinkError,
    PrinterTimeout,
    PrintJob,
    codec,
)
from kiosk.drivers.printer.escpos import Timing
from kiosk.drivers.printer.transport import open_transport
from simulator.printer import Fault, SimulatedPrinter
from tests.printer.conftest import MakePrinter


def qr_texts(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image.convert("L"))]


def same_pixels(printed: Image.Image, rendered: Image.Image) -> bool:
    a = np.asarray(printed.convert("L"))[: rendered.height]
    return a.shape == (rendered.height, rendered.width) and bool((a == np.asarray(rendered.convert("L"))).all())


def test_document_prints_confirmed_and_its_qr_decodes(
    wire: str, sim: SimulatedPrinter, make_printer: MakePrinter, renderer: Renderer
) -> None:
    doc = sample("tr14")
    image = renderer.render(doc)
    printer = make_printer(wire)
    seen: list[float] = []
    job = printer.print_job(PrintJob(doc), image, progress=seen.append)
    assert job.state is JobState.CONFIRMED
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 5
    (printed,) = sim.documents()
    assert same_pixels(printed, image)
    assert printed.height == image.height + printer.profile.cut_feed_dots
    assert qr_texts(printed) == [doc.seal]
    assert 0 < sim.stats.max_band_rows <= printer.profile.band_rows
    assert sim.stats.bytes_received < 0.8 * image.height * image.width // 8  # blank runs went as feeds


def test_without_cutter_only_feeds(
    pty_url: str, sim: SimulatedPrinter, make_printer: MakePrinter, renderer: Renderer
) -> None:
    doc = sample("ticket")
    make_printer(pty_url, has_cutter=False).print_job(PrintJob(doc), renderer.render(doc))
    assert sim.stats.cuts == 0 and sim.documents() == []
    assert qr_texts(sim.current_document()) == [doc.seal]


def test_confirmation_waits_until_the_printer_has_printed(
    pty_url: str, sim: SimulatedPrinter, make_printer: MakePrinter, renderer: Renderer
) -> None:
    doc = sample("receipt")
    sim.pause()  # the engine holds the data; real-time status is still answered
    printing = threading.Timer(0.3, sim.resume)
    printing.start()
    job = make_printer(pty_url).print_job(PrintJob(doc), renderer.render(doc))
    printing.join()
    assert job.state is JobState.CONFIRMED
    assert len(sim.documents()) == 1
    assert sim.stats.realtime_queries > 4  # it polled while waiting


def test_never_confirmed_is_a_timeout_and_a_failed_job(
    pty_url: str, sim: SimulatedPrinter, make_printer: MakePrinter, renderer: Renderer
) -> None:
    sim.pause()
    doc = sample("ticket")
    printer = make_printer(pty_url, timing=Timing(status_timeout_s=0.5, confirm_timeout_s=0.5, poll_interval_s=0.05))
    with pytest.raises(PrinterTimeout) as err:
        printer.print_job(PrintJob(doc), renderer.render(doc))
    assert err.value.job is not None and err.value.job.state is JobState.FAILED
    printer.status()  # a round trip: everything the driver sent before has reached the printer
    assert sim.queued_commands == 0  # the driver cleared the buffers: the copy never comes out later
    sim.resume()
    assert sim.documents() == [] and sim.roll.rows_printed == 0


@pytest.mark.parametrize(
    ("make_fault", "error", "reason"),
    [
        (SimulatedPrinter.run_out_of_paper, PaperOut, "paper_out"),
        (SimulatedPrinter.open_cover, CoverOpen, "cover_open"),
        (SimulatedPrinter.set_overheat, PrinterFault, "overheat"),
    ],
)
def test_fault_before_the_job_refuses_it_untouched(
    wire: str,
    sim: SimulatedPrinter,
    make_printer: MakePrinter,
    renderer: Renderer,
    make_fault: object,
    error: type[Exception],
    reason: str,
) -> None:
    make_fault(sim)  # type: ignore[operator]
    job = PrintJob(sample("tr12"))
    with pytest.raises(error) as err:
        make_printer(wire).print_job(job, renderer.render(job.document))
    assert err.value.reason == reason  # type: ignore[attr-defined]
    assert err.value.job == job  # type: ignore[attr-defined]  # unchanged: nothing was sent, no reprint needed
    assert sim.roll.rows_printed == 0 and sim.stats.raster_bands == 0


@pytest.mark.parametrize(("fault", "error"), [(Fault.PAPER_OUT, PaperOut), (Fault.COVER_OPEN, CoverOpen)])
def test_fault_mid_job_fails_voids_and_reprints_marked(
    wire: str,
    sim: SimulatedPrinter,
    make_printer: MakePrinter,
    renderer: Renderer,
    fault: Fault,
    error: type[Exception],
) -> None:
    printer = make_printer(wire)
    job = PrintJob(sample("tr14"))
    image = renderer.render(job.document)
    sim.fault_after(fault, 2 + 12 + 8000)  # status queries, ESC @, then part-way through the raster
    with pytest.raises(error) as err:
        printer.print_job(job, image)
    failed = err.value.job  # type: ignore[attr-defined]
    assert failed.state is JobState.FAILED and failed.failure == fault.value

    partial = sim.current_document()
    assert 0 < partial.height < image.height  # a visibly incomplete copy ...
    assert qr_texts(partial) == []  # ... without the seal, which comes last

    printer.status()  # a round trip: the buffer clear the driver sent has reached the printer
    sim.load_paper() if fault is Fault.PAPER_OUT else sim.close_cover()
    assert sim.current_document().height == partial.height  # the cleared remainder is never printed

    again = failed.void().reprint()
    assert again.document.reprint and again.document_number == job.document_number
    reprint_image = renderer.render(again.document)
    assert not same_pixels(reprint_image, image)  # the reprint banner
    done = printer.print_job(again, reprint_image)
    assert done.state is JobState.CONFIRMED and done.attempt == 2
    printed = sim.documents()[-1]
    assert same_pixels(
        printed.crop((0, printed.height - reprint_image.height - 96, 384, printed.height - 96)), reprint_image
    )
    assert qr_texts(printed) == [job.document.seal]


def test_garbage_and_unsolicited_status_are_tolerated(
    wire: str, sim: SimulatedPrinter, make_printer: MakePrinter, renderer: Renderer
) -> None:
    sim.inject(b"\xff\xfe boot v1.2\r\n\x10")  # a boot banner and a stray byte before anything was asked
    sim.chatter = b"\x90\xff" + sim.status.asb_bytes() + b"\x10"  # noise and an ASB before every answer
    doc = sample("receipt")
    printer = make_printer(wire)
    job = printer.print_job(PrintJob(doc), renderer.render(doc))
    assert job.state is JobState.CONFIRMED
    assert printer.garbage_bytes > 0
    assert qr_texts(sim.documents()[0]) == [doc.seal]


def test_unsolicited_paper_out_mid_job_stops_sending(
    pty_url: str, sim: SimulatedPrinter, make_printer: MakePrinter, renderer: Renderer
) -> None:
    printer = make_printer(pty_url, asb=True)
    sim.fault_after(Fault.PAPER_OUT, 12 + 5 + 3000)
    doc = sample("tr12")
    image = renderer.render(doc)
    with pytest.raises(PaperOut):
        printer.print_job(PrintJob(doc), image)
    # it stopped sending once the unsolicited status arrived instead of sending the whole document into the void;
    # how many bands were already on the line by then depends on thread scheduling, so only the whole is bounded
    profile = printer.profile
    bands = codec.raster_commands(image, profile.band_rows, profile.feed_blank_rows, trim_right=profile.trim_right)
    whole = sum(len(c) for c in bands)
    assert sim.stats.bytes_received < whole


def test_silent_printer_is_a_timeout(pty_url: str, sim: SimulatedPrinter, make_printer: MakePrinter) -> None:
    sim.set_silent()
    with pytest.raises(PrinterTimeout):
        make_printer(pty_url).status()


def test_printer_going_silent_mid_job(
    wire: str, sim: SimulatedPrinter, make_printer: MakePrinter, renderer: Renderer
) -> None:
    sim.silent_after(2 + 12 + 5000)
    job = PrintJob(sample("tr14"))
    with pytest.raises(PrinterTimeout) as err:
        make_printer(wire).print_job(job, renderer.render(job.document))
    assert err.value.job is not None and err.value.job.state is JobState.FAILED


def test_near_end_refuses_a_long_document_but_prints_a_short_one(
    wire: str, sim: SimulatedPrinter, make_printer: MakePrinter, renderer: Renderer
) -> None:
    sim.set_near_end()
    printer = make_printer(wire, near_end_max_lines=1200)
    long_job = PrintJob(sample("tr14"))
    with pytest.raises(PaperNearEnd) as err:
        printer.print_job(long_job, renderer.render(long_job.document))
    assert err.value.job == long_job and sim.stats.raster_bands == 0
    short = PrintJob(sample("ticket"))
    assert printer.print_job(short, renderer.render(short.document)).state is JobState.CONFIRMED


def test_wrong_width_or_state_is_refused(pty_url: str, make_printer: MakePrinter, renderer_80mm: Renderer) -> None:
    printer = make_printer(pty_url)
    job = PrintJob(sample("ticket"))
    with pytest.raises(Exception, match="576 dots wide"):
        printer.print_job(job, renderer_80mm.render(job.document))


def test_unreachable_printer_is_a_link_error() -> None:
    with pytest.raises(PrinterLinkError):
        open_transport("tcp://127.0.0.1:1", baud=115200)
    with pytest.raises(PrinterLinkError):
        open_transport("/dev/does-not-exist", baud=115200)


@pytest.mark.parametrize("transport", ["pty", "tcp"])
def test_printer_holding_the_line_is_a_timeout_not_a_hang(
    transport: str, make_printer: MakePrinter, renderer: Renderer
) -> None:
    """A busy printer with a full buffer stops taking bytes (flow control): the write deadline ends the job."""
    from simulator.printer import PtyPort, TcpPort

    sim = SimulatedPrinter(384, buffer_bytes=4096)
    sim.pause()
    port: PtyPort | TcpPort = PtyPort(sim) if transport == "pty" else TcpPort(sim)
    url = port.start()
    try:
        timing = Timing(status_timeout_s=0.3, confirm_timeout_s=0.5, poll_interval_s=0.05)
        job = PrintJob(sample("tr12"))
        image = renderer.render(job.document)
        with pytest.raises(PrinterTimeout) as err:
            make_printer(url, timing=timing).print_job(job, image)
        assert err.value.job is not None and err.value.job.state is JobState.FAILED
        assert sim.buffered_bytes() <= 4096
    finally:
        port.stop()


def test_paced_printer_confirms_only_once_the_paper_has_moved(make_printer: MakePrinter, renderer: Renderer) -> None:
    """A printer at a real print speed: the driver keeps polling until GS r comes after the last row."""
    from simulator.printer import PtyPort

    sim = SimulatedPrinter(384, print_speed_mm_s=500.0)  # a 121 mm ticket takes about a quarter of a second
    try:
        with PtyPort(sim) as port:
            doc = sample("ticket")
            job = make_printer(port.path).print_job(PrintJob(doc), renderer.render(doc))
            assert job.state is JobState.CONFIRMED
            assert len(sim.documents()) == 1 and sim.queued_commands == 0
            assert sim.stats.realtime_queries > 4  # it polled DLE EOT while the paper moved
    finally:
        sim.close()


def test_paced_printer_runs_out_of_paper_mid_document(make_printer: MakePrinter, renderer: Renderer) -> None:
    from simulator.printer import PtyPort

    sim = SimulatedPrinter(384, print_speed_mm_s=500.0)
    try:
        with PtyPort(sim) as port:
            sim.fault_after(Fault.PAPER_OUT, 9000)
            job = PrintJob(sample("tr14"))
            with pytest.raises(PaperOut) as err:
                make_printer(port.path).print_job(job, renderer.render(job.document))
            assert err.value.job is not None and err.value.job.state is JobState.FAILED
            assert 0 < sim.current_document().height < renderer.render(job.document).height
    finally:
        sim.close()


def test_usb_printer_class_device_transport(
    pty_url: str, sim: SimulatedPrinter, make_printer: MakePrinter, renderer: Renderer
) -> None:
    """The /dev/usb/lpN transport (a plain character device) driven here on the simulator's pty node."""
    doc = sample("receipt", "en")
    job = make_printer("usblp://" + pty_url).print_job(PrintJob(doc), renderer.render(doc))
    assert job.state is JobState.CONFIRMED
    assert qr_texts(sim.documents()[0]) == [doc.seal]
    with pytest.raises(PrinterLinkError):
        open_transport("/dev/usb/lp99", baud=0)
