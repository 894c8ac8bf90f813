"""The seal's QR in NumPy is the symbol qrcode makes, module for module: same version, mask and codewords."""

from __future__ import annotations

import random

import numpy as np
import pytest
import qrcode
import qrcode.constants

from kiosk.documents.qr import QrTooLarge, penalty, qr_matrix
from kiosk.documents.samples import SAMPLE_KINDS, sample

BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def qrcode_matrix(payload: str) -> np.ndarray:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=0, box_size=1)
    code.add_data(payload)
    code.make(fit=True)
    return np.array(code.get_matrix(), dtype=bool)


def payloads() -> list[str]:
    rng = random.Random(15)
    texts = [sample(kind).seal for kind in SAMPLE_KINDS]
    texts += ["TH1:" + "".join(rng.choice(BASE45) for _ in range(rng.randrange(1, 1500))) for _ in range(25)]
    texts += ["ตัวอย่าง" * rng.randrange(1, 15), "1234567890" * 30, "BK:B1A2B3C4D5", "a"]
    return texts


@pytest.mark.parametrize("payload", payloads(), ids=lambda p: f"{len(p)}-chars")
def test_the_symbol_is_qrcodes_module_for_module(payload: str) -> None:
    ours, theirs = qr_matrix(payload), qrcode_matrix(payload)
    assert ours.shape == theirs.shape and (ours == theirs).all()


def test_the_penalty_is_qrcodes_lost_point() -> None:
    import qrcode.util

    for payload in payloads()[:8]:
        symbol = qrcode_matrix(payload)
        assert penalty(symbol) == qrcode.util.lost_point(symbol.tolist())


def test_a_payload_past_version_40_is_refused() -> None:
    with pytest.raises(QrTooLarge):
        qr_matrix("TH1:" + "A" * 3000)
