"""Signed releases installed beside the running one, switched atomically, health-checked, rolled back by themselves.

Layout under the root (`/opt/kiosk`): `releases/<version>/` one complete release each, `current` a symlink to the
one in use, `update-state.json` the journal. A bundle is a gzip'd tar of one release with a detached Ed25519
signature (`BUNDLE.sig`) over `kiosk-release-v1\\0` + the bundle's SHA-256; its first member `RELEASE` names the
version. Every step leaves a state `recover` can finish from (a power cut at any point ends on a working release):

1. verify the signature (nothing is written for a bad bundle);
2. unpack into `releases/.<version>.partial`, fsync, rename to `releases/<version>`;
3. journal `trying` (new, old, since), then switch `current` (a new symlink renamed over the old one);
4. run the release's health check within its deadline; pass: journal `good`; fail, hang or no start: switch back,
   journal `rolled_back` and keep the bad version from being installed again.

`recover` (at boot, before the kiosk: packaging/systemd/kiosk-update-recover.service) rolls back a `trying` that was
never confirmed and removes partial unpacks. Why not RAUC: it updates whole A/B root partitions, which needs a
boot loader integration (the Pi's tryboot) and an image build we do not have; a release directory per version on one
file system gives the same atomic switch and rollback for the application, testable on x86 with the same files.
Standard library only, except `cryptography` for signatures (imported where needed), so `recover` runs even when the
new release's Python packages are broken.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DOMAIN = b"kiosk-release-v1\0"
STATE = "update-state.json"
RELEASES = "releases"
CURRENT = "current"
PARTIAL_PREFIX = "."
PARTIAL_SUFFIX = ".partial"
DEFAULT_CHECK = ("venv/bin/kiosk", "doctor")
DEFAULT_DEADLINE_S = 180.0
MAX_CUT_OFFS = 2  # an update cut off this often while being checked counts as a failed release
_SAFE_VERSION = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.+-_~")


class UpdateError(Exception):
    """An update that was refused or failed; the kiosk stays on (or returns to) a working release."""

    reason = "update_failed"


class BadSignature(UpdateError):
    reason = "bad_signature"


class BadBundle(UpdateError):
    reason = "bad_bundle"


class KnownBad(UpdateError):
    reason = "known_bad"


class HealthCheckFailed(UpdateError):
    reason = "health_check_failed"


# --------------------------------------------------------------------------------------------------- signatures


def digest_message(bundle: bytes) -> bytes:
    return DOMAIN + hashlib.sha256(bundle).digest()


def sign_bundle(bundle: bytes, private_key_pem: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key(private_key_pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise UpdateError("the release signing key must be Ed25519")
    return key.sign(digest_message(bundle))


def verify_bundle(bundle: bytes, signature: bytes, public_key_pem: bytes) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    key = load_pem_public_key(public_key_pem)
    if not isinstance(key, Ed25519PublicKey):
        raise BadSignature("the trusted release key is not Ed25519")
    try:
        key.verify(signature, digest_message(bundle))
    except InvalidSignature as e:
        raise BadSignature("the bundle's signature does not verify with the trusted release key") from e


def make_bundle(release_dir: Path, version: str, out: Path, private_key_pem: bytes) -> Path:
    """Pack `release_dir` as VERSION's bundle at `out`, signed (`out.sig`): the release engineer's side."""
    check_version(version)
    tmp = out.with_name(out.name + ".tmp")
    with tarfile.open(tmp, "w:gz") as tar:
        info = tarfile.TarInfo("RELEASE")
        data = version.encode()
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        for path in sorted(release_dir.rglob("*")):
            tar.add(path, arcname=str(path.relative_to(release_dir)), recursive=False)
    os.replace(tmp, out)
    signature = sign_bundle(out.read_bytes(), private_key_pem)
    Path(str(out) + ".sig").write_bytes(signature)
    return out


def check_version(version: str) -> str:
    if not version or len(version) > 64 or not set(version) <= _SAFE_VERSION or version.startswith("."):
        raise BadBundle(f"not a release version: {version!r}")
    return version


# ------------------------------------------------------------------------------------------------ durable files


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            if path.is_symlink():
                continue
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))


def write_state(root: Path, state: dict[str, Any]) -> None:
    path = root / STATE
    tmp = root / (STATE + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(state, f, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(root)
    _crash_point("state:" + str(state.get("state")))


def read_state(root: Path) -> dict[str, Any]:
    try:
        state = json.loads((root / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def current_version(root: Path) -> str | None:
    link = root / CURRENT
    if not link.is_symlink():
        return None
    target = Path(os.readlink(link))
    return target.name if (root / RELEASES / target.name).is_dir() else None


def switch(root: Path, version: str) -> None:
    """Point `current` at `version` in one rename (a reader sees the old or the new link, never none)."""
    tmp = root / (CURRENT + ".tmp")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(Path(RELEASES) / version, tmp)
    _crash_point("switch:linked")
    os.replace(tmp, root / CURRENT)
    _fsync_dir(root)
    _crash_point("switch:" + version)


def _crash_point(name: str) -> None:
    """Tests kill the updater here (KIOSK_UPDATE_CRASH_AT=name) to show that `recover` ends on a working release."""
    if os.environ.get("KIOSK_UPDATE_CRASH_AT") == name:
        os.kill(os.getpid(), 9)


# ------------------------------------------------------------------------------------------------------- install


@dataclass(frozen=True)
class Outcome:
    version: str
    state: str  # "good", "rolled_back", "already_current"
    detail: str = ""


def bundle_version(bundle: Path) -> str:
    """The version a bundle's first member, `RELEASE`, names (read before anything is unpacked)."""
    try:
        with tarfile.open(bundle, "r:gz") as tar:
            first = tar.next()
            if first is None or first.name != "RELEASE" or not first.isfile():
                raise BadBundle("the bundle does not start with its RELEASE file")
            named = tar.extractfile(first)
            assert named is not None
            return check_version(named.read(65).decode("ascii", "replace").strip())
    except (tarfile.TarError, OSError, EOFError) as e:
        raise BadBundle(f"the bundle cannot be read: {type(e).__name__}: {e}") from e


