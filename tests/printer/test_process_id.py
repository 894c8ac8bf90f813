"""Job confirmation: GS ( H fn 48 process IDs (golden bytes, parsing with noise inside) against GS r's one byte."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.documents import Renderer
from kiosk.documents.samples import sample
from kiosk.drivers.printer import JobState, PaperOut, PrinterTimeout, PrintJob, codec
from kiosk.drivers.printer.codec import PrinterStatus, Response, ResponseKind, ResponseParser
from kiosk.drivers.printer.escpos import PrinterProfile
from simulator.printer import Fault, PtyPort, SimulatedPrinter
from tests.printer.conftest import MakePrinter

GS_R_SHAPED_NOISE = b"\x00"  # bits 4 and 7 clear: what a GS r 1 answer looks like (paper present)


def kinds(responses: list[Response], kind: ResponseKind) -> list[bytes]:
    return [r.data for r in responses if r.kind is kind]


# ---- codec ---------------------------------------------------------------------------------------------------------


def test_process_id_golden_bytes() -> None:
    assert codec.process_id_request(b"P001") == bytes.fromhex("1d 28 48 06 00 30 30 50 30 30 31")
    assert codec.process_id_answer(b"P001") == bytes.fromhex("37 22 50 30 30 31 00")
    for bad in (b"P01", b"P0011", b"P\x0001", b"P\x7f01"):
        with pytest.raises(ValueError):
            codec.process_id_request(bad)


def test_new_process_ids_are_printable_random_and_never_the_previous() -> None:
    ids = [codec.new_process_id() for _ in range(200)]
    assert all(len(i) == 4 and all(0x30 <= b <= 0x7A for b in i) for i in ids)
    assert len(set(ids)) > 190  # 75^4 possibilities: repeats are rare
    previous = b"AAAA"
    assert all(codec.new_process_id(previous) != previous for _ in range(200))


def test_parser_reads_a_clean_answer_and_a_stale_one_whole() -> None:
    parser = ResponseParser()
    parser.expect_process_id(b"w1z9")
    out = parser.feed(codec.process_id_answer(b"OLD1") + codec.process_id_answer(b"w1z9") + b"\x12")
    assert [r.kind for r in out] == [ResponseKind.PROCESS_ID, ResponseKind.PROCESS_ID, ResponseKind.REALTIME]
    assert kinds(out, ResponseKind.PROCESS_ID) == [b"OLD1", b"w1z9"]  # the stale ID never turned into status bytes


def test_gs_r_shaped_noise_is_no_process_id_answer() -> None:
    parser = ResponseParser()
    parser.expect_process_id(b"w1z9")
    out = parser.feed(GS_R_SHAPED_NOISE * 3 + b"\x37\x22w1z")  # noise, and an answer broken off
    assert kinds(out, ResponseKind.PROCESS_ID) == []
    assert len(kinds(out, ResponseKind.PAPER)) == 3  # to GS r these would have been confirmations


NOISE = [
    b"\xff",
    b"\x90\xfe",
    PrinterStatus().asb_bytes(),  # 10 00 00 00: an unsolicited status block, NULs included
    PrinterStatus(paper_near_end=True).asb_bytes(),
    b"\x10",  # a broken ASB start
    b"\x12",  # what a status answer looks like
]


@pytest.mark.parametrize("noise", NOISE)
@pytest.mark.parametrize("offset", range(1, 7))
def test_noise_inside_the_answer_still_parses(noise: bytes, offset: int) -> None:
    answer = codec.process_id_answer(b"Kq7x")
    parser = ResponseParser()
    parser.expect_process_id(b"Kq7x")
    out = parser.feed(answer[:offset] + noise + answer[offset:])
    assert kinds(out, ResponseKind.PROCESS_ID) == [b"Kq7x"]
    if noise == PrinterStatus().asb_bytes():
        assert kinds(out, ResponseKind.ASB) == [noise]  # the status block inside is still reported


@settings(max_examples=200, deadline=None)
@given(
    process_id=st.binary(min_size=4, max_size=4).map(lambda b: bytes(0x30 + x % 75 for x in b)),
    noise=st.lists(st.sampled_from(NOISE), max_size=3),
    cuts=st.lists(st.integers(1, 6), min_size=3, max_size=3),
    before=st.binary(max_size=20).filter(lambda b: 0x37 not in b),
)
def test_answer_found_through_any_noise(process_id: bytes, noise: list[bytes], cuts: list[int], before: bytes) -> None:
    answer = codec.process_id_answer(process_id)
    stream, last = bytearray(before), 0
    for cut, junk in zip(sorted(cuts), noise, strict=False):
        stream += answer[last:cut] + junk
        last = cut
    stream += answer[last:]
    parser = ResponseParser()
    parser.expect_process_id(process_id)
    out = parser.feed(bytes(stream))
    assert process_id in kinds(out, ResponseKind.PROCESS_ID)


@settings(max_examples=300, deadline=None)
@given(noise=st.binary(max_size=64))
def test_random_noise_never_confirms_a_job(noise: bytes) -> None:
    parser = ResponseParser()
    parser.expect_process_id(b"Zz09")
    out = parser.feed(noise)
    assert b"Zz09" not in kinds(out, ResponseKind.PROCESS_ID)


def test_profile_refuses_an_unknown_method() -> None:
    assert PrinterProfile().confirm == "process_id"
    with pytest.raises(ValueError, match="confirm"):
        PrinterProfile(confirm="dle_eot")  # type: ignore[arg-type]


# ---- simulated printer -------------------------------------------------------------------------------------------


def test_simulator_answers_the_process_id_only_after_printing() -> None:
    sim = SimulatedPrinter(384)
    sent: list[bytes] = []
    sim.attach(sent.append)
    sim.pause()
    sim.receive(codec.INIT + codec.feed_dots(40) + codec.process_id_request(b"ab12"))
    assert sent == [] and sim.roll.rows_printed == 0
    sim.resume()
    assert sent == [codec.process_id_answer(b"ab12")]
    assert sim.roll.rows_printed == 40


def test_simulated_printer_without_gs_paren_h_takes_it_silently() -> None:
    sim = SimulatedPrinter(384, process_id=False)
    sent: list[bytes] = []
    sim.attach(sent.append)
    sim.receive(codec.process_id_request(b"ab12") + b"\x1d\x72\x01")
    assert sent == [b"\x00"]  # GS ( H skipped whole (no text from its bytes), GS r answered
    assert sim.stats.unknown_bytes == 0 and sim.roll.rows_printed == 0


# ---- the driver on the simulated printer over a real pty ---------------------------------------------------------


@pytest.fixture
def resume_later(sim: SimulatedPrinter) -> Iterator[threading.Event]:
    """The engine holds the data for 0.3 s; the event is set once it has been let go."""
    released = threading.Event()

    def release() -> None:
        released.set()
        sim.resume()

    sim.pause()
    timer = threading.Timer(0.3, release)
    timer.start()
    yield released
    timer.cancel()
    sim.resume()


def test_gs_r_shaped_noise_does_not_confirm_a_process_id_job(
    pty_url: str, sim: SimulatedPrinter, make_printer: MakePrinter, renderer: Renderer, resume_later: threading.Event
) -> None:
    sim.chatter = GS_R_SHAPED_NOISE  # before every answer, including each DLE EOT poll while the job waits
    doc = sample("ticket")
    job = make_printer(pty_url, confirm="process_id").print_job(PrintJob(doc), renderer.render(doc))
    assert job.state is JobState.CONFIRMED
    assert resume_later.is_set() and len(sim.documents()) == 1  # confirmed only once it was on paper


def test_gs_r_confirms_early_on_noise_shaped_like_its_answer(
    pty_url: str, sim: SimulatedPrinter, make_printer: MakePrinter, renderer: Renderer, resume_later: threading.Event
) -> None:
    """The limitation that makes `process_id` the default: GS r's answer is one unframed byte."""
    sim.chatter = GS_R_SHAPED_NOISE
    doc = sample("ticket")
    job = make_printer(pty_url, confirm="gs_r").print_job(PrintJob(doc), renderer.render(doc))
    assert job.state is JobState.CONFIRMED
    assert not resume_later.is_set() and sim.documents() == []  # "printed", and nothing is on paper yet


