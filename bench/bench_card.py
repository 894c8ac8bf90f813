"""Card read timings through the real stack (pyscard -> private pcscd -> vpcd -> virtual card), medians of several runs.

    .venv/bin/python bench/bench_card.py [--runs 5] [--delay-ms 35]

Prints: a full read (identity + laser ID + photo) with the virtual card answering each APDU after `--delay-ms`,
against the sum of those delays (the physical floor the card itself imposes); the same with no delay (what the stack
costs); and the time from insertion to the name being available, split into pcscd noticing the card and the read.
"""

from __future__ import annotations

import argparse
import queue
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.drivers.card import CardIdentityRead, CardInserted, CardNames, CardPhotoRead
from kiosk.drivers.card.pcsc import PcscCardReader, read_card
from simulator import citizens
from simulator.vcard.card import CardImage, ThaiIdCard
from simulator.vcard.pcscd import VirtualStack, missing_parts, virtual_stack

TODAY = date(2026, 11, 22)


def new_card() -> ThaiIdCard:
    return ThaiIdCard(CardImage.of(citizens.by_key("ruethai")))


def timed_reads(stack: VirtualStack, runs: int, *, photo: bool) -> tuple[list[float], int]:
    """Seconds per read of a card pcscd already knows, and the APDUs one read takes."""
    times, apdus = [], 0
    for _ in range(runs):
        card = new_card()
        stack.insert(card, wait_s=3.0)
        start = time.perf_counter()
        read_card(stack.readers[0], read_photo=photo, reject_expired_on=TODAY)
        times.append(time.perf_counter() - start)
        apdus = card.apdu_count
        stack.remove()
    return times, apdus


def insertion_to_name(
    stack: VirtualStack, runs: int
) -> tuple[list[float], list[float], list[float], list[float], list[float]]:
    """Per run: insertion -> CardInserted (pcscd's poll), -> ID and names (`on_names`), -> identity, -> photo, and
    CardInserted -> names (from the start of the read)."""
    events: queue.Queue[tuple[float, object]] = queue.Queue()
    watcher = PcscCardReader(
        lambda e: events.put((time.perf_counter(), e)),
        today=lambda: TODAY,
        on_names=lambda names: events.put((time.perf_counter(), names)),
    )
    seen_s, names_s, name_s, photo_s, read_names_s = [], [], [], [], []
    watcher.start()
    try:
        for _ in range(runs):
            start = time.perf_counter()
            stack.insert(new_card())
            stamps: dict[type, float] = {}
            while CardPhotoRead not in stamps:
                at, event = events.get(timeout=10)
                stamps.setdefault(type(event), at)
            seen_s.append(stamps[CardInserted] - start)
            names_s.append(stamps[CardNames] - start)
            read_names_s.append(stamps[CardNames] - stamps[CardInserted])
            name_s.append(stamps[CardIdentityRead] - start)
            photo_s.append(stamps[CardPhotoRead] - start)
            stack.remove()
            events.get(timeout=10)  # CardRemoved
    finally:
        watcher.stop()
    return seen_s, names_s, name_s, photo_s, read_names_s


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.1f} ms (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--delay-ms", type=float, default=35.0)
    args = parser.parse_args()
    if missing := missing_parts():
        print("cannot run: missing " + ", ".join(missing), file=sys.stderr)
        return 2
    delay_s = args.delay_ms / 1000
    print(f"card reads through pyscard -> private pcscd -> vpcd -> virtual card, median of {args.runs} runs")

    with virtual_stack() as stack:
        fast, apdus = timed_reads(stack, args.runs, photo=True)
        fast_id, id_apdus = timed_reads(stack, args.runs, photo=False)
    print(f"\nno card delay ({apdus} APDUs full, {id_apdus} without the photo): what the stack itself costs")
    print(f"  full read              {ms(fast)}   = {statistics.median(fast) / apdus * 1000:.2f} ms per APDU")
    print(f"  identity only          {ms(fast_id)}")

    with virtual_stack(apdu_delay_s=delay_s) as stack:
        slow, apdus = timed_reads(stack, args.runs, photo=True)
        slow_id, id_apdus = timed_reads(stack, args.runs, photo=False)
        seen_s, names_s, name_s, photo_s, read_names_s = insertion_to_name(stack, args.runs)
    floor_s, id_floor_s = apdus * delay_s, id_apdus * delay_s
    print(f"\ncard answering each APDU after {args.delay_ms:g} ms (a real card's pace)")
    print(f"  full read              {ms(slow)}")
    print(f"  physical floor         {floor_s * 1000:8.1f} ms ({apdus} APDUs x {args.delay_ms:g} ms)")
    print(f"  read / floor           {statistics.median(slow) / floor_s:8.3f}")
    print(
        f"  identity only          {ms(slow_id)}   floor {id_floor_s * 1000:.1f} ms, ratio "
        f"{statistics.median(slow_id) / id_floor_s:.3f}"
    )
    print("\nfrom insertion (socket connect to vpcd), watcher running")
    print(f"  pcscd sees the card    {ms(seen_s)}   (pcscd polls vpcd every 400 ms)")
    print(f"  ID and names           {ms(names_s)}   ({ms(read_names_s).strip()} after CardInserted)")
    print(f"  whole identity         {ms(name_s)}")
    print(f"  photo available        {ms(photo_s)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
