//! Public keys and signature algorithms: reading and writing SubjectPublicKeyInfo (named or
//! explicit elliptic-curve domain parameters, RSA) and checking signatures with aws-lc-rs.
//! No private key ever enters this crate; signing goes through [`ContentSigner`].

use crate::der::{self, DerError, ObjectId, Reader, Writer};
use crate::oids;
use aws_lc_rs::signature::{self as sig, UnparsedPublicKey, VerificationAlgorithm};
use std::sync::LazyLock;

/// Elliptic curves this crate verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Curve {
    P256,
    P384,
    P521,
}

impl Curve {
    pub fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }

    /// Bytes of one coordinate or scalar.
    pub fn scalar_len(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }

    fn oid(self) -> ObjectId {
        match self {
            Curve::P256 => oids::SECP256R1,
            Curve::P384 => oids::SECP384R1,
            Curve::P521 => oids::SECP521R1,
        }
    }

    fn from_oid(oid: &ObjectId) -> Option<Curve> {
        [Curve::P256, Curve::P384, Curve::P521].into_iter().find(|c| c.oid() == *oid)
    }

    /// Explicit ECParameters (RFC 3279 §2.3.5), as ICAO 9303 Part 12 asks CSCA and
    /// document-signer certificates to carry.
    pub fn explicit_parameters(self) -> Option<&'static [u8]> {
        match self {
            Curve::P256 => Some(&EXPLICIT_P256),
            Curve::P384 => Some(&EXPLICIT_P384),
            Curve::P521 => None,
        }
    }
}

/// SEC 2 domain parameters, DER, with seed and cofactor.
static EXPLICIT_P256: LazyLock<Vec<u8>> = LazyLock::new(|| {
    crate::hex_decode(concat!(
        "3081f7020101302c06072a8648ce3d0101022100ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
        "305b0420ffffffff00000001000000000000000000000000fffffffffffffffffffffffc04205ac635d8aa3a93e7b3ebbd55769886",
        "bc651d06b0cc53b0f63bce3c3e27d2604b031500c49d360886e704936a6678e1139d26b7819f7e900441046b17d1f2e12c4247f8",
        "bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837",
        "bf51f5022100ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551020101"
    ))
});

static EXPLICIT_P384: LazyLock<Vec<u8>> = LazyLock::new(|| {
    crate::hex_decode(concat!(
        "30820157020101303c06072a8648ce3d0101023100ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "fffeffffffff0000000000000000ffffffff307b0430ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "fffeffffffff0000000000000000fffffffc0430b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f501387",
        "5ac656398d8a2ed19d2a85c8edd3ec2aef031500a335926aa319a27a1d00896a6773a4827acdac73046104aa87ca22be8b0537",
        "8eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab73617de4a96262c6f5d9e98",
        "bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f023100ffffffffffffffffffffff",
        "ffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973020101"
    ))
});

/// The parts of explicit parameters that identify a curve (the seed is informative only).
#[derive(PartialEq, Eq)]
struct CurveParams<'a> {
    prime: &'a [u8],
    a: &'a [u8],
    b: &'a [u8],
    base: &'a [u8],
    order: &'a [u8],
    cofactor: Option<u64>,
}

fn curve_params(der: &[u8]) -> Result<CurveParams<'_>, DerError> {
    let seq = der::parse_one(der, der::SEQUENCE)?;
    let mut r = seq.reader();
    if r.expect(der::INTEGER)?.u64()? != 1 {
        return Err(DerError::Invalid("EC parameters version"));
    }
    let field = r.expect(der::SEQUENCE)?;
    let mut f = field.reader();
    if f.expect(der::OID)?.oid()? != oids::PRIME_FIELD {
        return Err(DerError::Invalid("EC field type"));
    }
    let prime = f.expect(der::INTEGER)?.unsigned_bytes()?;
    let curve = r.expect(der::SEQUENCE)?;
    let mut c = curve.reader();
    let a = strip_zeros(c.expect(der::OCTET_STRING)?.value);
    let b = strip_zeros(c.expect(der::OCTET_STRING)?.value);
    let base = r.expect(der::OCTET_STRING)?.value;
    let order = r.expect(der::INTEGER)?.unsigned_bytes()?;
    let cofactor = r.optional(der::INTEGER)?.map(|t| t.u64()).transpose()?;
    r.finish()?;
    Ok(CurveParams { prime, a, b, base, order, cofactor: cofactor.or(Some(1)) })
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|x| *x != 0).unwrap_or(b.len());
    &b[i..]
}