def test_a_stale_process_id_answer_is_ignored(
    pty_url: str, sim: SimulatedPrinter, make_printer: MakePrinter, renderer: Renderer
) -> None:
    printer = make_printer(pty_url)
    first = PrintJob(sample("ticket"))
    printer.print_job(first, renderer.render(first.document))
    earlier_id = printer.process_id
    assert earlier_id is not None

    sim.chatter = codec.process_id_answer(earlier_id)  # the earlier job's answer again, before every answer
    released = threading.Event()

    def release() -> None:
        released.set()
        sim.resume()

    sim.pause()
    timer = threading.Timer(0.3, release)
    timer.start()
    try:
        second = PrintJob(sample("receipt"))
        job = printer.print_job(second, renderer.render(second.document))
    finally:
        timer.join()
    assert job.state is JobState.CONFIRMED
    assert released.is_set() and len(sim.documents()) == 2
    assert printer.process_id != earlier_id and printer.stale_answers > 0


@pytest.mark.parametrize("offset", [1, 2, 4, 6])
def test_garbage_and_status_inside_the_answer_still_confirm(
    pty_url: str, sim: SimulatedPrinter, make_printer: MakePrinter, renderer: Renderer, offset: int
) -> None:
    sim.answer_noise = (offset, b"\xff" + sim.status.asb_bytes() + b"\x10\x90")
    sim.chatter = b"\x37\xfe"  # a stray header byte before every answer too
    doc = sample("ticket")
    printer = make_printer(pty_url)
    assert printer.print_job(PrintJob(doc), renderer.render(doc)).state is JobState.CONFIRMED
    assert printer.garbage_bytes > 0 and len(sim.documents()) == 1


