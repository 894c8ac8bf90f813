"""The screen-flash colour challenge: the plan, the judge on scripted light (a head, a flat picture, a screen, light
that does not follow the colours, a lost face) and the service on rendered presentations of real photos."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from kiosk.face import flash
from kiosk.face.flash import COLOURS, FlashFailure, FlashLimits, Sample

FPS = 30.0


def test_a_plan_starts_dark_never_repeats_a_colour_and_mixes_two_chromatic_ones() -> None:
    for seed in range(200):
        p = flash.plan(random.Random(seed))
        assert p.colours[0] == "off" and len(p.colours) == FlashLimits().steps + 1
        assert all(a != b for a, b in zip(p.colours[1:], p.colours[2:], strict=False))
        assert len({c for c in p.colours if c in ("red", "green", "blue")}) >= 2
    assert len({flash.plan(random.Random(s)).colours for s in range(50)}) > 30  # not one sequence to prepare for


def test_the_plan_says_what_is_asked_when() -> None:
    p = flash.FlashPlan(("off", "red", "blue", "green", "white", "red"), FlashLimits())
    lim = p.limits
    assert p.shown_at(0.0) == "off" and p.shown_at(lim.baseline_s - 0.01) == "off"
    assert p.shown_at(lim.baseline_s + 0.01) == "red"
    assert p.shown_at(lim.baseline_s + lim.step_s + 0.01) == "blue"
    assert p.shown_at(p.duration_s) == "red"  # the last colour stays until the end


def scripted(
    p: flash.FlashPlan,
    front_gain: float,
    side_gain: float,
    *,
    lag_s: float = 0.1,
    follow: flash.FlashPlan | None = None,
    noise: float = 0.002,
    seed: int = 0,
    face_every: int = 1,
) -> list[Sample]:
    """Frames at 30 fps of a surface lit by the colours of `follow` (default: the plan) `lag_s` late: linear
    light = albedo x (1 + gain x screen colour)."""
    rng = np.random.default_rng(seed)
    albedo = np.array([0.35, 0.22, 0.16])  # skin: more red than blue
    source = follow or p
    out = []
    for k in range(int(p.duration_s * FPS)):
        t = k / FPS
        light = np.array(COLOURS[source.shown_at(t - lag_s)])
        front = albedo * (1 + front_gain * light) + rng.normal(0, noise, 3)
        side = 0.8 * albedo * (1 + side_gain * light) + rng.normal(0, noise, 3)
        if k % face_every:
            out.append(Sample(t, None, None))
        else:
            out.append(Sample(t, front, side))
    return out


PLAN = flash.FlashPlan(("off", "red", "green", "blue", "white", "green"), FlashLimits())


def test_a_head_lit_by_the_screen_passes_and_its_lag_is_found() -> None:
    result = flash.judge(PLAN, scripted(PLAN, 0.12, 0.05, lag_s=0.15))
    assert result.passed and result.failure is None, result
    assert abs(result.lag_s - 0.15) <= 1 / 30 and result.shading == pytest.approx(0.12 / 0.05, rel=0.2)


def test_a_flat_picture_reflects_on_its_sides_as_on_its_front() -> None:
    result = flash.judge(PLAN, scripted(PLAN, 0.12, 0.12))
    assert result.failure is FlashFailure.FLAT_REFLECTION and result.shading == pytest.approx(1.0, abs=0.1)


def test_a_screen_showing_a_face_hardly_reflects() -> None:
    result = flash.judge(PLAN, scripted(PLAN, 0.004, 0.004))
    assert result.failure is FlashFailure.NO_REFLECTION


def test_light_that_follows_other_colours_is_not_the_screens() -> None:
    other = flash.FlashPlan(("off", "blue", "red", "white", "green", "blue"), FlashLimits())
    result = flash.judge(PLAN, scripted(PLAN, 0.12, 0.05, follow=other))
    assert result.failure is FlashFailure.WRONG_COLOUR and result.fit < 0.3, result  # at no lag do they fit


def test_light_that_follows_the_colours_too_loosely_is_refused() -> None:
    result = flash.judge(PLAN, scripted(PLAN, 0.05, 0.02, noise=0.012))
    assert result.failure is FlashFailure.WRONG_COLOUR and result.response > 0.02, result


def test_too_few_frames_with_a_face_cannot_be_judged() -> None:
    assert flash.judge(PLAN, scripted(PLAN, 0.12, 0.05, face_every=3)).failure is FlashFailure.FACE_LOST
    assert flash.judge(PLAN, []).failure is FlashFailure.FACE_LOST


def test_the_ui_draws_every_colour_the_challenge_can_ask_for() -> None:
    from kiosk.ui.screens.identity import FLASH_COLOURS, FLASH_PREFIX

    assert set(FLASH_COLOURS) == set(COLOURS) and FLASH_PREFIX == flash.PROMPT_PREFIX
    for name, (r, g, b) in FLASH_COLOURS.items():
        assert tuple(v / 255 for v in (r, g, b)) == COLOURS[name]


@pytest.fixture(scope="module")
def kit() -> tuple[Any, Any, list[Any]]:
    """The bench's renderer (bench/eval_flash.py) with the real models, on ../shared photos."""
    from bench import attack_kit, eval_flash

    if not (attack_kit.SHARED / "faces-asian" / "identities.json").exists():
        pytest.skip(f"test photos not present: {attack_kit.SHARED / 'faces-asian'} (the ../shared folder is absent)")
    from kiosk.face.verifier import FaceModels, FaceVerifier

    verifier = FaceVerifier(FaceModels.load("int8"))
    photos = [p for p in attack_kit._load(verifier, limit=12) if abs(p.yaw) < 8][:3]
    return eval_flash, verifier, photos


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("bona_fide_proxy", None),
        ("print_flat", FlashFailure.FLAT_REFLECTION),
        ("phone_replay", FlashFailure.NO_REFLECTION),
    ],
)
def test_the_service_lights_real_photos_and_tells_a_head_from_a_print_and_a_phone(
    kit: tuple[Any, Any, list[Any]], kind: str, expected: FlashFailure | None
) -> None:
    eval_flash, verifier, photos = kit
    photo = photos[0]
    result = eval_flash.present(kind, photo, eval_flash.head_shading(photo, verifier), verifier, seed=7)
    assert result.failure is expected, result
