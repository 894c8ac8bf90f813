"""Seals: round trip, every single-character and single-byte alteration rejected, fuzz, expiry, unknown keys."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk import seal
from kiosk.seal import base45, cose
from kiosk.seal.qr import QrReadError, qr_image, read_seal_text

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def make(alg: cose.Alg = "ES256") -> tuple[str, seal.TrustList, seal.SigningKey]:
    key = seal.SigningKey.generate(alg)
    trust = seal.TrustList((key.trusted("DOPA test", NOW - timedelta(days=1), NOW + timedelta(days=365)),))
    doc = seal.SealDocument(
        "TR14_1",
        "TR141-2026-00000042",
        "1101700123456",
        "DOPA test",
        NOW,
        NOW + timedelta(days=90),
        {"name": "นายสมชาย ใจดี", "dob": "1985-03-15", "house_id": "10140189572"},
    )
    return seal.issue(doc, key), trust, key


@pytest.fixture(scope="module", params=["ES256", "EdDSA"])
def sample(request: pytest.FixtureRequest) -> tuple[str, seal.TrustList, seal.SigningKey]:
    return make(request.param)


def test_base45_rfc9285_vectors() -> None:
    for raw, text in [(b"AB", "BB8"), (b"Hello!!", "%69 VD92EX0"), (b"base-45", "UJCLQE7W581"), (b"ietf!", "QED8WEX0")]:
        assert base45.encode(raw) == text
        assert base45.decode(text) == raw
    for bad in ("GGW", "A", "abc", "ZZZZ"):  # out of range, dangling, lower case, dangling
        with pytest.raises(base45.Base45Error):
            base45.decode(bad)


def test_round_trip_gives_the_fields(sample: tuple[str, seal.TrustList, seal.SigningKey]) -> None:
    text, trust, key = sample
    assert text.startswith("TH1:") and set(text[4:]) <= set(base45.ALPHABET)
    check = seal.verify(text, trust, NOW + timedelta(days=1))
    assert check.status == "valid" and check.ok
    assert check.kid_hex == key.kid.hex()
    assert check.document is not None
    assert check.document.doc_no == "TR141-2026-00000042"
    assert check.document.citizen_id == "1101700123456"
    assert check.document.fields["name"] == "นายสมชาย ใจดี"
    assert check.document.expires_at == NOW + timedelta(days=90)


def test_every_single_character_change_of_the_qr_text_is_rejected(
    sample: tuple[str, seal.TrustList, seal.SigningKey],
) -> None:
    text, trust, _ = sample
    tried = 0
    for i, original in enumerate(text):
        for replacement in base45.ALPHABET + "a#":
            if replacement == original:
                continue
            check = seal.verify(text[:i] + replacement + text[i + 1 :], trust, NOW)
            assert check.status != "valid", f"position {i}: {original!r} -> {replacement!r} accepted"
            assert check.document is None or check.status == "expired"
            tried += 1
    assert tried > 40 * len(text)


def test_every_byte_of_the_signed_structure_is_covered(sample: tuple[str, seal.TrustList, seal.SigningKey]) -> None:
    """Change each byte of the COSE_Sign1 (every bit flip and three other values), re-pack it validly: all rejected."""
    text, trust, _ = sample
    raw = zlib.decompress(base45.decode(text[4:]))
    for i in range(len(raw)):
        for new in {raw[i] ^ (1 << b) for b in range(8)} | {0x00, 0xFF, (raw[i] + 1) % 256} - {raw[i]}:
            altered = bytearray(raw)
            altered[i] = new
            packed = "TH1:" + base45.encode(zlib.compress(bytes(altered), 9))
            assert seal.verify(packed, trust, NOW).status in ("invalid", "unknown_key"), f"byte {i} -> {new:#x}"


def test_zlib_header_and_padding_alterations_are_rejected(sample: tuple[str, seal.TrustList, seal.SigningKey]) -> None:
    """zlib itself accepts another FLEVEL header and set padding bits; the seal does not."""
    text, trust, _ = sample
    compressed = base45.decode(text[4:])
    for flg in (0x01, 0x5E, 0x9C):
        variant = compressed[:1] + bytes([flg]) + compressed[2:]
        assert zlib.decompress(variant) == zlib.decompress(compressed)
        assert seal.verify("TH1:" + base45.encode(variant), trust, NOW).status == "invalid"
    padding_alterations(compressed, trust)


def padding_alterations(compressed: bytes, trust: seal.TrustList) -> int:
    """Set each padding bit of the last deflate byte (zlib ignores them): every such seal must be rejected."""
    last, found = len(compressed) - 5, 0
    for bit in range(8):
        variant = bytearray(compressed)
        variant[last] ^= 1 << bit
        try:
            same = zlib.decompress(bytes(variant)) == zlib.decompress(compressed)
        except zlib.error:
            same = False
        if same:
            found += 1
            assert seal.verify("TH1:" + base45.encode(bytes(variant)), trust, NOW).status == "invalid"
    return found


def test_padding_bits_are_found_and_rejected() -> None:
    """Most deflate streams end mid-byte; over a few seals, padding bits certainly occur and are all rejected."""
    key = seal.SigningKey.generate("EdDSA")
    trust = seal.TrustList((key.trusted("t", NOW - timedelta(days=1), NOW + timedelta(days=1)),))
    found = 0
    for n in range(12):
        doc = seal.SealDocument("TR12_2", f"TR122-2026-{n:08d}", "1101700123456", "t", NOW, NOW, {"n": "x" * n})
        found += padding_alterations(base45.decode(seal.issue(doc, key)[4:]), trust)
    assert found > 0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_seals_are_never_valid(data: st.DataObject) -> None:
    text, trust, _ = FUZZ_SAMPLE
    position = data.draw(st.integers(0, len(text) - 1))
    action = data.draw(st.sampled_from(["replace", "insert", "delete", "swap", "truncate", "garbage"]))
    chars = st.sampled_from(base45.ALPHABET)
    if action == "replace":
        c = data.draw(chars.filter(lambda c: c != text[position]))
        mutated = text[:position] + c + text[position + 1 :]
    elif action == "insert":
        mutated = text[:position] + data.draw(st.text(chars, min_size=1, max_size=5)) + text[position:]
    elif action == "delete":
        mutated = text[:position] + text[position + data.draw(st.integers(1, 5)) :]
    elif action == "swap":
        other = data.draw(st.integers(0, len(text) - 1))
        chars_list = list(text)
        chars_list[position], chars_list[other] = chars_list[other], chars_list[position]
        mutated = "".join(chars_list)
    elif action == "truncate":
        mutated = text[:position]
    else:
        mutated = data.draw(st.text(max_size=600))
    if mutated == text:
        return
    assert seal.verify(mutated, trust, NOW).status != "valid"


FUZZ_SAMPLE = make("ES256")


def test_expired_seal_still_shows_its_fields(sample: tuple[str, seal.TrustList, seal.SigningKey]) -> None:
    text, trust, _ = sample
    check = seal.verify(text, trust, NOW + timedelta(days=91))
    assert check.status == "expired" and not check.ok
    assert check.document is not None and check.document.doc_no == "TR141-2026-00000042"


def test_unknown_key_and_key_outside_validity() -> None:
    text, _, key = make()
    stranger = seal.SigningKey.generate()
    other = seal.TrustList((stranger.trusted("other", NOW - timedelta(days=1), NOW + timedelta(days=1)),))
    check = seal.verify(text, other, NOW)
    assert check.status == "unknown_key" and check.document is None
    assert seal.verify(text, seal.TrustList(), NOW).status == "unknown_key"
    retired = seal.TrustList((key.trusted("old", NOW - timedelta(days=10), NOW - timedelta(days=5)),))
    assert seal.verify(text, retired, NOW).status == "invalid"


def test_a_key_swapped_under_the_same_kid_is_caught() -> None:
    """A forged trust entry (another public key claiming the kid) cannot load; a forged seal signature fails."""
    text, trust, _key = make()
    forger = seal.SigningKey.generate()
    entry = forger.trusted("forger", NOW - timedelta(days=1), NOW + timedelta(days=1)).to_json()
    entry["kid"] = trust.keys[0].to_json()["kid"]
    with pytest.raises(seal.TrustListError):
        seal.TrustList.from_json({"version": 1, "keys": [entry]})
    sign1 = cose.parse(zlib.decompress(base45.decode(text[4:])))
    forged = cose.sign(sign1.payload, forger.private_key)
    forged_same_kid = cose.Sign1(sign1.protected, forged.alg, sign1.kid, forged.payload, forged.signature)
    packed = "TH1:" + base45.encode(zlib.compress(forged_same_kid.to_bytes(), 9))
    assert seal.verify(packed, trust, NOW).status == "invalid"


def test_trust_list_file_round_trip(tmp_path: Path, sample: tuple[str, seal.TrustList, seal.SigningKey]) -> None:
    text, trust, _ = sample
    trust.save(tmp_path / "trust.json")
    assert seal.verify(text, seal.TrustList.load(tmp_path / "trust.json"), NOW).ok
    (tmp_path / "bad.json").write_text('{"version": 1, "keys": [{"kid": "x"}]}')
    with pytest.raises(seal.TrustListError):
        seal.TrustList.load(tmp_path / "bad.json")


def test_seal_survives_print_as_qr_and_scan(
    tmp_path: Path, sample: tuple[str, seal.TrustList, seal.SigningKey]
) -> None:
    text, _trust, _ = sample
    image = qr_image(text, box_px=3).convert("L").rotate(7, expand=True, fillcolor=255)  # a slightly skewed scan
    image.save(tmp_path / "scan.png")
    assert read_seal_text(tmp_path / "scan.png") == text
    (tmp_path / "blank.png").write_bytes((tmp_path / "scan.png").read_bytes()[:50])
    with pytest.raises(QrReadError):
        read_seal_text(tmp_path / "blank.png")


@pytest.mark.parametrize("pad", [(" ", ""), ("", " "), ("", "\n"), ("\t", "")])
def test_white_space_around_a_seal_is_not_the_seal(pad: tuple[str, str]) -> None:
    """A space is a Base45 digit: verify() takes the QR text exactly; input edges trim before calling it."""
    text, trust, _ = FUZZ_SAMPLE
    assert seal.verify(text, trust, NOW).status == "valid"
    assert seal.verify(pad[0] + text + pad[1], trust, NOW).status == "invalid"
