"""The doctor's screen check (KMS/DRM, console blanking, a touch panel) read from fake /dev and /sys trees."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kiosk import doctor
from kiosk.config import Config

TOUCH = 'I: Bus=0018\nN: Name="generic ft5x06 (79)"\nH: Handlers=mouse0 event0\nB: ABS=2658000 3\nTouchscreen\n'


def tree(tmp_path: Path, *, card: bool = True, blank: str = "0", inputs: str = TOUCH) -> dict[str, Path]:
    drm = tmp_path / "dri"
    drm.mkdir()
    if card:
        (drm / "card1").touch()
    (tmp_path / "consoleblank").write_text(blank + "\n")
    (tmp_path / "devices").write_text(inputs)
    return {"drm": drm, "blank": tmp_path / "consoleblank", "inputs": tmp_path / "devices"}


def check(tmp_path: Path, cfg: Config | None = None, **kw: object) -> doctor.Verdict:
    paths = tree(tmp_path, **kw)  # type: ignore[arg-type]
    run = doctor.Check("screen", 2.0, lambda: doctor.check_screen(cfg or Config(), env={}, **paths), "hint")
    return doctor.run_checks([run])[0]


def test_a_kiosk_screen_with_kms_no_blanking_and_a_touch_panel_is_ok(tmp_path: Path) -> None:
    v = check(tmp_path)
    assert v.status == "ok" and "KMS/DRM card1" in v.detail and "touch panel found" in v.detail


def test_no_drm_device_fails_with_the_overlay_to_enable(tmp_path: Path) -> None:
    v = check(tmp_path, card=False)
    assert v.status == "fail" and "vc4-kms-v3d" in v.hint


@pytest.mark.parametrize(("kw", "says"), [({"blank": "600"}, "consoleblank=0"), ({"inputs": "N: keyboard\n"}, "touch")])
def test_console_blanking_or_no_touch_panel_warns(tmp_path: Path, kw: dict[str, str], says: str) -> None:
    v = check(tmp_path, **kw)
    assert v.status == "warn" and says in v.hint


def test_windowed_or_simulated_is_skipped(tmp_path: Path) -> None:
    base = Config()
    windowed = dataclasses.replace(base, ui=dataclasses.replace(base.ui, fullscreen=False))
    assert check(tmp_path, windowed).status == "skip"
    with pytest.raises(doctor.Skip):
        doctor.check_screen(base, simulator=True)
