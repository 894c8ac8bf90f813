"""A worker process for the removal-at-every-APDU test: its own private pcscd (one per process, since libpcsclite
reads its socket path once per process), two virtual slots read in parallel; prints one JSON line per case.

    python -m tests.card.removal_worker 1 9 17 ...
"""

from __future__ import annotations

import json
import sys
import threading

from kiosk.drivers.card import CardReadFailed
from simulator import citizens as cz
from simulator.vcard.card import CardBehaviour, CardImage, Fault, ThaiIdCard
from simulator.vcard.pcscd import virtual_stack
from tests.card.stack import Events

CITIZEN = "ruethai"


def run(cases: list[int]) -> int:
    lock = threading.Lock()
    failures: list[str] = []
    with virtual_stack(1) as stack:
        slots = len(stack.readers)

        def run_slot(slot: int) -> None:
            try:
                with Events(stack.readers[slot]) as events:
                    for n in cases[slot::slots]:
                        card = ThaiIdCard(CardImage.of(cz.by_key(CITIZEN)), CardBehaviour(faults=(Fault(n, "remove"),)))
                        stack.insert(card, slot)
                        seen = events.until_removed()
                        line = {
                            "n": n,
                            "apdus": card.apdu_count,
                            "events": [type(e).__name__ for e in seen],
                            "reasons": [e.reason for e in seen if isinstance(e, CardReadFailed)],
                        }
                        with lock:
                            print(json.dumps(line), flush=True)
            except Exception as e:
                failures.append(f"slot {slot}: {type(e).__name__}: {e}")

        threads = [threading.Thread(target=run_slot, args=(slot,)) for slot in range(slots)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(run([int(a) for a in sys.argv[1:]]))
