"""Runs under MicroPython: answers each line of a cases file with what firmware/wire.py computes, for comparison.

C <hex>               -> C <crc16>
F <kind> <seq> [hex]  -> F <wire frame hex>
S <hex>               -> B <body hex> per frame recovered, then E <bad frame count>
Q <n>                 -> Q <n sequence numbers from a fresh Endpoint>
"""

import sys

import wire


def answer(parts):
    op = parts[0]
    if op == "C":
        data = bytes.fromhex(parts[1]) if len(parts) > 1 else b""
        print("C", wire.crc16(data, len(data)))
    elif op == "F":
        payload = bytes.fromhex(parts[3]) if len(parts) > 3 else b""
        framer = wire.Framer()
        n = framer.build(int(parts[1]), int(parts[2]), payload, len(payload))
        print("F", framer.out[:n].hex())
    elif op == "S":
        d = wire.Deframer()
        for b in bytes.fromhex(parts[1]):
            m = d.push(b)
            if m >= 0:
                print("B", d.body[:m].hex())
        print("E", d.bad_frames)
    elif op == "Q":
        e = wire.Endpoint()
        print("Q", " ".join(str(e.take_seq()) for _ in range(int(parts[1]))))


def main():
    with open(sys.argv[1]) as cases:
        for line in cases:
            parts = line.split()
            if parts:
                answer(parts)


main()
