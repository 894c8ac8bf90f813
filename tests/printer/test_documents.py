"""Documents: the model's guarantees, layouts (seal last, reprint marking), QR geometry, and golden renderings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from kiosk.documents import EnrolmentReceipt, Renderer, SealTooLarge, TextLayoutUnavailable, render
from kiosk.documents.blocks import Banner, Field, Flow, Seal, fields
from kiosk.documents.layout import DASH, layout
from kiosk.documents.renderer import QR_QUIET_MODULES, qr_matrix
from kiosk.documents.samples import SAMPLE_KINDS, enrolment_receipt, house_register_entry, sample

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
UPDATE = os.environ.get("KIOSK_UPDATE_GOLDEN") == "1"

GOLDEN_CASES = [(kind, lang, 384, False) for kind in SAMPLE_KINDS for lang in ("th", "en")] + [
    ("tr14", "th", 384, True),
    ("tr14", "th", 576, False),
    ("ticket", "en", 576, True),
]


def golden_name(kind: str, lang: str, width: int, reprint: bool) -> str:
    return f"{kind}_{lang}_{width}{'_reprint' if reprint else ''}.png"


@pytest.mark.parametrize(("kind", "lang", "width", "reprint"), GOLDEN_CASES)
def test_renders_exactly_as_the_reviewed_golden(
    kind: str, lang: str, width: int, reprint: bool, tmp_path: Path
) -> None:
    image = render(sample(kind, lang, reprint=reprint), width)  # type: ignore[arg-type]
    path = GOLDEN / golden_name(kind, lang, width, reprint)
    if UPDATE:
        image.save(path, optimize=True)
    if not path.exists():
        pytest.fail(f"no golden {path}: review a rendering and commit it (KIOSK_UPDATE_GOLDEN=1)")
    golden = Image.open(path)
    actual = tmp_path / path.name
    image.save(actual)
    assert image.mode == "1" and image.width == width
    assert golden.size == image.size, f"size {image.size} != golden {golden.size}; see {actual}"
    diff = int((np.asarray(golden.convert("1")) != np.asarray(image)).sum())
    assert diff == 0, f"{diff} pixels differ from {path.name}; see {actual}"


@pytest.mark.parametrize("kind", SAMPLE_KINDS)
@pytest.mark.parametrize("lang", ["th", "en"])
def test_seal_is_last_and_decodes(kind: str, lang: str, renderer: Renderer) -> None:
    doc = sample(kind, lang)  # type: ignore[arg-type]
    blocks = layout(doc)
    assert isinstance(blocks[-1], Seal) and blocks[-1].payload == doc.seal
    image = renderer.render(doc)
    results = zxingcpp.read_barcodes(image.convert("L"))
    assert [r.text for r in results] == [doc.seal]
    assert results[0].ec_level == "Q"
    # nothing but the QR's quiet zone and margin below it: the seal is the last thing on the paper
    qr_bottom = max(r.position.bottom_left.y for r in results)
    ink_rows = np.where(~np.asarray(image).all(axis=1))[0]
    assert ink_rows[-1] <= qr_bottom + 2


def test_qr_modules_are_whole_squares_with_a_quiet_zone(renderer: Renderer) -> None:
    doc = sample("tr14")
    matrix = qr_matrix(doc.seal)
    module = renderer.qr_module_dots(matrix.shape[0])
    dots = ~np.asarray(renderer.render(doc))  # True = black
    side = matrix.shape[0] * module
    # find the symbol: the last rows with ink are its bottom edge
    bottom = np.where(dots.any(axis=1))[0][-1] + 1
    quiet = QR_QUIET_MODULES * module
    left = renderer.scale.margin_dots + quiet  # at the left: a raster row's bytes end at its last dot
    symbol = dots[bottom - side : bottom, left : left + side]
    expected = np.kron(matrix, np.ones((module, module), dtype=bool))
    assert (symbol == expected).all()
    assert not dots[bottom - side - quiet : bottom - side, left - quiet : left + side + quiet].any()
    assert not dots[bottom - side : bottom, left - quiet : left].any()


def test_a_seal_too_large_for_the_paper_is_refused(renderer: Renderer) -> None:
    doc = dataclasses.replace(sample("ticket"), seal="HC1:" + "A" * 3000)
    with pytest.raises(SealTooLarge):
        renderer.render(doc)


def test_reprint_is_marked_top_and_above_the_seal_with_the_same_number() -> None:
    for lang, text in (("th", "พิมพ์ซ้ำ"), ("en", "REPRINT")):
        original = sample("receipt", lang)  # type: ignore[arg-type]
        again = original.as_reprint()
        assert again.document_number == original.document_number and again.seal == original.seal
        banners = [b for b in layout(again) if isinstance(b, Banner)]
        assert [b.text for b in banners] == [text, text]
        assert not [b for b in layout(original) if isinstance(b, Banner)]


def test_missing_raqm_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("PIL.features.check", lambda name: False)
    with pytest.raises(TextLayoutUnavailable, match="libfribidi0"):
        Renderer(384)


def test_receipts_refuse_a_full_citizen_id_and_documents_a_naive_time() -> None:
    receipt = enrolment_receipt()
    with pytest.raises(ValueError, match="masked"):
        dataclasses.replace(receipt, citizen_id_masked="1-1017-00203-45-0")
    with pytest.raises(ValueError, match="aware"):
        dataclasses.replace(receipt, issued_at=dt.datetime(2026, 11, 22, 14, 5))
    with pytest.raises(ValueError, match="citizen ID"):
        dataclasses.replace(house_register_entry(), citizen_id="1101700203451")  # wrong check digit
    assert isinstance(receipt, EnrolmentReceipt)


def test_full_id_on_extracts_masked_on_receipts(renderer: Renderer) -> None:
    def values(kind: str) -> list[str]:
        return [f.value for f in fields(layout(sample(kind)))]

    assert "1-1017-00203-45-0" in values("tr14")
    assert "1-1017-00203-45-0" in values("tr12")
    assert not any("00203" in v for v in values("receipt") + values("ticket"))


def test_png_preview_is_the_printed_raster(renderer: Renderer) -> None:
    import io

    doc = sample("ticket")
    png = renderer.render_png(doc)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert (np.asarray(Image.open(io.BytesIO(png))) == np.asarray(renderer.render(doc))).all()


def test_unknown_values_print_as_a_dash(renderer: Renderer) -> None:
    """The registry may not know the parents: the field shows '–', never an invented or dangling value, and a
    parent's nationality is not printed without their name."""
    doc = dataclasses.replace(house_register_entry(), mother_name="", father_name="", moved_in_on=None)
    values = [(f.label, f.value) for f in fields(layout(doc))]
    mother = values.index(("มารดา", ""))
    assert values[mother + 1] == ("สัญชาติ", "")  # not "ไทย" for an unknown mother
    assert ("บิดา", "") in values and ("วันเดือนปีที่ย้ายเข้า", DASH) in values
    for block in (Field("มารดา", ""), Flow((Field("มารดา", ""),))):
        blank = renderer.render_blocks([block])
        dash = renderer.render_blocks(
            [dataclasses.replace(block, value=DASH) if isinstance(block, Field) else Flow((Field("มารดา", DASH),))]
        )
        assert (np.asarray(blank) == np.asarray(dash)).all()
        assert (~np.asarray(blank)).any()