def unpack(root: Path, bundle: Path, version: str) -> None:
    """Unpack into a partial directory, fsync it, and rename it into place as `releases/<version>`."""
    releases = root / RELEASES
    releases.mkdir(parents=True, exist_ok=True)
    partial = releases / f"{PARTIAL_PREFIX}{version}{PARTIAL_SUFFIX}"
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir()
    try:
        with tarfile.open(bundle, "r:gz") as tar:
            members = [m for m in tar.getmembers() if m.name != "RELEASE"]
            tar.extractall(partial, members=members, filter="data")  # no absolute paths, no escapes, no devices
    except (tarfile.TarError, OSError, EOFError) as e:
        shutil.rmtree(partial, ignore_errors=True)
        raise BadBundle(f"the bundle cannot be unpacked: {type(e).__name__}: {e}") from e
    _crash_point("unpack:extracted")
    _fsync_tree(partial)
    final = releases / version
    if final.exists():
        shutil.rmtree(final)
    os.replace(partial, final)
    _fsync_dir(releases)
    _crash_point("unpack:renamed")


def health_check(release: Path, command: tuple[str, ...], deadline_s: float) -> str:
    """ "" when the release's check passes within the deadline; otherwise why not."""
    argv = [str(release / command[0]), *command[1:]]
    try:
        done = subprocess.run(argv, cwd=release, capture_output=True, timeout=deadline_s, check=False)
    except subprocess.TimeoutExpired:
        return f"the health check did not finish within {deadline_s:g} s"
    except OSError as e:
        return f"the release does not start: {type(e).__name__}: {e}"
    if done.returncode != 0:
        tail = done.stdout[-300:].decode("utf-8", "replace").strip()
        return f"the health check failed (exit status {done.returncode}): {tail}"
    return ""


