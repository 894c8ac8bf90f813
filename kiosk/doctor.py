"""`kiosk doctor`'s checks: every configured device and service asked once through its own driver, each under a
deadline, each giving one verdict (ok, warn, fail or skip) with a hint for whoever stands at the kiosk.

Nothing here speaks a device protocol itself: the card check uses the PC/SC driver's `establish`/`find_reader`, the
sensor check the driver's handshake (VfyPwd + ReadSysPara), the printer check its DLE EOT status, and so on. A check
that has not answered by its deadline is a failure of its own ("no verdict within N s"); its thread is left to the
driver's own deadlines and never holds up the verdicts of the others. A camera frame is looked at in memory only.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from kiosk.config import Config
from kiosk.errors import KioskError

Status = Literal["ok", "warn", "fail", "skip"]

# vsmartcard-vpcd's files: a pcscd reader any TCP peer can put a card into. Only the simulator may have it.
VPCD_FILES = (Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so"), Path("/etc/reader.conf.d/vpcd"))
MIN_FREE_DISK_MB = 200  # below this the store's writes (audit, outbox) may fail: a failure
LOW_FREE_DISK_MB = 1024  # below this, a warning
CERT_WARN_DAYS = 30  # the kiosk's registry certificate expires within this many days: a warning
GRACE_S = 2.0  # added to a driver's own deadlines: the doctor's deadline only fires when the driver's did not


@dataclass(frozen=True)
class Verdict:
    name: str
    status: Status
    detail: str
    hint: str = ""
    elapsed_s: float = 0.0


class Warn(Exception):
    """Raised by a check for a usable but worrying state (its message is the detail, `hint` the advice)."""

    def __init__(self, detail: str, hint: str = "") -> None:
        super().__init__(detail)
        self.hint = hint


class Fail(Exception):
    """Raised by a check for a state the kiosk cannot work with."""

    def __init__(self, detail: str, hint: str = "") -> None:
        super().__init__(detail)
        self.hint = hint


class Skip(Exception):
    """Raised by a check that does not apply to this kiosk (a disabled device)."""


@dataclass(frozen=True)
class Check:
    name: str
    deadline_s: float
    run: Callable[[], str]  # returns the ok detail; raises Warn, Fail, Skip or a driver's error
    hint: str  # the advice when the driver raises (Fail and Warn carry their own)


# --- the checks -------------------------------------------------------------------------------------------------


def check_platform() -> str:
    from kiosk import setup_check

    results = setup_check.checks()
    bad = [c for c in results if not c.ok]
    if bad:
        raise Fail("; ".join(f"{c.name}: {c.detail}" for c in bad), "run scripts/setup (installs libfribidi0, fonts)")
    return ", ".join(c.name for c in results)


def check_card(cfg: Config) -> str:
    from kiosk.drivers.card import pcsc

    context = pcsc.establish()
    try:
        reader = pcsc.find_reader(context, cfg.card.reader)
    finally:
        pcsc.release(context)
    return f"pcscd answers, reader {reader!r}"


def check_finger(cfg: Config) -> str:
    from kiosk.drivers.finger.commands import settings_from
    from kiosk.drivers.finger.uart import FingerUart, open_port

    f = cfg.finger
    port = open_port(f.port, f.baud)
    try:
        params = FingerUart(port, settings_from(f)).handshake()
    finally:
        port.close()
    return (
        f"handshake ok on {f.port}: library of {params.library_size}, security level {params.security_level}, "
        f"{params.packet_size_bytes}-byte packets"
    )


def check_printer(cfg: Config) -> str:
    from kiosk.drivers.printer.commands import open_configured
    from kiosk.drivers.printer.escpos import problem_of

    printer = open_configured(cfg.printer)
    try:
        status = printer.status()
    finally:
        printer.close()
    problem = problem_of(status)
    if problem is not None:
        raise Fail(f"{problem} ({type(problem).__name__})", "load paper, close the cover, power-cycle the printer")
    if status.paper_near_end:
        raise Warn("paper near its end", "put in a new roll soon")
    line = f" at {printer.baud} baud" if printer.baud else ""
    if printer.baud and printer.baud != cfg.printer.baud:
        line += f" (negotiated; base {cfg.printer.baud})"
    return f"DLE EOT status ok on {cfg.printer.transport}{line}"


def check_camera(cfg: Config) -> str:
    from kiosk.compose.face import open_configured_camera

    c = cfg.camera
    camera = open_configured_camera(c)
    try:
        frame = camera.read(timeout_s=CAMERA_READ_S)
        height, width = frame.shape[:2]
        del frame  # looked at in memory only: never written anywhere
    finally:
        camera.close()
    return f"{c.backend} camera delivers {width}x{height} frames"


CAMERA_READ_S = 5.0


def check_face_models(cfg: Config) -> str:
    from kiosk.face.verifier import FaceModels
    from kiosk.models import manifest

    FaceModels.load(cfg.face.model)  # each file checked against the manifest's sha256, then loaded
    return f"{cfg.face.model} models load, sha256 match kiosk/models/manifest.json ({len(manifest())} listed)"


def check_coproc(cfg: Config) -> str:
    from kiosk.drivers.coproc.link import CoprocLink, open_port

    c = cfg.coproc
    link = CoprocLink(open_port(c.port, c.baud), reply_timeout_s=c.reply_timeout_s, owns_port=True)
    try:
        info = link.open()
        status = link.status()
    finally:
        link.close()
    detail = f"firmware {info.firmware_version}, protocol {info.protocol_version}, boot {info.boot_reason}"
    if status.tamper_open or status.tamper_latched:
        state = "open" if status.tamper_open else "closed but latched"
        raise Warn(f"{detail}; the case is {state}", "close the case; an officer clears the tamper latch")
    return detail


def check_registry(cfg: Config, now: datetime) -> str:
    from cryptography import x509

    from kiosk.registry_client import RegistryClient

    r = cfg.registry
    try:
        cert = x509.load_pem_x509_certificate(r.client_cert.read_bytes())
    except (OSError, ValueError) as e:
        raise Fail(f"client certificate {r.client_cert}: {e}", "enrol the kiosk with the registry (pki)") from None
    days_left = (cert.not_valid_after_utc - now).days
    if days_left < 0:
        raise Fail(f"client certificate expired {-days_left} days ago", "renew the kiosk's certificate")
    client = RegistryClient(
        r.url, ca_cert=r.ca_cert, client_cert=r.client_cert, client_key=r.client_key, timeout_s=r.timeout_s
    )
    try:
        health = client.health()
    finally:
        client.close()
    peer = health.get("peer")
    detail = f"{r.url} answers over mutual TLS as {peer!r}; certificate expires in {days_left} days"
    if peer != cfg.kiosk.id:
        raise Warn(
            f"{detail}, but [kiosk] id is {cfg.kiosk.id!r}",
            "the registry files its work under the certificate's name: fix [kiosk] id or run kiosk enrol-device",
        )
    if days_left < CERT_WARN_DAYS:
        raise Warn(detail, "renew the kiosk's certificate before it expires")
    return detail


def check_store(cfg: Config) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from kiosk.store import verify_chain

    path = cfg.store.path
    if not path.exists():
        raise Warn(f"no store yet at {path}", "the kiosk creates it on its first start")
    key_path = cfg.kiosk.data_dir / "keys" / "audit.key"
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError) as e:
        raise Fail(f"audit key {key_path}: {e}", MISSING_KEYS_HINT) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise Fail(f"{key_path}: not an Ed25519 key", MISSING_KEYS_HINT)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=STORE_BUSY_S)  # the doctor changes nothing
    try:
        result = verify_chain(conn, key.public_key())
    except sqlite3.Error as e:
        raise Fail(f"{path}: {e}", "the store is damaged or not a kiosk store") from None
    finally:
        conn.close()
    if not result.ok:
        raise Fail(
            f"audit chain broken at entry {result.first_bad_seq} of {result.entries}: {result.reason}",
            "keep the store for investigation; report the kiosk",
        )
    return f"{path} opens, audit chain of {result.entries} entries verifies"


STORE_BUSY_S = 3.0
# Keys are made once, by enrolment; the doctor never makes them (that would orphan the outbox and the audit log).
MISSING_KEYS_HINT = (
    "restore the kiosk's keys/ from backup (the audit log is unverifiable without them), or enrol the device again"
    " with kiosk enrol-device --registry-home DIR"
)


def check_disk(cfg: Config) -> str:
    where = cfg.kiosk.data_dir
    while not where.exists() and where != where.parent:
        where = where.parent
    free_mb = shutil.disk_usage(where).free // (1024 * 1024)
    detail = f"{free_mb} MB free in {cfg.kiosk.data_dir}"
    if free_mb < MIN_FREE_DISK_MB:
        raise Fail(detail, f"free space: the kiosk needs at least {MIN_FREE_DISK_MB} MB")
    if free_mb < LOW_FREE_DISK_MB:
        raise Warn(detail, "free some space soon")
    return detail


CONSOLE_BLANK = Path("/sys/module/kernel/parameters/consoleblank")
DRM_DEVICES = Path("/dev/dri")
INPUT_DEVICES = Path("/proc/bus/input/devices")


def check_screen(
    cfg: Config,
    *,
    simulator: bool = False,
    env: dict[str, str] | None = None,
    blank: Path = CONSOLE_BLANK,
    drm: Path = DRM_DEVICES,
    inputs: Path = INPUT_DEVICES,
) -> str:
    """Full screen on KMS/DRM with no desktop: a DRM card to draw on, console blanking off, a touch panel found."""
    env = dict(os.environ) if env is None else env
    if simulator:
        raise Skip("the simulator draws in a window")
    if not cfg.ui.fullscreen or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        raise Skip("windowed, or drawn in a desktop session")
    cards = sorted(p.name for p in drm.glob("card*")) if drm.is_dir() else []
    if not cards:
        raise Fail(f"no KMS/DRM device in {drm}", "enable the display driver (dtoverlay=vc4-kms-v3d in config.txt)")
    found = [f"KMS/DRM {cards[0]}"]
    try:
        seconds = int(blank.read_text().strip())
    except (OSError, ValueError):
        seconds = 0
    try:
        touch = "touch" in inputs.read_text().lower()
    except OSError:
        touch = False
    if seconds:
        raise Warn(f"{found[0]}; the console blanks after {seconds} s", "add consoleblank=0 to cmdline.txt")
    if not touch:
        raise Warn(f"{found[0]}; no touch panel among the input devices", "check the touch panel's cable")
    return f"{found[0]}, console blanking off, touch panel found"


def check_vpcd(simulator: bool, files: tuple[Path, ...] = VPCD_FILES) -> str:
    found = [str(p) for p in files if p.exists()]
    if not found:
        return "vsmartcard-vpcd not installed"
    if simulator:
        return "vsmartcard-vpcd installed (this is the simulator's config)"
    raise Warn(
        f"vsmartcard-vpcd installed ({', '.join(found)}): anyone who reaches its TCP port can insert a card",
        "apt-get purge vsmartcard-vpcd on a kiosk",
    )


# --- running them -----------------------------------------------------------------------------------------------


def check_audio(cfg: Config) -> str:
    """Both voices speak (real sound, not silence) and the configured output opens; no sound is a warning only:
    the kiosk works without it, but a blind citizen cannot."""
    from kiosk.drivers.audio import AudioError, EspeakVoice, MixerOutput, wav
    from kiosk.drivers.audio.mixer import output_names

    a = cfg.audio
    voice = EspeakVoice(a.espeak, voices={"th": a.voice_th, "en": a.voice_en}, speed_wpm=a.speed_wpm)
    levels = []
    for language, words in (("th", "ทดสอบเสียง"), ("en", "sound check")):
        level = wav.rms_dbfs(voice.render(words, language))
        if level < -40.0:
            raise Fail(f"the {language} voice renders silence ({level:.0f} dBFS)", "reinstall espeak-ng")
        levels.append(f"{language} {level:.0f} dBFS")
    out = MixerOutput(a.device)
    try:
        out._open()
    except AudioError as e:
        names = ", ".join(output_names()) or "none seen"
        raise Warn(f"voices ok ({'; '.join(levels)}), but {e}", f"set [audio] device to one of: {names}") from e
    finally:
        out.close()
    where = a.device or "default output"
    return f"espeak-ng voices {'; '.join(levels)}; {a.output} on {where}"


def is_simulator(cfg: Config) -> bool:
    """The simulator's config: none at all (the kiosk then runs the simulator) or config/kiosk.sim.toml's unit."""
    return cfg.source == "<defaults>" or cfg.kiosk.unit == "sim"


def checks(cfg: Config, *, simulator: bool | None = None, now: datetime | None = None) -> list[Check]:
    """The checks for `cfg`, in the order they are reported; disabled devices are skipped."""
    sim = is_simulator(cfg) if simulator is None else simulator
    when = now or datetime.now(UTC)

    def enabled(on: bool, run: Callable[[], str]) -> Callable[[], str]:
        if on:
            return run

        def skipped() -> str:
            raise Skip("disabled in the config")

        return skipped

    f, p, c = cfg.finger, cfg.printer, cfg.coproc
    return [
        Check("platform", 5.0, check_platform, "run scripts/setup"),
        Check(
            "card reader",
            3.0 + GRACE_S,
            enabled(cfg.card.enabled, lambda: check_card(cfg)),
            f"start pcscd (systemctl start pcscd) and plug in the reader ([card] reader = {cfg.card.reader!r})",
        ),
        Check(
            "fingerprint sensor",
            4 * f.reply_timeout_s + GRACE_S,  # the handshake retries VfyPwd once, then ReadSysPara
            enabled(f.enabled, lambda: check_finger(cfg)),
            f"check the sensor's cable and power, [finger] port = {f.port!r}, baud = {f.baud}, password",
        ),
        Check(
            "printer",
            3.0 + 8 * p.status_timeout_s + GRACE_S,  # open, then DLE EOT 1..4
            enabled(p.enabled, lambda: check_printer(cfg)),
            f"check the printer's power and cable, [printer] transport = {p.transport!r}",
        ),
        Check(
            "camera",
            CAMERA_READ_S + 5.0 + GRACE_S,
            enabled(cfg.camera.enabled, lambda: check_camera(cfg)),
            f"check the camera's ribbon or USB cable, [camera] backend = {cfg.camera.backend!r}",
        ),
        Check(
            "face models",
            30.0,
            enabled(cfg.camera.enabled, lambda: check_face_models(cfg)),
            "reinstall the kiosk package: kiosk/models must match manifest.json",
        ),
        Check(
            "co-processor",
            4 * c.reply_timeout_s + GRACE_S,
            enabled(c.enabled, lambda: check_coproc(cfg)),
            f"check the board's USB cable; is the kiosk running and holding {c.port!r}? (stop it first)",
        ),
        Check(
            "registry",
            cfg.registry.timeout_s + GRACE_S,
            lambda: check_registry(cfg, when),
            f"check the network and [registry] url = {cfg.registry.url!r}, ca_cert, client_cert, client_key",
        ),
        Check(
            "audio guidance",
            2 * 10.0 + GRACE_S,
            enabled(cfg.audio.enabled, lambda: check_audio(cfg)),
            "apt-get install espeak-ng; check [audio] device and voice_th / voice_en",
        ),
        Check(
            "screen",
            2.0,
            lambda: check_screen(cfg, simulator=sim),
            "see the README: the kiosk draws full screen on KMS/DRM",
        ),
        Check("store", STORE_BUSY_S + GRACE_S, lambda: check_store(cfg), "check [store] path and the data_dir's keys/"),
        Check("disk", 3.0, lambda: check_disk(cfg), "check [kiosk] data_dir"),
        Check("vpcd", 1.0, lambda: check_vpcd(sim), "apt-get purge vsmartcard-vpcd"),
    ]


def _verdict(check: Check, started: float) -> Verdict:
    try:
        detail = check.run()
        status: Status = "ok"
        hint = ""
    except Skip as e:
        status, detail, hint = "skip", str(e), ""
    except Warn as e:
        status, detail, hint = "warn", str(e), e.hint
    except Fail as e:
        status, detail, hint = "fail", str(e), e.hint
    except (KioskError, OSError, ValueError) as e:
        status, detail, hint = "fail", f"{type(e).__name__}: {e}", check.hint
    return Verdict(check.name, status, detail, hint, round(time.monotonic() - started, 3))


def run_checks(items: list[Check]) -> list[Verdict]:
    """Every check on its own thread at once; each verdict is in by its deadline, or says it is not."""
    started = time.monotonic()
    results: dict[str, Verdict] = {}
    done = {c.name: threading.Event() for c in items}

    def work(check: Check) -> None:
        try:
            results[check.name] = _verdict(check, started)
        except Exception as e:  # a check's own bug still gives a verdict, not a crash of the doctor
            results[check.name] = Verdict(check.name, "fail", f"check crashed: {type(e).__name__}: {e}", check.hint)
        finally:
            done[check.name].set()

    for check in items:
        threading.Thread(target=work, args=(check,), name=f"doctor-{check.name}", daemon=True).start()
    out = []
    for check in items:
        remaining_s = max(0.0, started + check.deadline_s - time.monotonic())
        if done[check.name].wait(remaining_s):
            out.append(results[check.name])
        else:
            out.append(
                Verdict(check.name, "fail", f"no verdict within {check.deadline_s:g} s", check.hint, check.deadline_s)
            )
    return out


def failed(verdicts: list[Verdict]) -> bool:
    return any(v.status == "fail" for v in verdicts)


def as_text(verdicts: list[Verdict]) -> str:
    width = max(len(v.name) for v in verdicts)
    lines = []
    for v in verdicts:
        hint = f"  -> {v.hint}" if v.hint and v.status in ("warn", "fail") else ""
        took = f" ({v.elapsed_s:.1f} s)" if v.status == "fail" else ""
        lines.append(f"{v.status.upper():4} {v.name:<{width}}  {v.detail}{took}{hint}")
    return "\n".join(lines)


def as_json(verdicts: list[Verdict], cfg: Config, now: datetime) -> str:
    return json.dumps(
        {
            "kiosk": cfg.kiosk.id,
            "unit": cfg.kiosk.unit,
            "at": now.isoformat(timespec="seconds"),
            "ok": not failed(verdicts),
            "checks": [asdict(v) for v in verdicts],
        },
        ensure_ascii=False,
    )


def write_verdict(path: Path, text: str) -> None:
    """Replace `path` with `text` at once (owner only): the kiosk never reads half a verdict."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def main(
    cfg: Config, *, as_json_output: bool = False, simulator: bool | None = None, output: Path | None = None
) -> int:
    now = datetime.now(UTC)
    verdicts = run_checks(checks(cfg, simulator=simulator, now=now))
    print(as_json(verdicts, cfg, now) if as_json_output else as_text(verdicts))
    if output is not None:
        write_verdict(output, as_json(verdicts, cfg, now))
    return 1 if failed(verdicts) else 0
