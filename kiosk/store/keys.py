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


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_keys(directory: Path) -> KioskKeys:
    """The kiosk's existing keys; `MissingKeysError` naming what is absent. Creates and writes nothing."""
    missing = [name for name in KEY_FILES if not (directory / name).is_file()]
    if missing:
        raise MissingKeysError(
            f"kiosk keys missing in {directory}: {', '.join(missing)} (restore them from backup, or enrol the device"
            " again with kiosk enrol-device)"
        )
    return _read(directory)


def load_or_create(directory: Path) -> KioskKeys:
    """Make whatever key is missing, then load: only for enrolling the device (`kiosk enrol-device`) and tests."""
    audit_path, subject_path, data_path = directory / "audit.key", directory / "subject.key", directory / "data.key"
    if not audit_path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _write_private(audit_path, pem)
    for path in (subject_path, data_path):
        if not path.exists():
            _write_private(path, secrets.token_bytes(32))
    return _read(directory)


def _read(directory: Path) -> KioskKeys:
    audit_path, subject_path, data_path = (directory / name for name in KEY_FILES)
    key = serialization.load_pem_private_key(audit_path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{audit_path}: not an Ed25519 key")
    return KioskKeys(key, subject_path.read_bytes(), data_path.read_bytes())
