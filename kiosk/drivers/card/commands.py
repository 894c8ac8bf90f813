"""`kiosk card read` and `kiosk card watch`: the card reader from the command line, personal data masked by default."""

from __future__ import annotations

import argparse
import queue
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.config import Config
from kiosk.drivers.card import (
    CardData,
    CardIdentity,
    CardIdentityRead,
    CardInserted,
    CardPhotoRead,
    CardReadFailed,
    CardRemoved,
    mask_cid,
)


def register(sub: Any) -> None:
    card = sub.add_parser("card", help="the Thai ID card reader")
    commands = card.add_subparsers(dest="card_command", required=True, metavar="ACTION")

    read = commands.add_parser("read", help="read the card in the reader once")
    read.add_argument("--show", action="store_true", help="print the citizen ID and personal data unmasked")
    read.add_argument("--no-photo", action="store_true", help="skip the chip portrait (under 1 s instead of 2-3 s)")
    read.add_argument("--photo-out", type=Path, metavar="FILE", help="write the chip portrait (JPEG) to FILE")
    read.add_argument("--timeout", type=float, default=10.0, metavar="S", help="wait this long for a card")
    _add_simulate(read)
    read.set_defaults(func=cmd_read)

    watch = commands.add_parser("watch", help="print insertion, removal and read events until Ctrl-C")
    watch.add_argument("--show", action="store_true", help="print personal data unmasked")
    _add_simulate(watch)
    watch.set_defaults(func=cmd_watch)


def _add_simulate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--simulate",
        metavar="CITIZEN",
        help="development only: start a private pcscd with a virtual reader and insert this test citizen's card",
    )


def today_in(timezone: str) -> Callable[[], date]:
    zone = ZoneInfo(timezone)
    return lambda: datetime.now(UTC).astimezone(zone).date()


def masked(text: str, show: bool) -> str:
    """Each word cut to its first letter: enough to see that a field was read, not whose it is."""
    if show:
        return text
    return " ".join(word[:1] + "•" * min(len(word) - 1, 4) for word in text.split())


def describe(identity: CardIdentity, *, show: bool, today: date) -> list[str]:
    expiry = "lifelong" if identity.expires is None else identity.expires.isoformat()
    if identity.is_expired(today):
        expiry += "  (EXPIRED)"
    address = identity.address
    street = " ".join(p for p in (address.house_no, address.moo, address.trok, address.soi, address.road) if p)
    return [
        f"citizen ID   {identity.cid if show else mask_cid(identity.cid)}",
        f"name (th)    {masked(identity.name_th.full(), show)}",
        f"name (en)    {masked(identity.name_en.full(), show)}",
        f"born         {identity.dob if show else identity.dob.year}  (age {identity.dob.age_on(today)})",
        f"sex          {identity.sex}",
        f"issuer       {identity.issuer}",
        f"issued       {identity.issued.isoformat()}",
        f"expires      {expiry}",
        f"address      {masked(street, show)}",
        f"             {address.subdistrict} / {address.district} / {address.province}",
        f"laser ID     {identity.laser_id if show or identity.laser_id is None else identity.laser_id[:3] + '…'}",
    ]


@contextmanager
def _simulated(citizen_key: str | None) -> Iterator[str]:
    """The reader name to use: the configured one, or a virtual reader holding the test citizen's card."""
    if citizen_key is None:
        yield ""
        return
    from simulator import citizens
    from simulator.vcard.card import CardImage, ThaiIdCard
    from simulator.vcard.pcscd import virtual_stack

    with virtual_stack() as stack:
        stack.insert(ThaiIdCard(CardImage.of(citizens.by_key(citizen_key))), wait_s=3.0)
        yield stack.readers[0]


def _reader(cfg: Config, post: Callable[[object], None], reader: str, **options: Any) -> Any:
    from kiosk.drivers.card.pcsc import PcscCardReader

    return PcscCardReader(
        post,
        today=today_in(cfg.kiosk.timezone),
        reader=reader or cfg.card.reader,
        share_mode=cfg.card.share_mode,
        **options,
    )


def cmd_read(args: argparse.Namespace, cfg: Config) -> int:
    today = today_in(cfg.kiosk.timezone)()
    with _simulated(args.simulate) as reader_name:
        reader = _reader(cfg, lambda e: None, reader_name, read_photo=not args.no_photo, reject_expired=False)
        data: CardData = reader.read_now(timeout_s=args.timeout)
    for line in describe(data, show=args.show, today=today):
        print(line)
    if data.photo is not None:
        print(f"photo        {len(data.photo)} bytes JPEG")
        if args.photo_out is not None:
            args.photo_out.write_bytes(data.photo)
            print(f"             written to {args.photo_out}")
    return 0


def cmd_watch(args: argparse.Namespace, cfg: Config) -> int:
    events: queue.Queue[object] = queue.Queue()
    today = today_in(cfg.kiosk.timezone)
    context = _simulated(args.simulate) if args.simulate else nullcontext("")
    with context as reader_name:
        reader = _reader(
            cfg, events.put, reader_name, read_photo=cfg.card.read_photo, reject_expired=cfg.card.reject_expired
        )
        reader.start()
        print("watching the card reader (Ctrl-C to stop)", file=sys.stderr)
        try:
            while True:
                print(render(events.get(), show=args.show, today=today()), flush=True)
        except KeyboardInterrupt:
            pass
        finally:
            reader.stop()
    return 0


def render(event: object, *, show: bool, today: date) -> str:
    stamp = datetime.now().strftime("%H:%M:%S.%f")[:-3]
    match event:
        case CardInserted(reader=reader, atr=atr):
            return f"{stamp} inserted  {reader}  ATR {atr.hex(' ').upper()}"
        case CardRemoved(reader=reader):
            return f"{stamp} removed   {reader}"
        case CardIdentityRead(identity=identity):
            return f"{stamp} identity\n" + "\n".join(
                "    " + line for line in describe(identity, show=show, today=today)
            )
        case CardPhotoRead(jpeg=jpeg):
            return f"{stamp} photo     {len(jpeg)} bytes"
        case CardReadFailed(reason=reason, detail=detail):
            return f"{stamp} FAILED    {reason}: {detail}"
    return f"{stamp} {event!r}"
