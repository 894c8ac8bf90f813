"""The shared wire module and the firmware's policies under the real MicroPython unix port (not only CPython)."""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

from kiosk.drivers.coproc import wire
from simulator.coproc import FIRMWARE_DIR

MP_DIR = Path(__file__).parent / "mp"


def run_mp(micropython: str, script: Path, *args: str) -> str:
    env = dict(os.environ, MICROPYPATH=f"{FIRMWARE_DIR}:.frozen")
    done = subprocess.run(
        [micropython, "-X", "heapsize=192k", str(script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def cpython_answers(lines: list[str]) -> list[str]:
    """What the very same module computes under CPython, in wire_check.py's output format."""
    out: list[str] = []
    for line in lines:
        parts = line.split()
        if parts[0] == "C":
            data = bytes.fromhex(parts[1]) if len(parts) > 1 else b""
            out.append(f"C {wire.crc16(data, len(data))}")
        elif parts[0] == "F":
            payload = bytes.fromhex(parts[3]) if len(parts) > 3 else b""
            f = wire.Framer()
            n = f.build(int(parts[1]), int(parts[2]), payload, len(payload))
            out.append("F " + f.out[:n].hex())
        elif parts[0] == "S":
            d = wire.Deframer()
            for b in bytes.fromhex(parts[1]):
                m = d.push(b)
                if m >= 0:
                    out.append("B " + d.body[:m].hex())
            out.append(f"E {d.bad_frames}")
        elif parts[0] == "Q":
            e = wire.Endpoint()
            out.append("Q " + " ".join(str(e.take_seq()) for _ in range(int(parts[1]))))
    return out


def cases(seed: int = 9) -> list[str]:
    rnd = random.Random(seed)
    lines = ["C 313233343536373839", "C", "Q 260"]
    for _ in range(150):
        payload = rnd.randbytes(rnd.randint(0, wire.MAX_PAYLOAD))
        lines.append(f"F {rnd.randint(0, 255)} {rnd.randint(0, 255)} {payload.hex()}".rstrip())
        lines.append(f"C {payload.hex()}".rstrip())
    for _ in range(60):
        f = wire.Framer()
        chunks = [rnd.randbytes(rnd.randint(0, 40))]  # leading noise
        for _ in range(rnd.randint(1, 5)):
            payload = rnd.randbytes(rnd.randint(0, wire.MAX_PAYLOAD))
            n = f.build(rnd.randint(1, 255), rnd.randint(0, 255), payload, len(payload))
            frame = bytearray(f.out[:n])
            if rnd.random() < 0.3:  # corrupt one byte of some frames
                frame[rnd.randint(1, n - 2)] ^= rnd.randint(1, 255)
            chunks.append(bytes(frame))
            if rnd.random() < 0.2:
                chunks.append(b"\x03" * rnd.randint(1, 4))  # Ctrl-C bytes between frames
        lines.append("S " + b"".join(chunks).hex())
    lines.append("S " + ("55" * 500) + "00")  # overlong garbage
    return lines


def test_wire_module_computes_the_same_under_micropython(micropython: str, tmp_path: Path) -> None:
    lines = cases()
    path = tmp_path / "cases.txt"
    path.write_text("\n".join(lines) + "\n")
    got = run_mp(micropython, MP_DIR / "wire_check.py", str(path)).splitlines()
    expected = cpython_answers(lines)
    assert got[0] == "C 10673"  # 0x29B1, the CRC-16/CCITT-FALSE check value, computed by MicroPython
    assert got == expected
    assert any(line.startswith("E 1") for line in got)  # the corruption cases really were exercised


def test_policies_under_micropython(micropython: str) -> None:
    out = run_mp(micropython, MP_DIR / "policy_check.py")
    assert out.startswith("ok ")
    assert int(out.split()[1]) >= 50
