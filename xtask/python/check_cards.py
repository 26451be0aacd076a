"""Outside checks of dinhdanh's identity cards, written from ICAO 9303 alone (no code shared
with the Rust implementation).

Reads a directory of exported cards (`dinhdanh card samples DIR` or `dinhdanh card export`):
DIR/CSCA.der, DIR/CRL.der and one folder per card with EF.COM.bin, DGn.bin, EF.SOD.bin and,
for samples, qr.txt and qr.png. For every card it checks that

1. DG1's MRZ is a TD1 accepted by the `mrz` package's checker;
2. EF.SOD (CMS SignedData, Part 10 and 11) is signed by the document signer, whose certificate
   chains to the CSCA; the CRL is signed by the CSCA and does not list the document signer;
   every data group's SHA-256 matches the LDS security object; and that a copy with one byte of
   a data group changed is rejected;
3. the QR images decode (zxing-cpp) to exactly the texts in qr.txt and qr-signed.txt, and the
   signed QR (a compact JWS, RFC 7515) verifies as ES256 with the key of DIR/qr-keys.json that
   its header names, and not once one character of its payload is changed.

Exits non-zero with a message naming the card and the failed check.
"""

import base64
import copy
import hashlib
import json
import pathlib
import sys

from asn1crypto import algos, cms, core, crl as asn1_crl, keys, x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

# ICAO 9303 Part 10 §4.6.2: LDSSecurityObject.


class DataGroupHash(core.Sequence):
    _fields = [("dataGroupNumber", core.Integer), ("dataGroupHashValue", core.OctetString)]


class DataGroupHashValues(core.SequenceOf):
    _child_spec = DataGroupHash


class LdsSecurityObject(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("hashAlgorithm", algos.DigestAlgorithm),
        ("dataGroupHashValues", DataGroupHashValues),
        ("ldsVersionInfo", core.Any, {"optional": True}),
    ]


LDS_SECURITY_OBJECT_OID = "2.23.136.1.1.1"

# The curves the Part 12 certificates may describe with explicit parameters (SEC 2 values).
CURVES = {
    "p256": (
        ec.SECP256R1(),
        0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF,
        0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    ),
    "p384": (
        ec.SECP384R1(),
        int(
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFF", 16
        ),
        int(
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16
        ),
    ),
}
NAMED = {"secp256r1": ec.SECP256R1(), "secp384r1": ec.SECP384R1()}
HASHES = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


class Failure(Exception):
    pass


def public_key(spki: keys.PublicKeyInfo):
    """An EC public key from a SubjectPublicKeyInfo with named or explicit curve parameters."""
    params = spki["algorithm"]["parameters"]
    point = spki["public_key"].native
    if params.name == "named":
        curve = NAMED[params.chosen.native]
    elif params.name == "specified":
        spec = params.chosen
        prime = spec["field_id"]["parameters"].native
        order = spec["order"].native
        match = [c for (c, p, n) in CURVES.values() if p == prime and n == order]
        if not match:
            raise Failure("explicit curve parameters of an unknown curve")
        curve = match[0]
        # The generator must be the curve's own: compare against a point derived from it.
        base = bytes(spec["base"].native)
        expected = ec.derive_private_key(1, curve).public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        if base != expected:
            raise Failure("explicit curve parameters name another generator")
    else:
        raise Failure("implicit curve parameters")
    return ec.EllipticCurvePublicKey.from_encoded_point(curve, point)


def verify_ecdsa(key, signature_der: bytes, data: bytes, hash_name: str, what: str):
    try:
        key.verify(signature_der, data, ec.ECDSA(HASHES[hash_name]))
    except InvalidSignature:
        raise Failure(f"{what}: the signature does not verify")


def signature_hash(algo) -> str:
    name = algo["algorithm"].native  # e.g. sha256_ecdsa
    return name.split("_")[0]


def check_certificate(cert: x509.Certificate, issuer_key, what: str):
    verify_ecdsa(
        issuer_key,
        cert["signature_value"].native,
        cert["tbs_certificate"].dump(),
        signature_hash(cert["signature_algorithm"]),
        what,
    )


def unwrap_sod(data: bytes) -> bytes:
    """EF.SOD is [APPLICATION 23] (tag 0x77) around a ContentInfo."""
    if not data or data[0] != 0x77:
        raise Failure("EF.SOD does not start with tag 77")
    outer = core.load(data)
    return outer.contents


