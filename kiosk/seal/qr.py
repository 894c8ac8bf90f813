"""A seal as a QR code (error correction Q, as the EU DCC prints it) and back from a photo or scan of the paper."""

from __future__ import annotations

from pathlib import Path

import qrcode
import qrcode.constants
from PIL import Image, ImageOps, UnidentifiedImageError

from kiosk.seal.seal import PREFIX

MAX_IMAGE_PIXELS = 40_000_000  # a 48 MP phone photo downscaled, or an A4 scan at 600 dpi (35 MP); beyond: refused


class QrReadError(ValueError):
    """No seal QR code could be read from the image."""


def qr_image(text: str, box_px: int = 4, border_modules: int = 4) -> Image.Image:
    """A 1-bit image of `text` as a QR code; Base45 seal text fits the alphanumeric mode."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, box_size=box_px, border=border_modules)
    code.add_data(text)
    code.make(fit=True)
    image: Image.Image = code.make_image(fill_color="black", back_color="white").get_image()
    return image.convert("1")


def read_seal_text(path: Path) -> str:
    """The seal text from a photo or scan: the first QR code whose text starts with the seal prefix."""
    import zxingcpp

    try:
        with Image.open(path) as raw:
            width, height = raw.size  # from the header, before any pixel is decoded
            if width * height > MAX_IMAGE_PIXELS:
                raise QrReadError(f"{path}: {width}x{height} pixels is more than {MAX_IMAGE_PIXELS} allowed")
            image = ImageOps.exif_transpose(raw).convert("L")
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as e:
        raise QrReadError(f"{path}: not a readable image: {e}") from None
    texts = [r.text for r in zxingcpp.read_barcodes(image)]
    seal_texts = [t for t in texts if t.startswith(PREFIX)]
    if not seal_texts:
        raise QrReadError(f"{path}: no seal QR code found" + (f" ({len(texts)} other codes)" if texts else ""))
    return seal_texts[0]
