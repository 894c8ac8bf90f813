# ruff: noqa: F821
"""Freezes the co-processor modules into an rp2 build (`make BOARD=RPI_PICO FROZEN_MANIFEST=<this file>`).

main.py is not frozen: copy it to the board's filesystem (`mpremote cp firmware/main.py :main.py`).
"""

include("$(PORT_DIR)/boards/manifest.py")
for name in ("wire", "board", "policy", "channel", "hw", "app"):
    module(name + ".py")
