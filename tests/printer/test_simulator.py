"""The simulated printer as a device: it decodes what a host sends (text, feeds, raster, cuts) and answers in order."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from kiosk.documents import Renderer
from kiosk.documents.samples import sample
from kiosk.drivers.printer import PrinterError, codec
from kiosk.drivers.printer.codec import PrinterStatus
from kiosk.drivers.printer.job import JobState, PrintJob
from simulator.printer import Fault, SimulatedPrinter
from tests.printer.conftest import MakePrinter


class Host:
    """Collects what the printer sends back."""

    def __init__(self, printer: SimulatedPrinter) -> None:
        self.received = bytearray()
        printer.attach(self.received.extend)


def ink_rows(image: Image.Image) -> int:
    return int((~np.asarray(image)).any(axis=1).sum())


def test_text_lines_feeds_and_cuts_make_documents() -> None:
    printer = SimulatedPrinter(384)
    printer.receive(codec.INIT + b"HELLO KIOSK\n" + b"\x1b\x61\x01" + b"second line\n")
    printer.receive(codec.feed_dots(40) + codec.cut())
    printer.receive(b"after the cut\n\x1bd\x02" + codec.cut(partial=False))
    first, second = printer.documents()
    assert first.height == 2 * 24 + 40
    assert ink_rows(first.crop((0, 0, 384, 24))) > 5 and ink_rows(first.crop((0, 48, 384, 88))) == 0
    assert second.height == 24 + 2 * 24
    assert printer.stats.cuts == 2 and printer.stats.unknown_bytes == 0


def test_raster_split_across_reads_is_reassembled() -> None:
    img = Image.new("1", (384, 50), 1)
    img.paste(0, (10, 10, 100, 40))
    data = b"".join(codec.raster_bands(img, 128)) + codec.cut()
    printer = SimulatedPrinter(384)
    for i in range(0, len(data), 7):  # as a serial line delivers it
        printer.receive(data[i : i + 7])
    (doc,) = printer.documents()
    assert (np.asarray(doc) == np.asarray(img)).all()


def test_realtime_status_is_immediate_but_gs_r_waits_for_printing() -> None:
    printer = SimulatedPrinter(384)
    host = Host(printer)
    printer.pause()
    printer.receive(b"text\n" + codec.PAPER_SENSOR_STATUS + codec.status_request(1))
    assert bytes(host.received) == b"\x12"  # DLE EOT answered, GS r still behind the text
    printer.resume()
    assert bytes(host.received) == b"\x12\x00"


def test_status_answers_follow_the_faults() -> None:
    printer = SimulatedPrinter(384)
    host = Host(printer)
    asks = b"".join(codec.status_request(n) for n in (1, 2, 3, 4))
    for act, expected in [
        (printer.set_near_end, "12 12 12 1e"),
        (printer.run_out_of_paper, "1a 32 12 7e"),
        (printer.load_paper, "12 12 12 12"),
        (printer.open_cover, "1a 16 12 12"),
    ]:
        act()
        host.received.clear()
        printer.receive(asks)
        assert host.received.hex(" ") == expected


def test_fault_mid_band_prints_the_rows_before_it_and_resumes_after() -> None:
    img = Image.new("1", (384, 100), 0)  # all black, one band
    band = next(codec.raster_bands(img, 128))
    printer = SimulatedPrinter(384)
    printer.fault_at(Fault.PAPER_OUT, 8 + 48 * 30 + 5)  # in row 31
    printer.receive(band)
    assert printer.status.paper_out and printer.current_document().height == 30
    printer.load_paper()
    assert printer.current_document().height == 100  # the rest followed once paper was back


def test_asb_when_enabled() -> None:
    printer = SimulatedPrinter(384)
    host = Host(printer)
    printer.receive(codec.enable_asb())
    printer.open_cover()
    assert PrinterStatus.from_asb(bytes(host.received[-4:])).cover_open


@pytest.mark.parametrize("seed", range(6))
def test_driver_survives_random_chatter(
    seed: int, pty_url: str, sim: SimulatedPrinter, make_printer: MakePrinter, renderer: Renderer
) -> None:
    """Whatever noise precedes the printer's answers, a job ends confirmed or with a typed error: never a hang."""
    rng = np.random.default_rng(seed)
    printer = make_printer(pty_url)
    sim.chatter = rng.integers(0, 256, int(rng.integers(1, 12)), dtype=np.uint8).tobytes()
    sim.inject(rng.integers(0, 256, 40, dtype=np.uint8).tobytes())
    doc = sample("ticket")
    try:
        job = printer.print_job(PrintJob(doc), renderer.render(doc))
    except PrinterError as e:
        assert e.job is not None and e.job.state in (JobState.RENDERED, JobState.FAILED)
    else:
        assert job.state is JobState.CONFIRMED
        assert len(sim.documents()) == 1


@pytest.mark.parametrize("seed", range(4))
def test_unmistakable_garbage_never_stops_a_job(
    seed: int, pty_url: str, sim: SimulatedPrinter, make_printer: MakePrinter, renderer: Renderer
) -> None:
    """Bytes with bit 7 set are never a status answer: with them on the line, every job still confirms."""
    rng = np.random.default_rng(100 + seed)
    printer = make_printer(pty_url)
    sim.chatter = rng.integers(0x80, 0x100, int(rng.integers(1, 12)), dtype=np.uint8).tobytes()
    sim.inject(rng.integers(0x80, 0x100, 40, dtype=np.uint8).tobytes())
    doc = sample("ticket")
    assert printer.print_job(PrintJob(doc), renderer.render(doc)).state is JobState.CONFIRMED
    assert printer.garbage_bytes >= 40
