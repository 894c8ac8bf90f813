"""The card reader from `[card]`: the PC/SC watcher thread and the kiosk's local date it judges expiry by."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date
from typing import Any

from kiosk.config import Config
from kiosk.runner import Clock, Runner


def card_reader(cfg: Config, runner: Runner, stack: contextlib.ExitStack) -> Any | None:
    """The PC/SC reader watcher: it posts insertions, removals, the names (first) and reads to the runner from its
    own thread, and how far the photo's read has got."""
    if not cfg.card.enabled:
        return None
    from kiosk.drivers.card import CardNames, CardNamesRead, CardPhotoProgress
    from kiosk.drivers.card.pcsc import PcscCardReader

    def names_read(names: CardNames) -> None:
        runner.post(CardNamesRead(names))

    reader = PcscCardReader(
        runner.post,
        today=local_today(runner.clock, cfg.kiosk.timezone),
        reader=cfg.card.reader,
        share_mode=cfg.card.share_mode,
        read_photo=cfg.card.read_photo,
        reject_expired=cfg.card.reject_expired,
        on_names=names_read,
        on_photo_progress=lambda fraction: runner.post(CardPhotoProgress(fraction)),
    )
    reader.start()
    stack.callback(reader.stop)
    return reader


def local_today(clock: Clock, timezone: str) -> Callable[[], date]:
    """Today's date where the kiosk stands (a card expires at the end of its day in Bangkok, not in UTC)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    return lambda: clock.wall().astimezone(zone).date()
