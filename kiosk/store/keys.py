"""The kiosk's local secrets: the Ed25519 key that signs its audit log, the HMAC key that hides citizen IDs in it,
and the AES key that encrypts outbox payloads at rest. They sit on the kiosk's own storage (0600): on a fielded kiosk
put `keys/` on a secure element or an encrypted partition, or the encryption only guards against copying the DB."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.errors import KioskError

KEY_FILES = ("audit.key", "subject.key", "data.key")


class MissingKeysError(KioskError):
    """The kiosk's keys are not where they should be: a clear error, never a silent new key (that would orphan the
    encrypted outbox and re-sign nothing). Keys are made once, by `kiosk enrol-device`."""


@dataclass(frozen=True)
class KioskKeys:
    audit_key: Ed25519PrivateKey  # signs the audit log
    subject_key: bytes  # HMAC key: citizen IDs in the audit log
    data_key: bytes  # AES-256 key: outbox payloads and answers at rest


class KeysExistError(KioskError):
    """Some or all of the kiosk's keys are already there: new keys would orphan what the old ones encrypted and
    signed, so they are never written over or completed."""


def _write_new(path: Path, data: bytes) -> None:
    """`data` into `path` (0600), whole or not at all; `FileExistsError` if `path` is already there."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, path)  # unlike os.replace, refuses an existing file
    finally:
        tmp.unlink(missing_ok=True)


def load_keys(directory: Path) -> KioskKeys:
    """The kiosk's existing keys; `MissingKeysError` naming what is absent. Creates and writes nothing."""
    missing = [name for name in KEY_FILES if not (directory / name).is_file()]
    if missing:
        raise MissingKeysError(
            f"kiosk keys missing in {directory}: {', '.join(missing)} (restore them from backup, or enrol the device"
            " again with kiosk enrol-device)"
        )
    return _read(directory)


def create_keys(directory: Path) -> KioskKeys:
    """New keys in `directory` (made 0700, each file 0600) for a kiosk being enrolled; `KeysExistError` if any key
    file is already there: nothing is replaced."""
    present = [name for name in KEY_FILES if (directory / name).exists()]
    if present:
        raise KeysExistError(
            f"kiosk keys already in {directory}: {', '.join(present)}; refusing to replace them (move them away first"
            " only if this kiosk's outbox and audit log are to be abandoned)"
        )
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)  # mkdir's mode is masked by the umask, and the folder may have existed empty
    audit_pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    for name, data in zip(KEY_FILES, (audit_pem, secrets.token_bytes(32), secrets.token_bytes(32)), strict=True):
        try:
            _write_new(directory / name, data)
        except FileExistsError:
            raise KeysExistError(f"kiosk key {directory / name} appeared while enrolling: not replaced") from None
    _sync_dir(directory)
    return _read(directory)


def load_or_create(directory: Path) -> KioskKeys:
    """The provisioning step (`kiosk enrol-device`, the simulator rig, tests' kiosks): the keys already there when
    all are, new ones (`create_keys`) when none is. A partial set is refused (`KeysExistError`), never completed."""
    if all((directory / name).is_file() for name in KEY_FILES):
        return _read(directory)
    return create_keys(directory)


def _sync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read(directory: Path) -> KioskKeys:
    audit_path, subject_path, data_path = (directory / name for name in KEY_FILES)
    key = serialization.load_pem_private_key(audit_path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{audit_path}: not an Ed25519 key")
    return KioskKeys(key, subject_path.read_bytes(), data_path.read_bytes())