fn curve_from_explicit(der: &[u8]) -> Option<Curve> {
    let given = curve_params(der).ok()?;
    [Curve::P256, Curve::P384].into_iter().find(|c| {
        c.explicit_parameters().and_then(|known| curve_params(known).ok()).is_some_and(|known| known == given)
    })
}

/// How elliptic-curve parameters are written in a SubjectPublicKeyInfo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CurveEncoding {
    Named,
    Explicit,
}

/// A public key this crate can check signatures with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    /// An uncompressed SEC 1 point (`04 || x || y`).
    Ec { curve: Curve, point: Vec<u8> },
    /// PKCS#1 RSAPublicKey DER, and the modulus size in bits.
    Rsa { pkcs1: Vec<u8>, bits: usize },
}

impl PublicKey {
    /// Reads a DER SubjectPublicKeyInfo.
    pub fn from_spki(spki: &[u8]) -> Result<PublicKey, DerError> {
        let seq = der::parse_one(spki, der::SEQUENCE)?;
        let mut r = seq.reader();
        let alg = r.expect(der::SEQUENCE)?;
        let bits = r.expect(der::BIT_STRING)?.bit_string_bytes()?;
        r.finish()?;
        let mut a = alg.reader();
        let oid = a.expect(der::OID)?.oid()?;
        if oid == oids::EC_PUBLIC_KEY {
            let params = a.read()?;
            let curve = match params.tag {
                der::OID => Curve::from_oid(&params.oid()?),
                der::SEQUENCE => curve_from_explicit(params.raw),
                _ => None,
            }
            .ok_or(DerError::Invalid("elliptic curve (P-256, P-384 and P-521 are supported)"))?;
            if bits.len() != 1 + 2 * curve.scalar_len() || bits[0] != 4 {
                return Err(DerError::Invalid("elliptic-curve point (uncompressed form expected)"));
            }
            Ok(PublicKey::Ec { curve, point: bits.to_vec() })
        } else if oid == oids::RSA_ENCRYPTION {
            let key = der::parse_one(bits, der::SEQUENCE)?;
            let modulus = key.reader().expect(der::INTEGER)?.unsigned_bytes()?;
            Ok(PublicKey::Rsa { pkcs1: bits.to_vec(), bits: modulus.len() * 8 })
        } else {
            Err(DerError::Invalid("public-key algorithm"))
        }
    }

    /// The key as a SubjectPublicKeyInfo.
    pub fn to_spki(&self, encoding: CurveEncoding) -> Vec<u8> {
        let mut w = Writer::with_capacity(300);
        w.seq(|w| match self {
            PublicKey::Ec { curve, point } => {
                w.seq(|w| {
                    w.oid(&oids::EC_PUBLIC_KEY);
                    match (encoding, curve.explicit_parameters()) {
                        (CurveEncoding::Explicit, Some(params)) => w.raw(params),
                        _ => w.oid(&curve.oid()),
                    }
                });
                w.bit_string(point);
            }
            PublicKey::Rsa { pkcs1, .. } => {
                w.seq(|w| {
                    w.oid(&oids::RSA_ENCRYPTION);
                    w.null();
                });
                w.bit_string(pkcs1);
            }
        });
        w.into_vec()
    }

    /// The subject public key bits (the point, or the RSAPublicKey), for key identifiers.
    pub fn key_bits(&self) -> &[u8] {
        match self {
            PublicKey::Ec { point, .. } => point,
            PublicKey::Rsa { pkcs1, .. } => pkcs1,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            PublicKey::Ec { curve, .. } => format!("ECDSA {}", curve.name()),
            PublicKey::Rsa { bits, .. } => format!("RSA {bits}"),
        }
    }