def passive_authentication(card: pathlib.Path, csca: x509.Certificate, crl, files: dict):
    ci = cms.ContentInfo.load(unwrap_sod(files["EF.SOD.bin"]))
    if ci["content_type"].native != "signed_data":
        raise Failure("EF.SOD is not SignedData")
    sd = ci["content"]
    encap = sd["encap_content_info"]
    if encap["content_type"].dotted != LDS_SECURITY_OBJECT_OID:
        raise Failure("the signed content is not an LDS security object")
    lds_bytes = bytes(encap["content"])
    lds = LdsSecurityObject.load(lds_bytes)
    if len(sd["signer_infos"]) != 1:
        raise Failure("EF.SOD must have exactly one signer")
    si = sd["signer_infos"][0]
    ds = None
    sid = si["sid"]
    for c in sd["certificates"]:
        cert = c.chosen
        if sid.name == "issuer_and_serial_number":
            ias = sid.chosen
            if cert.serial_number == ias["serial_number"].native and cert.issuer == ias["issuer"]:
                ds = cert
        elif cert.key_identifier == sid.chosen.native:
            ds = cert
    if ds is None:
        raise Failure("EF.SOD carries no certificate of its signer")

    # Signed attributes: content type and the digest of the LDS security object.
    digest_name = si["digest_algorithm"]["algorithm"].native
    attrs = {a["type"].native: a["values"][0] for a in si["signed_attrs"]}
    if attrs["content_type"].dotted != LDS_SECURITY_OBJECT_OID:
        raise Failure("the content-type attribute does not name the LDS security object")
    if attrs["message_digest"].native != hashlib.new(digest_name, lds_bytes).digest():
        raise Failure("the message-digest attribute does not match the LDS security object")
    # RFC 5652 §5.4: the signature covers the DER of the attributes with a SET OF tag.
    signed = si["signed_attrs"].dump()
    signed = b"\x31" + signed[1:]
    sig_hash = si["signature_algorithm"]["algorithm"].native
    sig_hash = sig_hash.split("_")[0] if "_" in sig_hash else digest_name
    verify_ecdsa(public_key(ds.public_key), si["signature"].native, signed, sig_hash, "EF.SOD")

    # Chain: DS signed by the CSCA, CSCA self-signed; the CRL by the CSCA, not listing the DS.
    if ds.issuer != csca.subject:
        raise Failure("the document signer's issuer is not the CSCA")
    csca_key = public_key(csca.public_key)
    check_certificate(ds, csca_key, "document signer certificate")
    check_certificate(csca, csca_key, "CSCA certificate")
    if crl is not None:
        verify_ecdsa(
            csca_key,
            crl["signature"].native,
            crl["tbs_cert_list"].dump(),
            signature_hash(crl["signature_algorithm"]),
            "CRL",
        )
        revoked = crl["tbs_cert_list"]["revoked_certificates"]
        if any(r["user_certificate"].native == ds.serial_number for r in revoked):
            raise Failure("the document signer certificate is revoked")

    # Every data group against its hash; every DG file present must be covered.
    hash_name = lds["hashAlgorithm"]["algorithm"].native
    hashed = {h["dataGroupNumber"].native: h["dataGroupHashValue"].native for h in lds["dataGroupHashValues"]}
    present = {int(n[2:-4]): b for n, b in files.items() if n.startswith("DG")}
    for n, data in present.items():
        if n not in hashed:
            raise Failure(f"DG{n} is not covered by EF.SOD")
        if hashlib.new(hash_name, data).digest() != hashed[n]:
            raise Failure(f"DG{n} does not match its hash")
    if 1 not in present:
        raise Failure("no DG1")


def read_tlv(data: bytes):
    """One BER-TLV: (tag bytes, value), for tags of one or two bytes and definite lengths."""
    if len(data) < 2:
        raise Failure("truncated TLV")
    i = 2 if data[0] & 0x1F == 0x1F else 1
    tag = data[:i]
    first = data[i]
    i += 1
    if first < 0x80:
        length = first
    else:
        n = first & 0x7F
        length = int.from_bytes(data[i : i + n], "big")
        i += n
    if i + length > len(data):
        raise Failure("TLV longer than its data")
    return tag, data[i : i + length]


