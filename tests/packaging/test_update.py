"""Signed updates with rollback (kiosk/update.py): a good release switches, a bad one rolls back by itself, a bad
signature changes nothing, and a SIGKILL at every step of the switch ends on a working release after `recover`."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from kiosk import update

UPDATER = Path(update.__file__)
CHECKS = {
    "passes": "#!/bin/sh\necho healthy\nexit 0\n",
    "fails": "#!/bin/sh\necho 'printer: fail'\nexit 1\n",
    "hangs": "#!/bin/sh\nsleep 30\n",
}


class Keys:
    def __init__(self) -> None:
        key = Ed25519PrivateKey.generate()
        self.private = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        self.public = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


def release(tmp_path: Path, keys: Keys, version: str, check: str | None = "passes") -> Path:
    """A signed bundle of a release whose health check (venv/bin/kiosk doctor) behaves as `check` says."""
    tree = tmp_path / "src" / version
    (tree / "venv" / "bin").mkdir(parents=True)
    (tree / "VERSION").write_text(version)
    if check is not None:
        script = tree / "venv" / "bin" / "kiosk"
        script.write_text(CHECKS[check])
        script.chmod(0o755)
    return update.make_bundle(tree, version, tmp_path / f"kiosk-{version}.tar.gz", keys.private)


def running(root: Path) -> str | None:
    """The version `current` points at, judged by the file the release carries (what the kiosk would run)."""
    link = root / update.CURRENT
    return (link / "VERSION").read_text() if link.exists() else None


def installed(root: Path, bundle: Path, keys: Keys, **kw: object) -> update.Outcome:
    return update.install(root, bundle, keys.public, **kw)  # type: ignore[arg-type]


def test_a_good_release_switches_and_keeps_the_previous_one(tmp_path: Path, keys: Keys) -> None:
    root = tmp_path / "opt"
    assert installed(root, release(tmp_path, keys, "1.0"), keys).state == "good"
    assert running(root) == "1.0"
    assert installed(root, release(tmp_path, keys, "1.1"), keys).state == "good"
    assert installed(root, release(tmp_path, keys, "1.2"), keys).state == "good"
    assert running(root) == "1.2"
    assert sorted(p.name for p in (root / update.RELEASES).iterdir()) == ["1.1", "1.2"]  # the one to fall back to
    assert update.read_state(root)["state"] == "good"
    assert installed(root, tmp_path / "kiosk-1.2.tar.gz", keys).state == "already_current"


@pytest.mark.parametrize("check", ["fails", "hangs", None], ids=["fails-check", "hangs", "does-not-start"])
def test_a_release_that_fails_its_health_check_rolls_back_and_is_not_tried_again(
    tmp_path: Path, keys: Keys, check: str | None
) -> None:
    root = tmp_path / "opt"
    installed(root, release(tmp_path, keys, "1.0"), keys)
    outcome = installed(root, release(tmp_path, keys, "2.0", check), keys, deadline_s=1.0)
    assert outcome.state == "rolled_back" and outcome.detail
    assert running(root) == "1.0"
    assert update.read_state(root)["bad"] == ["2.0"]
    with pytest.raises(update.KnownBad):
        installed(root, tmp_path / "kiosk-2.0.tar.gz", keys)
    assert running(root) == "1.0"


def test_a_bad_signature_changes_nothing(tmp_path: Path, keys: Keys) -> None:
    root = tmp_path / "opt"
    installed(root, release(tmp_path, keys, "1.0"), keys)
    before = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    bundle = release(tmp_path, keys, "2.0")
    data = bytearray(bundle.read_bytes())
    data[len(data) // 2] ^= 1
    tampered = tmp_path / "tampered.tar.gz"
    tampered.write_bytes(bytes(data))
    (tmp_path / "tampered.tar.gz.sig").write_bytes((tmp_path / "kiosk-2.0.tar.gz.sig").read_bytes())
    with pytest.raises(update.BadSignature):
        installed(root, tampered, keys)
    with pytest.raises(update.BadSignature):  # signed, but by someone else's key
        update.install(root, bundle, Keys().public)
    (tmp_path / "kiosk-2.0.tar.gz.sig").unlink()
    with pytest.raises(update.BadSignature):
        installed(root, bundle, keys)
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == before
    assert running(root) == "1.0"


def test_a_signed_bundle_cannot_write_outside_its_release(tmp_path: Path, keys: Keys) -> None:
    root = tmp_path / "opt"
    installed(root, release(tmp_path, keys, "1.0"), keys)
    bundle = tmp_path / "evil.tar.gz"
    with tarfile.open(bundle, "w:gz") as tar:
        for name, data in (("RELEASE", b"6.6"), ("../../escaped", b"x")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    Path(str(bundle) + ".sig").write_bytes(update.sign_bundle(bundle.read_bytes(), keys.private))
    with pytest.raises(update.BadBundle):
        installed(root, bundle, keys)
    assert not (tmp_path / "escaped").exists() and not list(tmp_path.rglob("escaped"))
    assert running(root) == "1.0"
    assert not [p for p in (root / update.RELEASES).iterdir() if p.name.endswith(update.PARTIAL_SUFFIX)]


def run_updater(root: Path, *args: str, crash_at: str = "") -> subprocess.CompletedProcess[str]:
    """The updater as the package installs it (/usr/lib/kiosk/kiosk_update.py, alone in its folder), run as the
    recover unit runs it (`python3 -I`); install needs `cryptography`, so it runs with this venv's Python."""
    alone = root.parent / "usr-lib-kiosk" / "kiosk_update.py"
    alone.parent.mkdir(exist_ok=True)
    alone.write_bytes(UPDATER.read_bytes())
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_UPDATE_CRASH_AT"}
    if crash_at:
        env["KIOSK_UPDATE_CRASH_AT"] = crash_at
    no_site = ["-S"] if args[0] == "recover" else []  # recover: the standard library alone, no site-packages
    return subprocess.run(
        [sys.executable, "-I", *no_site, str(alone), "--root", str(root), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


STEPS_OF_A_GOOD_UPDATE = ["unpack:extracted", "unpack:renamed", "state:trying", "switch:linked", "switch:2.0"]


@pytest.mark.parametrize("step", [*STEPS_OF_A_GOOD_UPDATE, "state:good"])
def test_a_power_cut_at_every_step_ends_on_a_working_release(tmp_path: Path, keys: Keys, step: str) -> None:
    root = tmp_path / "opt"
    key = tmp_path / "release-key.pem"
    key.write_bytes(keys.public)
    installed(root, release(tmp_path, keys, "1.0"), keys)
    bundle = release(tmp_path, keys, "2.0")
    cut = run_updater(root, "install", str(bundle), "--key", str(key), crash_at=step)
    assert cut.returncode == -9, cut.stderr  # killed at that step
    recovered = run_updater(root, "recover")  # at boot, standard library only
    assert recovered.returncode == 0, recovered.stderr
    assert running(root) == ("2.0" if step == "state:good" else "1.0")  # confirmed, or back where it was
    assert update.read_state(root).get("state") != "trying"
    assert not list(root.glob("current.tmp")) and not list((root / update.RELEASES).glob(".*"))
    again = run_updater(root, "install", str(bundle), "--key", str(key))
    assert again.returncode == 0, again.stderr
    assert running(root) == "2.0"  # one cut-off is not a verdict on the release: it installs on the next try


def test_a_power_cut_while_rolling_back_still_ends_on_the_old_release(tmp_path: Path, keys: Keys) -> None:
    root = tmp_path / "opt"
    key = tmp_path / "release-key.pem"
    key.write_bytes(keys.public)
    installed(root, release(tmp_path, keys, "1.0"), keys)
    bundle = release(tmp_path, keys, "2.0", "fails")
    cut = run_updater(root, "install", str(bundle), "--key", str(key), crash_at="switch:1.0")
    assert cut.returncode == -9
    assert run_updater(root, "recover").returncode == 0
    assert running(root) == "1.0"


def test_a_release_cut_off_twice_while_checked_is_given_up(tmp_path: Path, keys: Keys) -> None:
    root = tmp_path / "opt"
    key = tmp_path / "release-key.pem"
    key.write_bytes(keys.public)
    installed(root, release(tmp_path, keys, "1.0"), keys)
    bundle = release(tmp_path, keys, "2.0")
    for _ in range(update.MAX_CUT_OFFS):
        assert run_updater(root, "install", str(bundle), "--key", str(key), crash_at="switch:2.0").returncode == -9
        assert run_updater(root, "recover").returncode == 0
    refused = run_updater(root, "install", str(bundle), "--key", str(key))
    assert refused.returncode == 2 and "known_bad" in refused.stderr
    assert running(root) == "1.0"
