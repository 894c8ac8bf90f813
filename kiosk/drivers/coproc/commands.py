"""`kiosk coproc ...`: talk to the configured co-processor (or any port given) from the command line."""

from __future__ import annotations

import argparse
import queue
import time
from collections.abc import Callable
from typing import Any

from kiosk.config import Config, CoprocSection
from kiosk.drivers.coproc import CoprocStatus, Pattern, WatchdogSettings, wire
from kiosk.drivers.coproc.link import CoprocLink, open_port


def watchdog_settings(section: CoprocSection) -> WatchdogSettings:
    """The board's watchdog policy from the `[coproc]` section (the composition root uses this too)."""
    return WatchdogSettings(
        enabled=True,
        warn_after_s=section.watchdog_warn_s,
        grace_s=section.watchdog_grace_s,
        boot_grace_s=section.watchdog_boot_grace_s,
    )


def register(sub: Any) -> None:
    coproc = sub.add_parser("coproc", help="the co-processor: info, status, light, pattern, buzz, watch")
    csub = coproc.add_subparsers(dest="coproc_command", required=True, metavar="ACTION")

    def action(name: str, handler: Callable[[CoprocLink, argparse.Namespace], int], help_text: str) -> Any:
        p = csub.add_parser(name, help=help_text)
        p.add_argument("--port", help="pyserial URL or device (default: [coproc] port)")
        p.set_defaults(func=lambda args, cfg: run(args, cfg, handler))
        return p

    action("info", cmd_info, "identify the firmware (version, protocol, boot reason, commands)")
    action("status", cmd_status, "tamper, presence, watchdog, light and pattern as the board sees them")
    light = action("light", cmd_light, "set the face light ring")
    light.add_argument("level", type=int, help="0..255")
    light.add_argument("--rgb", default="ffffff", help="colour as RRGGBB hex (default: white)")
    pattern = action("pattern", cmd_pattern, "set the status LED pattern")
    pattern.add_argument("name", choices=wire.PATTERN_NAMES)
    buzz = action("buzz", cmd_buzz, "sound the buzzer")
    buzz.add_argument("--hz", type=int, default=2000)
    buzz.add_argument("--seconds", type=float, default=0.2)
    action("ack-tamper", cmd_ack_tamper, "clear a latched tamper alarm (the enclosure must be closed)")
    maint = action("maintenance", cmd_maintenance, "stop the firmware for mpremote (repl) or reboot to the UF2 loader")
    maint.add_argument("mode", choices=("repl", "bootloader"))
    watch = action("watch", cmd_watch, "print the board's events as they arrive")
    watch.add_argument("--seconds", type=float, default=0.0, help="stop after this long (default: until Ctrl-C)")
    watch.add_argument(
        "--heartbeat", action="store_true", help="also arm the watchdog from [coproc] and keep it fed meanwhile"
    )


def run(args: argparse.Namespace, cfg: Config, handler: Callable[[CoprocLink, argparse.Namespace], int]) -> int:
    section = cfg.coproc
    events: queue.Queue[object] = queue.Queue()
    args.events = events
    args.section = section
    port = open_port(args.port or section.port, section.baud)
    try:
        link = CoprocLink(port, events.put, reply_timeout_s=section.reply_timeout_s)
        try:
            link.open()
            return handler(link, args)
        finally:
            link.close()
    finally:
        port.close()


def cmd_info(link: CoprocLink, args: argparse.Namespace) -> int:
    info = link.info()
    print(f"firmware {info.firmware_version}, protocol {info.protocol_version}, booted by {info.boot_reason}")
    print("commands: " + " ".join(f"0x{k:02x}" for k in info.commands))
    return 0


def describe(status: CoprocStatus) -> list[str]:
    tamper = "open" if status.tamper_open else "closed"
    if status.tamper_latched:
        tamper += ", LATCHED (acknowledge with `kiosk coproc ack-tamper`)"
    red, green, blue = status.light_rgb
    return [
        f"enclosure: {tamper}",
        f"presence: {'someone there' if status.presence else 'nobody'}",
        f"in journey: {'yes' if status.in_journey else 'no'}",
        f"watchdog: {'armed' if status.watchdog_armed else 'disarmed'}, {status.power_cycles} power cycles",
        f"light: level {status.light_level}, colour #{red:02x}{green:02x}{blue:02x}",
        f"pattern: {status.pattern}",
        f"uptime: {status.uptime_s} s, free heap {status.heap_free_bytes} bytes",
    ]


def cmd_status(link: CoprocLink, args: argparse.Namespace) -> int:
    for line in describe(link.status()):
        print(line)
    return 0


def cmd_light(link: CoprocLink, args: argparse.Namespace) -> int:
    try:
        rgb = bytes.fromhex(args.rgb)
    except ValueError:
        rgb = b""
    if len(rgb) != 3:
        print(f"kiosk coproc light: --rgb wants six hex digits, not {args.rgb!r}")
        return 2
    link.light(args.level, (rgb[0], rgb[1], rgb[2]))
    return 0


def cmd_pattern(link: CoprocLink, args: argparse.Namespace) -> int:
    name: Pattern = args.name
    link.pattern(name)
    return 0


def cmd_buzz(link: CoprocLink, args: argparse.Namespace) -> int:
    link.buzz(args.hz, args.seconds)
    return 0


def cmd_ack_tamper(link: CoprocLink, args: argparse.Namespace) -> int:
    link.ack_tamper()
    print("tamper latch cleared")
    return 0


def cmd_maintenance(link: CoprocLink, args: argparse.Namespace) -> int:
    link.maintenance(args.mode)
    if args.mode == "repl":
        print("the board is in its REPL: Ctrl-C and mpremote work; reset it (or power-cycle) to run the kiosk firmware")
    else:
        print("the board is rebooting into its UF2 bootloader: copy the new firmware to the RPI-RP2 drive")
    return 0


def cmd_watch(link: CoprocLink, args: argparse.Namespace) -> int:
    if args.heartbeat:
        link.configure_watchdog(watchdog_settings(args.section))
        link.start_heartbeat(args.section.heartbeat_s)
    events: queue.Queue[object] = args.events
    deadline = time.monotonic() + args.seconds if args.seconds > 0 else None
    try:
        while deadline is None or time.monotonic() < deadline:
            wait_s = 0.5 if deadline is None else max(0.0, min(0.5, deadline - time.monotonic()))
            try:
                event = events.get(timeout=wait_s)
            except queue.Empty:
                continue
            print(event, flush=True)
    except KeyboardInterrupt:
        pass
    return 0
