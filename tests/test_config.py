from __future__ import annotations

from pathlib import Path

import pytest

from kiosk import config
from kiosk.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "kiosk.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_when_empty(tmp_path: Path) -> None:
    cfg = config.load(write(tmp_path, ""))
    assert cfg.passcode.length == 8
    assert cfg.printer.width_dots == 384
    assert cfg.source == str(tmp_path / "kiosk.toml")


def test_values_are_read_and_frozen(tmp_path: Path) -> None:
    cfg = config.load(write(tmp_path, "[printer]\nwidth_dots = 576\n[face]\nmatch_threshold = 1\n"))
    assert cfg.printer.width_dots == 576
    assert cfg.face.match_threshold == 1.0 and isinstance(cfg.face.match_threshold, float)
    with pytest.raises(AttributeError):
        cfg.printer.width_dots = 384  # type: ignore[misc]


def test_unknown_key_names_key_and_file(tmp_path: Path) -> None:
    p = write(tmp_path, "[printer]\nwidht_dots = 576\n")
    with pytest.raises(ConfigError) as e:
        config.load(p)
    assert "printer.widht_dots" in str(e.value) and str(p) in str(e.value)


def test_unknown_section(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'scanner'"):
        config.load(write(tmp_path, "[scanner]\nx = 1\n"))


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[printer]\nwidth_dots = "576"\n', "printer.width_dots"),
        ("[card]\nenabled = 1\n", "card.enabled"),
        ("[finger]\nbaud = true\n", "finger.baud"),
        ('[kiosk]\nlanguage = "fr"\n', "kiosk.language"),
        ('[face]\nflip = "left"\n', "face.flip"),
        ('[face]\nfusion = "max_score"\n', "face.fusion"),
        ("printer = 3\n", "printer"),
    ],
)
def test_mistyped_value_names_key(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        config.load(write(tmp_path, text))


def test_broken_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.load(write(tmp_path, "[printer\n"))
    with pytest.raises(ConfigError, match="not found"):
        config.load(tmp_path / "nope.toml")


@pytest.mark.parametrize("name", ["kiosk.pi.toml", "kiosk.sim.toml"])
def test_shipped_examples_load(name: str) -> None:
    cfg = config.load(ROOT / "config" / name)
    assert cfg.kiosk.id


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[passcode]\nlength = 4\n", "passcode.length"),
        ("[passcode]\nlength = 13\n", "passcode.length"),
        ("[face]\nmatch_threshold = 1.5\n", "face.match_threshold"),
        ("[face]\nframes = 0\n", "face.frames"),
        ("[face]\nportrait_alignments = 10\n", "face.portrait_alignments"),
        ("[face]\nframes_window_s = -1.0\n", "face.frames_window_s"),
        ("[printer]\nwidth_dots = 0\n", "printer.width_dots"),
        ("[store]\nmax_offline_hours = 0\n", "store.max_offline_hours"),
    ],
)
def test_out_of_range_value_names_key_and_file(tmp_path: Path, text: str, key: str) -> None:
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        config.load(p)
    assert key in str(e.value) and str(p) in str(e.value)


def test_boundaries_are_accepted(tmp_path: Path) -> None:
    cfg = config.load(write(tmp_path, "[passcode]\nlength = 6\n[face]\nmatch_threshold = 1\n"))
    assert cfg.passcode.length == 6


def test_a_field_kits_time_without_a_sync_reaches_its_journeys(tmp_path: Path) -> None:
    from kiosk.compose.journeys import limits_of

    cfg = config.load(write(tmp_path, "[store]\nmax_offline_hours = 12\n"))
    assert limits_of(cfg).max_offline_s == 12 * 3600
    assert config.load(write(tmp_path, "")).store.max_offline_hours == 72


def test_the_audio_output_is_a_configuration_choice(tmp_path: Path) -> None:
    from kiosk.config import load

    p = tmp_path / "kiosk.toml"
    p.write_text('[audio]\noutput = "headphones"\ndevice = "bcm2835 Headphones"\nvolume = 0.5\n')
    cfg = load(p)
    assert (cfg.audio.output, cfg.audio.device, cfg.audio.volume) == ("headphones", "bcm2835 Headphones", 0.5)
    p.write_text('[audio]\nspeaker = "left"\n')
    with pytest.raises(ConfigError, match="speaker"):
        load(p)
    p.write_text("[audio]\nvolume = 3.0\n")
    with pytest.raises(ConfigError, match=r"audio\.volume"):
        load(p)


def test_the_face_decision_rule_is_configuration(tmp_path: Path) -> None:
    text = '[face]\nflip = "probe"\nportrait_alignments = 1\nframes = 5\nfusion = "median_score"\nframes_window_s = 0\n'
    face = config.load(write(tmp_path, text)).face
    assert (face.flip, face.portrait_alignments, face.frames, face.fusion, face.frames_window_s) == (
        "probe", 1, 5, "median_score", 0.0
    )  # fmt: skip


def test_the_printers_faster_rates_are_profile_data(tmp_path: Path) -> None:
    cfg = config.load(write(tmp_path, "[printer]\nbaud = 115200\nbauds = [460800, 230400]\n"))
    assert cfg.printer.bauds == (460800, 230400) and cfg.printer.baud == 115200
    assert config.load(ROOT / "config" / "kiosk.sim.toml").printer.bauds == (230400,)
    with pytest.raises(ConfigError, match=r"printer\.bauds"):
        config.load(write(tmp_path, "[printer]\nbauds = 230400\n"))
    with pytest.raises(ConfigError, match=r"printer\.baud_rates"):
        config.load(write(tmp_path, "[printer]\nbaud_rates = [230400]\n"))
