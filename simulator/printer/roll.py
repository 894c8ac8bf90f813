"""The simulated paper roll: dot rows as the print head burns them, cut into documents, viewable as images."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

TEXT_LINE_DOTS = 24  # font A of most ESC/POS printers is 12 x 24 dots
TEXT_SCALE = 2


class PaperRoll:
    """Not thread-safe by itself: the simulated printer holds its lock around every call."""

    def __init__(self, width_dots: int) -> None:
        self.width_dots = width_dots
        self._strips: list[NDArray[np.bool_]] = []  # the current, uncut document
        self._documents: list[NDArray[np.bool_]] = []
        self._font = ImageFont.load_default_imagefont()
        self.rows_printed = 0

    def burn(self, dots: NDArray[np.bool_]) -> None:
        """Rows of dots (True = black) of any width: cropped or padded to the paper's width."""
        rows, width = dots.shape
        strip = np.zeros((rows, self.width_dots), dtype=bool)
        w = min(width, self.width_dots)
        strip[:, :w] = dots[:, :w]
        self._strips.append(strip)
        self.rows_printed += rows

    def feed(self, dots: int) -> None:
        if dots > 0:
            self.burn(np.zeros((dots, self.width_dots), dtype=bool))

    def text_line(self, text: str) -> None:
        """A line of text in the printer's built-in font (here: Pillow's bitmap font, doubled)."""
        small = Image.new("1", (self.width_dots // TEXT_SCALE, TEXT_LINE_DOTS // TEXT_SCALE), 1)
        ImageDraw.Draw(small).text((0, 0), text, font=self._font, fill=0)
        big = small.resize((self.width_dots, TEXT_LINE_DOTS), Image.Resampling.NEAREST)
        self.burn(~np.asarray(big, dtype=bool))

    def cut(self) -> None:
        """The current document leaves the printer (an empty cut — nothing printed since the last — is ignored)."""
        if self._strips:
            self._documents.append(np.vstack(self._strips))
            self._strips = []

    def documents(self) -> list[Image.Image]:
        return [_image(d) for d in self._documents]

    def current(self) -> Image.Image:
        """What has printed since the last cut."""
        if not self._strips:
            return Image.new("1", (self.width_dots, 0), 1)
        return _image(np.vstack(self._strips))

    def image(self) -> Image.Image:
        """The whole roll: every cut document then the uncut part, top to bottom."""
        parts = [*self._documents, *self._strips]
        if not parts:
            return Image.new("1", (self.width_dots, 0), 1)
        return _image(np.vstack(parts))


def _image(dots: NDArray[np.bool_]) -> Image.Image:
    return Image.fromarray(np.where(dots, 0, 255).astype(np.uint8), mode="L").convert("1")