def check_mrz(files: dict):
    from mrz.checker.td1 import TD1CodeChecker

    # DG1 is 61 L { 5F1F L MRZ } (Part 10 §4.7.1); 5F1F is a two-byte tag.
    tag, body = read_tlv(files["DG1.bin"])
    if tag != b"\x61":
        raise Failure("DG1 does not start with tag 61")
    tag, mrz = read_tlv(body)
    if tag != b"\x5f\x1f":
        raise Failure("DG1 does not hold a 5F1F MRZ element")
    text = mrz.decode("ascii")
    if len(text) != 90:
        raise Failure(f"DG1's MRZ has {len(text)} characters, not 90")
    lines = "\n".join(text[i : i + 30] for i in (0, 30, 60))
    checker = TD1CodeChecker(lines, check_expiry=False)
    if not bool(checker):
        raise Failure(f"the mrz package refuses DG1's TD1 {lines!r}")
    if text[:5] != "IDVNM":
        raise Failure("the MRZ is not a Vietnamese identity card")
    return text


def check_qr(card: pathlib.Path):
    import zxingcpp
    from PIL import Image

    for image, text in [("qr.png", "qr.txt"), ("qr-signed.png", "qr-signed.txt")]:
        if not (card / image).exists():
            continue
        expected = (card / text).read_text(encoding="utf-8")
        found = zxingcpp.read_barcodes(Image.open(card / image))
        if len(found) != 1 or found[0].text != expected:
            raise Failure(f"{image} decodes to {[f.text for f in found]!r}, expected {expected!r}")


def b64url(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def jws_valid(jws: str, jwks: dict) -> bool:
    """RFC 7515 compact serialization, ES256 (RFC 7518 §3.4: r || s, 32 bytes each)."""
    parts = jws.split(".")
    if len(parts) != 3:
        return False
    header = json.loads(b64url(parts[0]))
    if header.get("alg") != "ES256":
        return False
    key = next((k for k in jwks["keys"] if k.get("kid") == header.get("kid")), None)
    if key is None or key.get("crv") != "P-256":
        return False
    public = ec.EllipticCurvePublicNumbers(
        int.from_bytes(b64url(key["x"]), "big"), int.from_bytes(b64url(key["y"]), "big"), ec.SECP256R1()
    ).public_key()
    sig = b64url(parts[2])
    if len(sig) != 64:
        return False
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    try:
        public.verify(der, f"{parts[0]}.{parts[1]}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def check_signed_qr(card: pathlib.Path, jwks: dict):
    jws = (card / "qr-signed.txt").read_text(encoding="utf-8")
    if not jws_valid(jws, jwks):
        raise Failure("the signed QR does not verify with the published key")
    claims = json.loads(b64url(jws.split(".")[1]))
    if claims.get("pin") != card.name or not claims["pin"].endswith(claims.get("doc", "-")):
        raise Failure(f"the signed QR names another card: {claims!r}")
    header, payload, sig = jws.split(".")
    changed = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    if jws_valid(f"{header}.{changed}.{sig}", jwks):
        raise Failure("a signed QR with its payload changed was accepted")


def main(root: pathlib.Path) -> int:
    csca = x509.Certificate.load((root / "CSCA.der").read_bytes())
    crl_path = root / "CRL.der"
    crl = asn1_crl.CertificateList.load(crl_path.read_bytes()) if crl_path.exists() else None
    cards = sorted(p for p in root.iterdir() if p.is_dir())
    if not cards:
        print(f"no card folders in {root}", file=sys.stderr)
        return 1
    qr_checked = 0
    signed_checked = 0
    jwks_path = root / "qr-keys.json"
    jwks = json.loads(jwks_path.read_text()) if jwks_path.exists() else None
    for card in cards:
        files = {p.name: p.read_bytes() for p in card.iterdir() if p.suffix == ".bin"}
        try:
            check_mrz(files)
            passive_authentication(card, csca, crl, files)
            # A copy with one byte of a data group changed must be rejected.
            for dg in sorted(n for n in files if n.startswith("DG")):
                tampered = copy.copy(files)
                b = bytearray(files[dg])
                b[len(b) // 2] ^= 0x01
                tampered[dg] = bytes(b)
                try:
                    passive_authentication(card, csca, crl, tampered)
                except Failure:
                    continue
                raise Failure(f"a copy with one byte of {dg} changed was accepted")
            if (card / "qr.png").exists():
                check_qr(card)
                qr_checked += 1
            if jwks is not None and (card / "qr-signed.txt").exists():
                check_signed_qr(card, jwks)
                signed_checked += 1
        except Failure as e:
            print(f"{card.name}: {e}", file=sys.stderr)
            return 1
    print(f"{len(cards)} cards: MRZ accepted by mrz, EF.SOD, chain, CRL and hashes verified, tampering caught; "
          f"{qr_checked} cards' QR images decoded to their text; {signed_checked} signed QR verified (ES256 JWS)")
    return 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1])))