    /// Checks `signature` over `msg` with `alg`. `false` for any mismatch between key and
    /// algorithm, malformed signature or wrong signature.
    pub fn verify(&self, alg: SignatureAlgorithm, msg: &[u8], signature: &[u8]) -> bool {
        let Some(v) = verification_algorithm(self, alg) else { return false };
        UnparsedPublicKey::new(v, self.key_bits()).verify(msg, signature).is_ok()
    }

    /// Checks a plain (`r || s`) ECDSA signature, the form chips return for Active
    /// Authentication (BSI TR-03111 `ecdsa-plain-signatures`).
    pub fn verify_plain_ecdsa(&self, hash: Hash, msg: &[u8], signature: &[u8]) -> bool {
        let PublicKey::Ec { curve, point } = self else { return false };
        let v: &'static dyn VerificationAlgorithm = match (curve, hash) {
            (Curve::P256, Hash::Sha256) => &sig::ECDSA_P256_SHA256_FIXED,
            (Curve::P384, Hash::Sha384) => &sig::ECDSA_P384_SHA384_FIXED,
            (Curve::P521, Hash::Sha512) => &sig::ECDSA_P521_SHA512_FIXED,
            _ => return false,
        };
        UnparsedPublicKey::new(v, point).verify(msg, signature).is_ok()
    }
}

fn verification_algorithm(key: &PublicKey, alg: SignatureAlgorithm) -> Option<&'static dyn VerificationAlgorithm> {
    use SignatureAlgorithm as S;
    Some(match (key, alg) {
        (PublicKey::Ec { curve: Curve::P256, .. }, S::EcdsaSha256) => &sig::ECDSA_P256_SHA256_ASN1,
        (PublicKey::Ec { curve: Curve::P256, .. }, S::EcdsaSha384) => &sig::ECDSA_P256_SHA384_ASN1,
        (PublicKey::Ec { curve: Curve::P384, .. }, S::EcdsaSha256) => &sig::ECDSA_P384_SHA256_ASN1,
        (PublicKey::Ec { curve: Curve::P384, .. }, S::EcdsaSha384) => &sig::ECDSA_P384_SHA384_ASN1,
        (PublicKey::Ec { curve: Curve::P521, .. }, S::EcdsaSha512) => &sig::ECDSA_P521_SHA512_ASN1,
        (PublicKey::Rsa { .. }, S::RsaPkcs1Sha256) => &sig::RSA_PKCS1_2048_8192_SHA256,
        (PublicKey::Rsa { .. }, S::RsaPkcs1Sha384) => &sig::RSA_PKCS1_2048_8192_SHA384,
        (PublicKey::Rsa { .. }, S::RsaPkcs1Sha512) => &sig::RSA_PKCS1_2048_8192_SHA512,
        (PublicKey::Rsa { .. }, S::RsaPssSha256) => &sig::RSA_PSS_2048_8192_SHA256,
        (PublicKey::Rsa { .. }, S::RsaPssSha384) => &sig::RSA_PSS_2048_8192_SHA384,
        (PublicKey::Rsa { .. }, S::RsaPssSha512) => &sig::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}

/// Digest algorithms of LDS security objects and CMS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    pub fn oid(self) -> ObjectId {
        match self {
            Hash::Sha256 => oids::SHA256,
            Hash::Sha384 => oids::SHA384,
            Hash::Sha512 => oids::SHA512,
        }
    }

    pub fn from_oid(oid: &ObjectId) -> Option<Hash> {
        [Hash::Sha256, Hash::Sha384, Hash::Sha512].into_iter().find(|h| h.oid() == *oid)
    }

    pub fn name(self) -> &'static str {
        match self {
            Hash::Sha256 => "SHA-256",
            Hash::Sha384 => "SHA-384",
            Hash::Sha512 => "SHA-512",
        }
    }

    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let alg = match self {
            Hash::Sha256 => &aws_lc_rs::digest::SHA256,
            Hash::Sha384 => &aws_lc_rs::digest::SHA384,
            Hash::Sha512 => &aws_lc_rs::digest::SHA512,
        };
        aws_lc_rs::digest::digest(alg, data).as_ref().to_vec()
    }

    /// `AlgorithmIdentifier` with absent parameters (RFC 5754).
    pub fn write_algorithm(self, w: &mut Writer) {
        w.seq(|w| w.oid(&self.oid()));
    }
}

