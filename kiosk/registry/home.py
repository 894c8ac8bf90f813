"""The registry's home folder: CA, TLS certificate, seal signing key, trust list and the default SQLite database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from kiosk.registry import pki
from kiosk.registry.biometric import TemplateCipher
from kiosk.seal import SigningKey, TrustList
from kiosk.seal.cose import Alg

SEAL_KEY_YEARS = 5


@dataclass(frozen=True)
class RegistryHome:
    root: Path

    @property
    def ca_dir(self) -> Path:
        return self.root / "ca"

    @property
    def ca_cert(self) -> Path:
        return self.ca_dir / "ca.pem"

    @property
    def server_cert(self) -> Path:
        return self.root / "tls" / "server.pem"

    @property
    def server_key(self) -> Path:
        return self.root / "tls" / "server.key"

    @property
    def seal_key(self) -> Path:
        return self.root / "seal" / "signing.key"

    @property
    def template_key(self) -> Path:
        return self.root / "biometric" / "template.key"

    @property
    def trust_list(self) -> Path:
        return self.root / "trust.json"

    @property
    def default_database(self) -> str:
        return f"sqlite:///{self.root / 'registry.sqlite3'}"

    def init(
        self,
        hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
        alg: Alg = "ES256",
        valid_from: datetime | None = None,
    ) -> list[str]:
        """Create whatever is missing (never overwrites a key); returns what was created. `valid_from` backdates
        the seal key's validity in the trust list (for test clocks set in the past)."""
        created = []
        if not self.ca_cert.exists():
            pki.Authority.create().save(self.ca_dir)
            created.append("CA")
        if not self.server_cert.exists():
            key = pki.new_key()
            pki.write_key(self.server_key, key)
            pki.write_cert(self.server_cert, pki.Authority.load(self.ca_dir).issue_server(key, hosts))
            created.append("TLS certificate")
        if not self.seal_key.exists():
            signer = SigningKey.generate(alg)
            signer.save(self.seal_key)
            now = datetime.now(UTC)
            trusted = signer.trusted(
                "DOPA reference registry",
                valid_from or now - timedelta(minutes=5),
                now + timedelta(days=365 * SEAL_KEY_YEARS),
            )
            old = TrustList.load(self.trust_list) if self.trust_list.exists() else TrustList()
            old.next((*old.keys, trusted)).save(self.trust_list)
            created.append("seal signing key")
        if not self.template_key.exists():
            TemplateCipher.load_or_create(self.template_key)
            created.append("finger-template key")
        return created

    @property
    def issued_dir(self) -> Path:
        return self.ca_dir / "issued"

    @property
    def crl(self) -> Path:
        return self.ca_dir / "crl.pem"

    @property
    def revoked_file(self) -> Path:
        return self.ca_dir / "revoked.json"

    def enrol_kiosk(self, kiosk_id: str, cert_path: Path, key_path: Path, ca_path: Path) -> x509.Certificate:
        """Certify a new kiosk key (see `pki.enrol_kiosk`) and keep a copy of the certificate for revocation."""
        cert = pki.enrol_kiosk(self.authority(), kiosk_id, cert_path, key_path, ca_path)
        pki.write_cert(self.issued_dir / f"{cert.serial_number:x}.pem", cert)
        return cert

    def revoke(self, kiosk_id: str) -> list[int]:
        """Revoke every certificate issued to `kiosk_id` and rewrite the CRL. The running API refuses them on their
        next request once `Registry.revoke_certificates` has them (the `revoke` command does both)."""
        revoked = self._revoked()
        serials = []
        for path in sorted(self.issued_dir.glob("*.pem")) if self.issued_dir.exists() else []:
            cert = pki.read_cert(path)
            names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
            if names and names[0].value == kiosk_id and cert.serial_number not in revoked:
                revoked[cert.serial_number] = datetime.now(UTC)
                serials.append(cert.serial_number)
        self.revoked_file.write_text(json.dumps({f"{s:x}": t.isoformat() for s, t in revoked.items()}, indent=1))
        self.write_crl()
        return serials

    def revocations(self) -> list[tuple[int, str, datetime]]:
        """(serial, kiosk ID, revoked at) for every certificate in `revoked.json` (kiosk ID from `issued/`)."""
        names: dict[int, str] = {}
        for path in sorted(self.issued_dir.glob("*.pem")) if self.issued_dir.exists() else []:
            cert = pki.read_cert(path)
            cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
            names[cert.serial_number] = str(cn[0].value) if cn else ""
        return [(serial, names.get(serial, ""), when) for serial, when in sorted(self._revoked().items())]

    def _revoked(self) -> dict[int, datetime]:
        if not self.revoked_file.exists():
            return {}
        raw = json.loads(self.revoked_file.read_text())
        return {int(s, 16): datetime.fromisoformat(t) for s, t in raw.items()}

    def write_crl(self) -> Path:
        crl = pki.revocation_list(self.authority(), self._revoked())
        self.crl.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
        return self.crl

    def revoke_seal_key(self, kid_hex: str, when: datetime | None = None) -> bool:
        """Mark a (compromised) seal key revoked in the trust list: verifiers refuse every seal it signed. The
        running service publishes the new list when restarted; kiosks pick it up at their next sync."""
        from dataclasses import replace

        trust = self.trust()
        moment = when or datetime.now(UTC)
        keys = tuple(
            replace(k, revoked_at=moment) if k.kid.hex() == kid_hex and k.revoked_at is None else k for k in trust.keys
        )
        if keys == trust.keys:
            return False
        trust.next(keys).save(self.trust_list)
        return True

    def authority(self) -> pki.Authority:
        return pki.Authority.load(self.ca_dir)

    def signer(self) -> SigningKey:
        return SigningKey.load(self.seal_key)

    def templates(self) -> TemplateCipher:
        """The key that seals citizens' finger templates at rest (made on first use if this home predates it)."""
        return TemplateCipher.load_or_create(self.template_key)

    def trust(self) -> TrustList:
        return TrustList.load(self.trust_list)
