"""`kiosk finger ...`: talk to the configured fingerprint sensor (or any port given) from the command line."""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Callable
from typing import Any

from kiosk.config import Config, FingerSection
from kiosk.drivers.finger import Capture, CaptureQuality, FingerPrompt, FingerSensor, FingerSettings, LedColor, LedMode
from kiosk.drivers.finger.uart import FingerUart, open_port

GUIDANCE = {
    CaptureQuality.GOOD: "captured",
    CaptureQuality.CAPTURE_FAILED: "the sensor could not read the finger: press again",
    CaptureQuality.POOR_IMAGE: "the image is too faint or smudged: clean the finger and press firmly",
    CaptureQuality.TOO_FEW_FEATURES: "too little of the finger: press it flat over the whole window",
}


def settings_from(section: FingerSection) -> FingerSettings:
    """The driver's values from the `[finger]` section (the composition root uses this too)."""
    return FingerSettings(
        address=section.address,
        password=section.password,
        packet_size=section.packet_size,
        capture_timeout_s=section.capture_timeout_s,
        reply_timeout_s=section.reply_timeout_s,
        has_led=section.has_led,
        match_threshold=section.match_threshold,
    )


def register(sub: Any) -> None:
    finger = sub.add_parser("finger", help="the fingerprint sensor: info, enrol, verify, search, library")
    fsub = finger.add_subparsers(dest="finger_command", required=True, metavar="ACTION")

    def action(name: str, handler: Callable[[FingerSensor, argparse.Namespace], int], help_text: str) -> Any:
        p = fsub.add_parser(name, help=help_text)
        p.add_argument("--port", help="pyserial URL or device (default: [finger] port)")
        p.add_argument(
            "--timeout", type=float, help="seconds to wait for a finger (default: [finger] capture_timeout_s)"
        )
        p.set_defaults(func=lambda args, cfg: run(args, cfg, handler))
        return p

    action("info", cmd_info, "verify the password and show the sensor's parameters and template count")
    enroll = action("enroll", cmd_enroll, "two captures into a template, stored in the sensor's library")
    enroll.add_argument("--page", type=int, help="library page to store into (default: the first free one)")
    enroll.add_argument("--no-store", action="store_true", help="only build the template, store nothing")
    verify = action("verify", cmd_verify, "1:1: a live finger against the template in a library page")
    verify.add_argument("--page", type=int, required=True)
    action("search", cmd_search, "1:N: a live finger against the whole library")
    delete = action("delete", cmd_delete, "delete library pages")
    delete.add_argument("--page", type=int, required=True)
    delete.add_argument("--count", type=int, default=1)
    empty = action("empty", cmd_empty, "delete every template in the sensor's library")
    empty.add_argument("--yes", action="store_true", required=True, help="confirm")
    led = action("led", cmd_led, "set the R503 aura LED")
    led.add_argument("--color", choices=[c.name.lower() for c in LedColor], default="blue")
    led.add_argument("--mode", choices=[m.name.lower() for m in LedMode], default="breathing")


def run(args: argparse.Namespace, cfg: Config, handler: Callable[[FingerSensor, argparse.Namespace], int]) -> int:
    port = open_port(args.port or cfg.finger.port, cfg.finger.baud)
    try:
        driver: FingerSensor = FingerUart(port, settings_from(cfg.finger))
        driver.handshake()
        return handler(driver, args)
    finally:
        port.close()


PROMPTS = {
    FingerPrompt.PLACE: "place the finger on the sensor",
    FingerPrompt.LIFT: "lift the finger",
    FingerPrompt.PLACE_AGAIN: "place the same finger again",
}


def show_prompt(prompt: FingerPrompt) -> None:
    print(PROMPTS[prompt], flush=True)


def show_capture(capture: Capture) -> None:
    print(f"capture into buffer {capture.buffer}: {GUIDANCE[capture.quality]} ({capture.quality.value})", flush=True)


def cmd_info(driver: FingerSensor, args: argparse.Namespace) -> int:
    params = driver.read_parameters()
    print(f"address         {params.address:#010x}")
    print(f"system id       {params.system_id:#06x}")
    print(f"library         {driver.template_count()} of {params.library_size} pages used")
    print(f"security level  {params.security_level}")
    print(f"data packets    {params.packet_size_bytes} bytes")
    print(f"baud            {params.baud}")
    print(f"status          {params.status_register:#06x}")
    return 0


def cmd_enroll(driver: FingerSensor, args: argparse.Namespace) -> int:
    enrolment = driver.enroll(args.timeout and args.timeout * 3, on_capture=show_capture, on_prompt=show_prompt)
    # the template is biometric data: show only its size and a short digest, never its bytes
    digest = hashlib.sha256(enrolment.template).hexdigest()[:16]
    print(f"template        {len(enrolment.template)} bytes, sha256 {digest}…")
    print(f"consistency     score {enrolment.score} ({enrolment.quality_percent} %)")
    if not args.no_store:
        page = driver.free_page() if args.page is None else args.page
        driver.store(page)
        print(f"stored in page  {page}")
    return 0


def cmd_verify(driver: FingerSensor, args: argparse.Namespace) -> int:
    print("place the finger on the sensor", flush=True)
    result = driver.verify_page(args.page, args.timeout, on_capture=show_capture)
    print(f"{'MATCH' if result.matched else 'NO MATCH'} (score {result.score})")
    return 0 if result.matched else 3


def cmd_search(driver: FingerSensor, args: argparse.Namespace) -> int:
    print("place the finger on the sensor", flush=True)
    hit = driver.identify(args.timeout, on_capture=show_capture)
    if hit is None:
        print("NOT FOUND")
        return 3
    print(f"FOUND page {hit.page} (score {hit.score})")
    return 0


def cmd_delete(driver: FingerSensor, args: argparse.Namespace) -> int:
    driver.delete(args.page, args.count)
    print(f"deleted pages {args.page}..{args.page + args.count - 1}")
    return 0


def cmd_empty(driver: FingerSensor, args: argparse.Namespace) -> int:
    driver.empty()
    print("library emptied")
    return 0


def cmd_led(driver: FingerSensor, args: argparse.Namespace) -> int:
    sent = driver.led(LedColor[args.color.upper()], LedMode[args.mode.upper()])
    print("LED set" if sent else "this sensor is configured without an LED ([finger] has_led = false)")
    return 0
