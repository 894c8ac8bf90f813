"""The shape of kiosk.toml: one frozen dataclass per section, read once at start-up by `load`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kiosk.configfile import build, load_toml
from kiosk.errors import ConfigError


@dataclass(frozen=True)
class KioskSection:
    id: str = "KIOSK-DEV-0001"
    unit: str = "dev"
    language: Literal["th", "en"] = "th"
    timezone: str = "Asia/Bangkok"
    data_dir: Path = Path("var")
    role: Literal["unattended", "field_kit"] = "unattended"  # field_kit: an officer's kit (officer-assisted enrolment)
    # the boot-time doctor's verdict (packaging/systemd/kiosk-doctor.service); empty: no boot check (development)
    boot_check: str = ""


@dataclass(frozen=True)
class CardSection:
    enabled: bool = True
    reader: str = ""  # substring of the PC/SC reader name; empty = first reader
    share_mode: Literal["shared", "exclusive"] = "shared"
    read_photo: bool = True
    reject_expired: bool = True


@dataclass(frozen=True)
class FingerSection:
    enabled: bool = True
    port: str = "/dev/ttyAMA0"  # any pyserial URL: a device, a pty path, socket://, loop://
    baud: int = 57600
    address: int = 0xFFFFFFFF
    password: int = 0
    packet_size: int = 128
    capture_timeout_s: float = 10.0
    reply_timeout_s: float = 2.0
    has_led: bool = True
    match_threshold: int = 50
    max_attempts: int = 3  # failed fingerprint tries before the finger is locked for that card ([security] lockout_s)


@dataclass(frozen=True)
class PrinterSection:
    enabled: bool = True
    transport: str = "/dev/ttyUSB0"  # pyserial URL or tcp://host:9100
    baud: int = 115200  # the base rate: the printer's factory setting, tried last
    # faster rates the printer model runs at (set on the printer: DIP switches, memory switch, or auto-baud); on
    # opening the fastest the printer answers at is used, falling back step by step to `baud`
    bauds: tuple[int, ...] = ()
    width_dots: int = 384
    has_cutter: bool = True
    status_timeout_s: float = 1.0
    confirm_timeout_s: float = 30.0
    near_end_max_lines: int = 2400  # dot rows a document may have once paper is near its end (203 dpi: 30 cm)
    # how a job is confirmed printed: GS ( H process ID (framed, per job) or GS r (one byte) where it is unsupported
    confirm: Literal["process_id", "gs_r"] = "process_id"


@dataclass(frozen=True)
class CameraSection:
    enabled: bool = True
    backend: Literal["picamera2", "opencv", "folder"] = "picamera2"
    device: str = "0"
    folder: Path = Path("")
    width: int = 640
    height: int = 480
    mirrored: bool = False  # the module delivers mirror images (some USB webcams): flipped back in the driver
    rotation_deg: Literal[0, 90, 180, 270] = 0  # clockwise turn that makes frames upright (camera mounted turned)


@dataclass(frozen=True)
class FaceSection:
    match_threshold: float = 0.46  # cosine; FAR <= 0.01 % on faces and faces-asian, chip-like (eval_face, eval_fusion)
    model: Literal["int8", "float"] = "int8"
    liveness: bool = True
    liveness_timeout_s: float = 20.0
    flash_challenge: bool = False  # after the actions the screen lights the face with colours; off: see LIVENESS.md
    max_attempts: int = 3
    # the match (kiosk/models/README.md, bench/eval_face.py, bench/eval_fusion.py): mirrored crops added on which
    # side, placements a portrait's template averages, how many of a capture's best frames decide, how they are
    # fused, how long capture gathers them after the first good frame
    flip: Literal["none", "probe", "portrait", "both"] = "both"
    portrait_alignments: int = 5
    frames: int = 3
    fusion: Literal["embedding", "mean_score", "median_score"] = "embedding"
    frames_window_s: float = 1.0


@dataclass(frozen=True)
class CoprocSection:
    enabled: bool = True
    port: str = "/dev/ttyACM0"
    baud: int = 115200
    heartbeat_s: float = 1.0
    watchdog_grace_s: float = 30.0
    watchdog_warn_s: float = 5.0  # without a heartbeat this long the board warns; it power-cycles the Pi a grace later
    watchdog_boot_grace_s: float = 120.0  # extra time the Pi gets to boot after a power cycle
    reply_timeout_s: float = 1.0


@dataclass(frozen=True)
class RegistrySection:
    url: str = "https://127.0.0.1:8443"
    ca_cert: Path = Path("var/pki/ca.pem")
    client_cert: Path = Path("var/pki/kiosk.pem")
    client_key: Path = Path("var/pki/kiosk.key")
    timeout_s: float = 5.0
    trust_list: Path = Path("var/trust.json")
    heartbeat_s: float = 60.0  # how often the kiosk tells the registry its state (kiosk/heartbeat.py)


@dataclass(frozen=True)
class StoreSection:
    path: Path = Path("var/kiosk.sqlite3")
    sync_interval_s: float = 5.0
    max_backoff_s: float = 300.0
    max_offline_hours: float = 72.0  # a field kit that has not synced for longer stops enrolling until it syncs


@dataclass(frozen=True)
class PasscodeSection:
    length: int = 8
    max_run: int = 3  # longest ascending or descending run allowed
    max_repeat: int = 2  # most times one digit may appear in a row
    max_attempts: int = 3


@dataclass(frozen=True)
class SecuritySection:
    lockout_s: float = 900.0  # after too many failed tries of a face, finger, passcode or PIN, locked this long


@dataclass(frozen=True)
class UISection:
    width: int = 800
    height: int = 480
    fullscreen: bool = True
    large_text: bool = False
    font: str = "Garuda"
    inactivity_warning_s: float = 60.0
    inactivity_timeout_s: float = 90.0
    # touch panel calibration, libinput's matrix a b c d e f over window fractions (x' = ax+by+c, y' = dx+ey+f):
    # identity; [0,1,0, -1,0,1] for a panel mounted a quarter-turn clockwise from the display
    touch_matrix: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


@dataclass(frozen=True)
class AudioSection:
    """Spoken guidance (kiosk.drivers.audio): espeak-ng's Thai and English voices through SDL's output `device`."""

    enabled: bool = True
    output: Literal["speaker", "headphones"] = "speaker"  # what `device` is; neither ever hears an ID or a name
    device: str = ""  # SDL output device name ("" = the default); `kiosk doctor` lists the names it sees
    volume: float = 0.7  # where every new person starts (0..1)
    espeak: str = "espeak-ng"
    voice_th: str = "th"
    voice_en: str = "en"
    speed_wpm: int = 150


@dataclass(frozen=True)
class Config:
    source: str = "<defaults>"
    kiosk: KioskSection = field(default_factory=KioskSection)
    card: CardSection = field(default_factory=CardSection)
    finger: FingerSection = field(default_factory=FingerSection)
    printer: PrinterSection = field(default_factory=PrinterSection)
    camera: CameraSection = field(default_factory=CameraSection)
    face: FaceSection = field(default_factory=FaceSection)
    coproc: CoprocSection = field(default_factory=CoprocSection)
    registry: RegistrySection = field(default_factory=RegistrySection)
    store: StoreSection = field(default_factory=StoreSection)
    passcode: PasscodeSection = field(default_factory=PasscodeSection)
    security: SecuritySection = field(default_factory=SecuritySection)
    ui: UISection = field(default_factory=UISection)
    audio: AudioSection = field(default_factory=AudioSection)


def load(path: Path) -> Config:
    """Read `path` once into a Config; any unknown or mistyped key is a ConfigError naming the key and the file."""
    data = load_toml(path)
    if "source" in data:
        raise ConfigError(f"{path}: unknown key 'source'")
    cfg = build(Config, {"source": str(path)} | data, source=str(path))
    check_ranges(cfg)
    return cfg


# (section, key, lowest, highest): values the registry or the devices would refuse later are refused at start-up.
RANGES: tuple[tuple[str, str, float, float], ...] = (
    ("passcode", "length", 6, 12),
    ("passcode", "max_run", 2, 12),
    ("passcode", "max_repeat", 1, 12),
    ("passcode", "max_attempts", 1, 10),
    ("printer", "width_dots", 128, 832),
    ("face", "match_threshold", 0.0, 1.0),
    ("face", "portrait_alignments", 1, 9),
    ("face", "frames", 1, 10),
    ("face", "frames_window_s", 0.0, 5.0),
    ("coproc", "heartbeat_s", 0.1, 60.0),
    ("audio", "volume", 0.0, 1.0),
    ("store", "max_offline_hours", 1.0, 30 * 24.0),
    ("audio", "speed_wpm", 80, 400),
    ("registry", "heartbeat_s", 5.0, 3600.0),
)


def check_ranges(cfg: Config) -> None:
    for section, key, lowest, highest in RANGES:
        value = getattr(getattr(cfg, section), key)
        if not lowest <= value <= highest:
            raise ConfigError(f"{cfg.source}: '{section}.{key}' = {value} is outside {lowest}..{highest}")
    if len(cfg.ui.touch_matrix) != 6:
        raise ConfigError(
            f"{cfg.source}: 'ui.touch_matrix' must have 6 numbers (a b c d e f), not {len(cfg.ui.touch_matrix)}"
        )