/// Reads an AlgorithmIdentifier that names a digest (NULL parameters tolerated).
pub fn read_hash_algorithm(r: &mut Reader<'_>) -> Result<Hash, DerError> {
    let seq = r.expect(der::SEQUENCE)?;
    let oid = seq.reader().expect(der::OID)?.oid()?;
    Hash::from_oid(&oid).ok_or(DerError::Invalid("digest algorithm"))
}

/// Signature algorithms of certificates, CRLs and signed data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    EcdsaSha256,
    EcdsaSha384,
    EcdsaSha512,
    RsaPkcs1Sha256,
    RsaPkcs1Sha384,
    RsaPkcs1Sha512,
    RsaPssSha256,
    RsaPssSha384,
    RsaPssSha512,
}

impl SignatureAlgorithm {
    pub fn name(self) -> &'static str {
        use SignatureAlgorithm as S;
        match self {
            S::EcdsaSha256 => "ecdsa-with-SHA256",
            S::EcdsaSha384 => "ecdsa-with-SHA384",
            S::EcdsaSha512 => "ecdsa-with-SHA512",
            S::RsaPkcs1Sha256 => "sha256WithRSAEncryption",
            S::RsaPkcs1Sha384 => "sha384WithRSAEncryption",
            S::RsaPkcs1Sha512 => "sha512WithRSAEncryption",
            S::RsaPssSha256 => "RSASSA-PSS with SHA-256",
            S::RsaPssSha384 => "RSASSA-PSS with SHA-384",
            S::RsaPssSha512 => "RSASSA-PSS with SHA-512",
        }
    }

    pub fn hash(self) -> Hash {
        use SignatureAlgorithm as S;
        match self {
            S::EcdsaSha256 | S::RsaPkcs1Sha256 | S::RsaPssSha256 => Hash::Sha256,
            S::EcdsaSha384 | S::RsaPkcs1Sha384 | S::RsaPssSha384 => Hash::Sha384,
            S::EcdsaSha512 | S::RsaPkcs1Sha512 | S::RsaPssSha512 => Hash::Sha512,
        }
    }

    /// The usual ECDSA algorithm for a curve.
    pub fn ecdsa_for(curve: Curve) -> SignatureAlgorithm {
        match curve {
            Curve::P256 => SignatureAlgorithm::EcdsaSha256,
            Curve::P384 => SignatureAlgorithm::EcdsaSha384,
            Curve::P521 => SignatureAlgorithm::EcdsaSha512,
        }
    }

    /// Writes the AlgorithmIdentifier. Only ECDSA and PKCS#1 are written (this crate signs with
    /// ECDSA; RSA is verified only).
    pub fn write(self, w: &mut Writer) {
        use SignatureAlgorithm as S;
        w.seq(|w| match self {
            S::EcdsaSha256 => w.oid(&oids::ECDSA_SHA256),
            S::EcdsaSha384 => w.oid(&oids::ECDSA_SHA384),
            S::EcdsaSha512 => w.oid(&oids::ECDSA_SHA512),
            S::RsaPkcs1Sha256 | S::RsaPkcs1Sha384 | S::RsaPkcs1Sha512 => {
                w.oid(match self {
                    S::RsaPkcs1Sha256 => &oids::SHA256_RSA,
                    S::RsaPkcs1Sha384 => &oids::SHA384_RSA,
                    _ => &oids::SHA512_RSA,
                });
                w.null();
            }
            S::RsaPssSha256 | S::RsaPssSha384 | S::RsaPssSha512 => {
                let h = self.hash();
                w.oid(&oids::RSASSA_PSS);
                w.seq(|w| {
                    w.nest(der::ctx(0), |w| h.write_algorithm(w));
                    w.nest(der::ctx(1), |w| {
                        w.seq(|w| {
                            w.oid(&oids::MGF1);
                            h.write_algorithm(w);
                        })
                    });
                    w.nest(der::ctx(2), |w| {
                        w.uint(match h {
                            Hash::Sha256 => 32,
                            Hash::Sha384 => 48,
                            Hash::Sha512 => 64,
                        })
                    });
                });
            }
        });
    }

    pub fn to_der(self) -> Vec<u8> {
        let mut w = Writer::new();
        self.write(&mut w);
        w.into_vec()
    }

    /// Reads an AlgorithmIdentifier naming a signature algorithm.
    pub fn read(r: &mut Reader<'_>) -> Result<SignatureAlgorithm, DerError> {
        use SignatureAlgorithm as S;
        let seq = r.expect(der::SEQUENCE)?;
        let mut a = seq.reader();
        let oid = a.expect(der::OID)?.oid()?;
        let simple = [
            (oids::ECDSA_SHA256, S::EcdsaSha256),
            (oids::ECDSA_SHA384, S::EcdsaSha384),
            (oids::ECDSA_SHA512, S::EcdsaSha512),
            (oids::SHA256_RSA, S::RsaPkcs1Sha256),
            (oids::SHA384_RSA, S::RsaPkcs1Sha384),
            (oids::SHA512_RSA, S::RsaPkcs1Sha512),
        ];
        if let Some((_, alg)) = simple.iter().find(|(o, _)| *o == oid) {
            return Ok(*alg);
        }
        if oid == oids::RSASSA_PSS {
            // The hash is the first parameter; aws-lc-rs checks MGF1 with the same hash and
            // the salt length equal to the hash length, the profile ICAO recommends.
            let params = a.expect(der::SEQUENCE)?;
            let mut p = params.reader();
            let hash = match p.optional(der::ctx(0))? {
                Some(h) => read_hash_algorithm(&mut h.reader())?,
                None => return Err(DerError::Invalid("RSASSA-PSS with SHA-1")),
            };
            return Ok(match hash {
                Hash::Sha256 => S::RsaPssSha256,
                Hash::Sha384 => S::RsaPssSha384,
                Hash::Sha512 => S::RsaPssSha512,
            });
        }
        Err(DerError::Invalid("signature algorithm"))
    }
}