@pytest.mark.parametrize("confirm", ["process_id", "gs_r"])
def test_paper_out_mid_job_fails_it_with_either_method(
    pty_url: str, sim: SimulatedPrinter, make_printer: MakePrinter, renderer: Renderer, confirm: str
) -> None:
    job = PrintJob(sample("tr14"))
    image = renderer.render(job.document)
    sim.fault_after(Fault.PAPER_OUT, 2 + 12 + 8000)
    with pytest.raises(PaperOut) as err:
        make_printer(pty_url, confirm=confirm).print_job(job, image)
    assert err.value.job is not None and err.value.job.state is JobState.FAILED
    assert 0 < sim.current_document().height < image.height


def test_paced_printer_paper_out_before_the_answer_fails_the_job(make_printer: MakePrinter, renderer: Renderer) -> None:
    sim = SimulatedPrinter(384, print_speed_mm_s=500.0)
    try:
        with PtyPort(sim) as port:
            job = PrintJob(sample("tr12"))
            image = renderer.render(job.document)
            sim.fault_after(Fault.PAPER_OUT, 9000)
            with pytest.raises(PaperOut) as err:
                make_printer(port.path).print_job(job, image)
            assert err.value.job is not None and err.value.job.state is JobState.FAILED
    finally:
        sim.close()


def test_printer_without_gs_paren_h_times_out_instead_of_confirming(
    make_printer: MakePrinter, renderer: Renderer
) -> None:
    """A profile that claims GS ( H on a printer without it fails safe (reprint), and `gs_r` works there."""
    from kiosk.drivers.printer.escpos import Timing

    sim = SimulatedPrinter(384, process_id=False)
    with PtyPort(sim) as port:
        timing = Timing(status_timeout_s=0.5, confirm_timeout_s=0.4, poll_interval_s=0.05)
        doc = sample("ticket")
        claiming = make_printer(port.path, timing=timing)
        with pytest.raises(PrinterTimeout) as err:
            claiming.print_job(PrintJob(doc), renderer.render(doc))
        assert err.value.job is not None and err.value.job.state is JobState.FAILED
        claiming.close()  # the port is opened exclusively: one printer driver on it at a time
        job = make_printer(port.path, confirm="gs_r").print_job(PrintJob(doc), renderer.render(doc))
        assert job.state is JobState.CONFIRMED


def test_config_confirm_method_reaches_the_profile(tmp_path: Path) -> None:
    from kiosk.config import load
    from kiosk.drivers.printer.commands import profile_of
    from kiosk.errors import KioskError

    path = tmp_path / "kiosk.toml"
    path.write_text('[printer]\nconfirm = "gs_r"\n')
    assert profile_of(load(path).printer).confirm == "gs_r"
    path.write_text("[printer]\nwidth_dots = 384\n")
    assert profile_of(load(path).printer).confirm == "process_id"  # the default
    path.write_text('[printer]\nconfirm = "dle_eot"\n')
    with pytest.raises(KioskError, match="confirm"):
        load(path)


def test_parser_flush_releases_a_stalled_answer_candidate() -> None:
    parser = ResponseParser()
    out = parser.feed(b"\x37\x22a\x32")  # a stray header, then a status answer that is printable (paper out, n=2)
    assert out == [] and parser.in_answer
    out = parser.flush()
    assert not parser.in_answer and kinds(out, ResponseKind.REALTIME) == [b"\x32"]


def test_a_stray_header_does_not_hold_a_status_answer_hostage(
    pty_url: str, sim: SimulatedPrinter, make_printer: MakePrinter, renderer: Renderer
) -> None:
    """Noise that starts like a process-ID answer, then the printable paper-out answer to DLE EOT 2: the driver
    gives the candidate up once the line is quiet and reports paper out, not a timeout."""
    sim.chatter = b"\x37\x22a"
    job = PrintJob(sample("tr14"))
    sim.fault_after(Fault.PAPER_OUT, 2 + 12 + 8000)
    with pytest.raises(PaperOut) as err:
        make_printer(pty_url).print_job(job, renderer.render(job.document))
    assert err.value.job is not None and err.value.job.state is JobState.FAILED
