"""kiosk: the software of a self-service terminal for Thai civil registration."""

__version__ = "0.1.0"
