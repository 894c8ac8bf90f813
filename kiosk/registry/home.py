"""The registry's home folder: CA, TLS certificate, seal signing key, trust list and the default SQLite database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.registry import pki
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
            old = TrustList.load(self.trust_list).keys if self.trust_list.exists() else ()
            TrustList((*old, trusted)).save(self.trust_list)
            created.append("seal signing key")
        return created

    def authority(self) -> pki.Authority:
        return pki.Authority.load(self.ca_dir)

    def signer(self) -> SigningKey:
        return SigningKey.load(self.seal_key)

    def trust(self) -> TrustList:
        return TrustList.load(self.trust_list)