def install(
    root: Path,
    bundle: Path,
    public_key_pem: bytes,
    *,
    check: tuple[str, ...] = DEFAULT_CHECK,
    deadline_s: float = DEFAULT_DEADLINE_S,
    now: float | None = None,
) -> Outcome:
    data = bundle.read_bytes()
    signature_path = Path(str(bundle) + ".sig")
    try:
        signature = signature_path.read_bytes()
    except OSError as e:
        raise BadSignature(f"no signature beside the bundle ({signature_path.name})") from e
    verify_bundle(data, signature, public_key_pem)
    recover(root)  # finish whatever an earlier run left, before judging what is current
    state = read_state(root)
    old = current_version(root)
    version = bundle_version(bundle)
    bad, cut_off = list(state.get("bad", [])), dict(state.get("cut_off", {}))
    if version in bad:
        raise KnownBad(f"release {version} failed its health check before; it is not installed again")
    if version == old:
        return Outcome(version, "already_current")
    unpack(root, bundle, version)
    since = time.time() if now is None else now
    write_state(root, {"state": "trying", "new": version, "old": old, "since": since, "bad": bad, "cut_off": cut_off})
    switch(root, version)
    why = health_check(root / RELEASES / version, check, deadline_s)
    if why:
        switch_back(root, old)
        write_state(root, {"state": "rolled_back", "current": old, "bad": [*bad, version], "detail": why})
        return Outcome(version, "rolled_back", why)
    write_state(root, {"state": "good", "current": version, "previous": old, "bad": bad})
    prune(root, keep={version, *([old] if old else [])})
    return Outcome(version, "good")


def switch_back(root: Path, old: str | None) -> None:
    if old is not None and (root / RELEASES / old).is_dir():
        switch(root, old)
    elif (root / CURRENT).is_symlink():
        (root / CURRENT).unlink()  # nothing worked before either: no current release rather than a bad one
        _fsync_dir(root)


def recover(root: Path) -> str:
    """Finish what a cut-off update left: roll back an unconfirmed switch, drop partial unpacks and stray links.
    Returns what was done, for the log."""
    done = []
    releases = root / RELEASES
    if releases.is_dir():
        for partial in releases.iterdir():
            if partial.name.startswith(PARTIAL_PREFIX) and partial.name.endswith(PARTIAL_SUFFIX):
                shutil.rmtree(partial, ignore_errors=True)
                done.append(f"removed {partial.name}")
    stray = root / (CURRENT + ".tmp")
    if stray.is_symlink() or stray.exists():
        stray.unlink()
        done.append("removed a stray link")
    state = read_state(root)
    if state.get("state") == "trying":
        old, new = state.get("old"), str(state.get("new"))
        bad, cut_off = list(state.get("bad", [])), dict(state.get("cut_off", {}))
        cut_off[new] = int(cut_off.get(new, 0)) + 1
        if cut_off[new] >= MAX_CUT_OFFS:
            bad.append(new)  # a release that takes the machine down while it is checked is not tried for ever
        switch_back(root, old)
        write_state(
            root,
            {"state": "rolled_back", "current": old, "bad": bad, "cut_off": cut_off, "detail": "cut off unconfirmed"},
        )
        done.append(f"rolled back from {new} to {old}")
    return "; ".join(done) or "nothing to do"


def prune(root: Path, keep: set[str]) -> None:
    for release in (root / RELEASES).iterdir():
        if release.name not in keep and not release.name.startswith(PARTIAL_PREFIX):
            shutil.rmtree(release, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="kiosk-update", description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path, default=Path("/opt/kiosk"))
    sub = p.add_subparsers(dest="action", required=True)
    inst = sub.add_parser("install", help="verify, install beside, switch, health-check, roll back on failure")
    inst.add_argument("bundle", type=Path)
    inst.add_argument("--key", type=Path, default=Path("/etc/kiosk/release-key.pem"), help="trusted public key")
    inst.add_argument("--deadline-s", type=float, default=DEFAULT_DEADLINE_S)
    inst.add_argument("--check", nargs="+", default=list(DEFAULT_CHECK), help="health check, relative to release")
    sub.add_parser("recover", help="finish or roll back an update cut off by a power loss (run at boot)")
    sign = sub.add_parser("bundle", help="pack and sign a release directory (the release engineer's side)")
    sign.add_argument("release_dir", type=Path)
    sign.add_argument("version")
    sign.add_argument("out", type=Path)
    sign.add_argument("--signing-key", type=Path, required=True)
    args = p.parse_args(argv)
    try:
        if args.action == "install":
            outcome = install(
                args.root, args.bundle, args.key.read_bytes(), check=tuple(args.check), deadline_s=args.deadline_s
            )
            print(f"{outcome.version}: {outcome.state} {outcome.detail}".rstrip())
            return 0 if outcome.state != "rolled_back" else 3
        if args.action == "recover":
            print(recover(args.root))
            return 0
        make_bundle(args.release_dir, args.version, args.out, args.signing_key.read_bytes())
        print(args.out)
        return 0
    except UpdateError as e:
        print(f"kiosk-update: {e.reason}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
