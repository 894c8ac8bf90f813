"""The registry's own certificate authority: its CA, the service's TLS certificate, and kiosk client certificates
issued from a certificate request (the kiosk's private key never leaves the kiosk).
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KIOSK_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class PkiError(ValueError):
    """A certificate request or key file is not acceptable."""


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)


def read_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise PkiError(f"{path}: not an EC private key")
    return key


def write_cert(path: Path, cert: x509.Certificate) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def read_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kiosk reference registry"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


@dataclass(frozen=True)
class Authority:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @classmethod
    def create(cls, common_name: str = "Kiosk registry CA", days: int = 3650) -> Authority:
        key = new_key()
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(_name(common_name))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    @classmethod
    def load(cls, directory: Path) -> Authority:
        return cls(read_key(directory / "ca.key"), read_cert(directory / "ca.pem"))

    def save(self, directory: Path) -> None:
        write_key(directory / "ca.key", self.key)
        write_cert(directory / "ca.pem", self.cert)

    def _leaf(
        self, subject: x509.Name, public_key: ec.EllipticCurvePublicKey, days: int, usage: x509.ObjectIdentifier
    ) -> x509.CertificateBuilder:
        now = datetime.now(UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.cert.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
        )

    def issue_server(
        self, key: ec.EllipticCurvePrivateKey, hosts: tuple[str, ...], days: int = 825
    ) -> x509.Certificate:
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        builder = self._leaf(_name(hosts[0]), key.public_key(), days, ExtendedKeyUsageOID.SERVER_AUTH)
        return builder.add_extension(x509.SubjectAlternativeName(names), critical=False).sign(self.key, hashes.SHA256())

    def issue_kiosk(self, csr: x509.CertificateSigningRequest, days: int = 365) -> x509.Certificate:
        """A client certificate for the kiosk named in `csr` (CN = kiosk ID), after checking the request's signature."""
        if not csr.is_signature_valid:
            raise PkiError("the certificate request's signature is invalid")
        names = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        kiosk_id = str(names[0].value) if names else ""
        if not KIOSK_ID_RE.fullmatch(kiosk_id):
            raise PkiError("the request's common name must be a kiosk ID of [A-Za-z0-9_-]{1,32}")
        public = csr.public_key()
        if not isinstance(public, ec.EllipticCurvePublicKey):
            raise PkiError("kiosk keys must be EC P-256")
        return self._leaf(_name(kiosk_id), public, days, ExtendedKeyUsageOID.CLIENT_AUTH).sign(
            self.key, hashes.SHA256()
        )


def revocation_list(
    authority: Authority, revoked: dict[int, datetime], days: int = 365
) -> x509.CertificateRevocationList:
    """A CRL naming `revoked` serials; the TLS server loads it and refuses those certificates at the handshake."""
    now = datetime.now(UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(authority.cert.subject)
        .last_update(now - timedelta(minutes=5))
        .next_update(now + timedelta(days=days))
    )
    for serial, when in sorted(revoked.items()):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
        )
    return builder.sign(authority.key, hashes.SHA256())


def kiosk_csr(key: ec.EllipticCurvePrivateKey, kiosk_id: str) -> x509.CertificateSigningRequest:
    return x509.CertificateSigningRequestBuilder().subject_name(_name(kiosk_id)).sign(key, hashes.SHA256())


def enrol_kiosk(
    authority: Authority, kiosk_id: str, cert_path: Path, key_path: Path, ca_path: Path
) -> x509.Certificate:
    """Make a kiosk key (kept by the kiosk), have `authority` certify it, and write key, cert and the CA cert."""
    key = new_key()
    cert = authority.issue_kiosk(kiosk_csr(key, kiosk_id))
    write_key(key_path, key)
    write_cert(cert_path, cert)
    write_cert(ca_path, authority.cert)
    return cert
