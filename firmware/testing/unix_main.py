"""Runs the firmware under MicroPython's unix port: link on stdio (default) or a pty path, fake pins on a control pty.

    micropython -X heapsize=192k unix_main.py [--link PATH] [--control PATH] [--state DIR]

with MICROPYPATH=firmware/testing:firmware:.frozen so the fake `machine` and `neopixel` shadow the missing ones.
--state names a directory that stands in for the board's flash (the tamper latch outlives a reset there).
Diagnostics go to stderr: stdout may be the link.
"""

import asyncio
import sys

import machine
import micropython


async def _run(link, control, state):
    control_task = None
    if control:
        control_task = asyncio.create_task(machine.serve(control))
        await asyncio.sleep_ms(0)  # let the control channel open before the pins are made
    from app import Coproc  # imported here so a broken firmware file is reported by _report, not lost
    from channel import StreamPort
    from hw import Hardware

    if link:
        stream = open(link, "r+b")
        port = StreamPort(stream, stream)
    else:
        port = StreamPort(sys.stdin.buffer, sys.stdout.buffer)
    # Fake pins fire their handlers from the control task, where an Event is safe; a pending ThreadSafeFlag would
    # slow every wake-up of the unix port's event loop to ~3 ms.
    try:
        latch_path = state + "/tamper_latch" if state else None
        coproc = Coproc(Hardware(asyncio.Event()), port, latch_path)
        machine._emit("ready")  # the firmware is built and about to run: what the simulator waits for
        await coproc.run()
    finally:
        if control_task is not None:
            control_task.cancel()


def main():
    args = sys.argv[1:]
    link = None
    control = None
    state = None
    while args:
        flag = args.pop(0)
        if flag == "--link" and args:
            link = args.pop(0)
        elif flag == "--control" and args:
            control = args.pop(0)
        elif flag == "--state" and args:
            state = args.pop(0)
        else:
            print("usage: unix_main.py [--link PATH] [--control PATH] [--state DIR]", file=sys.stderr)
            sys.exit(2)
    micropython.kbd_intr(-1)
    try:
        asyncio.run(_run(link, control, state))
    except OSError as e:
        print("coproc firmware: link closed:", e, file=sys.stderr)


def _report(e):
    # The unix port prints uncaught exceptions to stdout, which is the link here: send them to stderr instead.
    print("coproc firmware crashed:", file=sys.stderr)
    sys.print_exception(e, sys.stderr)
    sys.exit(1)


try:
    main()
except Exception as e:
    _report(e)