/// Signs with a key held elsewhere (a software key or an HSM in the crypto crate). The
/// signature is returned as X.509 and CMS carry it: a DER `ECDSA-Sig-Value` for ECDSA.
pub trait ContentSigner: Send + Sync {
    fn algorithm(&self) -> SignatureAlgorithm;
    fn public_key(&self) -> &PublicKey;
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, SignError>;
}

/// A signer failed (HSM unavailable, key missing).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("signing failed: {0}")]
pub struct SignError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_parameters_are_recognised_and_written() {
        let point = {
            let mut p = vec![4u8];
            p.extend_from_slice(&[1u8; 64]);
            p
        };
        let key = PublicKey::Ec { curve: Curve::P256, point };
        for enc in [CurveEncoding::Named, CurveEncoding::Explicit] {
            let spki = key.to_spki(enc);
            assert_eq!(PublicKey::from_spki(&spki).unwrap(), key);
        }
        let named = key.to_spki(CurveEncoding::Named);
        assert_eq!(crate::hex_encode(&named[..26]), "3059301306072a8648ce3d020106082a8648ce3d030107034200");
        assert!(curve_from_explicit(&EXPLICIT_P384).is_some_and(|c| c == Curve::P384));
        // Same prime, another generator: not P-256.
        let mut wrong = EXPLICIT_P256.clone();
        let at = wrong.len() - 40;
        wrong[at] ^= 1;
        assert_eq!(curve_from_explicit(&wrong), None);
    }

    #[test]
    fn algorithm_identifiers_round_trip() {
        use SignatureAlgorithm as S;
        for alg in [S::EcdsaSha256, S::EcdsaSha384, S::RsaPkcs1Sha256, S::RsaPssSha256, S::RsaPssSha512] {
            let der = alg.to_der();
            assert_eq!(S::read(&mut Reader::new(&der)).unwrap(), alg);
        }
    }
}
