"""A fake `neopixel` for the unix port: each write() reports every pixel on the fake machine's control channel."""

import machine


class NeoPixel:
    def __init__(self, pin, n, bpp=3, timing=1):
        self.pin = pin
        self.n = n
        self.bpp = bpp
        self.buf = bytearray(n * bpp)

    def __len__(self):
        return self.n

    def __setitem__(self, i, v):
        for k in range(self.bpp):
            self.buf[i * self.bpp + k] = v[k]

    def __getitem__(self, i):
        at = i * self.bpp
        return tuple(self.buf[at : at + self.bpp])

    def fill(self, v):
        for i in range(self.n):
            self[i] = v

    def write(self):
        machine._emit(f"np {self.pin.id} {self.buf.hex()}")
