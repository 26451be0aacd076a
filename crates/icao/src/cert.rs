//! X.509 certificates of the ICAO 9303 PKI (Part 12): the country signing CA (CSCA) and the
//! document signers (DS) under it. Issuing follows the Part 12 profiles; reading keeps the exact
//! to-be-signed bytes so that signatures are checked over what was signed; the profile checks
//! name each deviation.

use crate::der::{self, DerError, ObjectId, Reader, Writer};
use crate::keys::{ContentSigner, CurveEncoding, PublicKey, SignError, SignatureAlgorithm};
use crate::oids;
use std::fmt;
use time::OffsetDateTime;

/// Key usage bits (RFC 5280 §4.2.1.3), numbered from the most significant bit.
pub const KU_DIGITAL_SIGNATURE: u32 = 1 << 0;
pub const KU_KEY_CERT_SIGN: u32 = 1 << 5;
pub const KU_CRL_SIGN: u32 = 1 << 6;

#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("certificate encoding: {0}")]
    Der(#[from] DerError),
    #[error(transparent)]
    Sign(#[from] SignError),
    #[error("the signer's key is not the key of the issuing certificate")]
    WrongSigner,
    #[error("{0}")]
    Template(&'static str),
}

/// A distinguished name: its exact encoding and its attributes in order.
#[derive(Clone, PartialEq, Eq)]
pub struct Name {
    pub der: Vec<u8>,
    pub attributes: Vec<(ObjectId, String)>,
}

impl Name {
    /// One attribute per RDN; the country as PrintableString, the rest as UTF8String.
    pub fn build(attributes: &[(ObjectId, &str)]) -> Name {
        let mut w = Writer::new();
        w.seq(|w| {
            for (oid, value) in attributes {
                w.nest(der::SET, |w| {
                    w.seq(|w| {
                        w.oid(oid);
                        if *oid == oids::AT_COUNTRY || *oid == oids::AT_SERIAL_NUMBER {
                            w.printable(value);
                        } else {
                            w.utf8(value);
                        }
                    })
                });
            }
        });
        Name { der: w.into_vec(), attributes: attributes.iter().map(|(o, v)| (*o, (*v).to_owned())).collect() }
    }

    pub fn parse(tlv: der::Tlv<'_>) -> Result<Name, DerError> {
        if tlv.tag != der::SEQUENCE {
            return Err(DerError::UnexpectedTag { expected: der::SEQUENCE, found: tlv.tag });
        }
        let mut attributes = Vec::new();
        let mut rdns = tlv.reader();
        while !rdns.is_empty() {
            let set = rdns.expect(der::SET)?;
            let mut atvs = set.reader();
            while !atvs.is_empty() {
                let atv = atvs.expect(der::SEQUENCE)?;
                let mut a = atv.reader();
                let oid = a.expect(der::OID)?.oid()?;
                let value = a.read()?.text()?.to_owned();
                a.finish()?;
                attributes.push((oid, value));
            }
        }
        Ok(Name { der: tlv.raw.to_vec(), attributes })
    }

    pub fn get(&self, oid: &ObjectId) -> Option<&str> {
        self.attributes.iter().find(|(o, _)| o == oid).map(|(_, v)| v.as_str())
    }

    pub fn country(&self) -> Option<&str> {
        self.get(&oids::AT_COUNTRY)
    }

    /// RFC 5280 §7.1 name matching, simplified: byte-equal, or the same attributes compared
    /// case-insensitively with runs of spaces collapsed.
    pub fn matches(&self, other: &Name) -> bool {
        if self.der == other.der {
            return true;
        }
        let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        self.attributes.len() == other.attributes.len()
            && self.attributes.iter().zip(&other.attributes).all(|((a, x), (b, y))| a == b && norm(x) == norm(y))
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .attributes
            .iter()
            .map(|(oid, v)| {
                let key = match oid {
                    o if *o == oids::AT_COUNTRY => "C".to_owned(),
                    o if *o == oids::AT_ORGANIZATION => "O".to_owned(),
                    o if *o == oids::AT_ORGANIZATIONAL_UNIT => "OU".to_owned(),
                    o if *o == oids::AT_COMMON_NAME => "CN".to_owned(),
                    o if *o == oids::AT_SERIAL_NUMBER => "serialNumber".to_owned(),
                    o => o.to_string(),
                };
                format!("{key}={v}")
            })
            .collect();
        f.write_str(&parts.join(", "))
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name({self})")
    }
}

/// The extensions this crate understands, plus what it does not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extensions {
    pub subject_key_id: Option<Vec<u8>>,
    pub authority_key_id: Option<Vec<u8>>,
    /// Key usage bits and whether the extension is critical.
    pub key_usage: Option<(u32, bool)>,
    /// (cA, pathLenConstraint, critical).
    pub basic_constraints: Option<(bool, Option<u64>, bool)>,
    pub private_key_usage_period: Option<(Option<OffsetDateTime>, Option<OffsetDateTime>)>,
    pub document_types: Option<Vec<String>>,
    pub crl_distribution_points: Vec<String>,
    pub has_extended_key_usage: bool,
    pub has_subject_alt_name: bool,
    pub has_issuer_alt_name: bool,
    /// Critical extensions this crate cannot interpret (a verifier must refuse them).
    pub unknown_critical: Vec<ObjectId>,
}

/// A parsed certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    pub der: Vec<u8>,
    tbs: (usize, usize),
    pub version: u64,
    pub serial: Vec<u8>,
    pub signature_algorithm: SignatureAlgorithm,
    pub issuer: Name,
    pub subject: Name,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub public_key: PublicKey,
    pub spki: Vec<u8>,
    pub extensions: Extensions,
    pub signature: Vec<u8>,
}

impl Certificate {
    pub fn from_der(der: &[u8]) -> Result<Certificate, DerError> {
        let outer = der::parse_one(der, der::SEQUENCE)?;
        let mut r = outer.reader();
        let tbs = r.expect(der::SEQUENCE)?;
        let signature_algorithm = SignatureAlgorithm::read(&mut r)?;
        let signature = r.expect(der::BIT_STRING)?.bit_string_bytes()?.to_vec();
        r.finish()?;
        let start = tbs.raw.as_ptr() as usize - der.as_ptr() as usize;

        let mut t = tbs.reader();
        let version = match t.optional(der::ctx(0))? {
            Some(v) => v.reader().expect(der::INTEGER)?.u64()?,
            None => 0,
        };
        let serial = t.expect(der::INTEGER)?.value.to_vec();
        let inner_alg = SignatureAlgorithm::read(&mut t)?;
        if inner_alg != signature_algorithm {
            return Err(DerError::Invalid("signature algorithm (inner and outer differ)"));
        }
        let issuer = Name::parse(t.read()?)?;
        let validity = t.expect(der::SEQUENCE)?;
        let mut v = validity.reader();
        let not_before = v.read()?.time()?;
        let not_after = v.read()?.time()?;
        v.finish()?;
        let subject = Name::parse(t.read()?)?;
        let spki = t.expect(der::SEQUENCE)?;
        let public_key = PublicKey::from_spki(spki.raw)?;
        t.optional(der::ctx_prim(1))?;
        t.optional(der::ctx_prim(2))?;
        let extensions = match t.optional(der::ctx(3))? {
            Some(e) => parse_extensions(e.reader().expect(der::SEQUENCE)?)?,
            None => Extensions::default(),
        };
        t.finish()?;
        Ok(Certificate {
            der: der.to_vec(),
            tbs: (start, start + tbs.raw.len()),
            version: version + 1,
            serial,
            signature_algorithm,
            issuer,
            subject,
            not_before,
            not_after,
            public_key,
            spki: spki.raw.to_vec(),
            extensions,
            signature,
        })
    }

    /// The exact to-be-signed bytes.
    pub fn tbs(&self) -> &[u8] {
        &self.der[self.tbs.0..self.tbs.1]
    }

    /// Does `issuer_key` verify this certificate's signature?
    pub fn is_signed_by(&self, issuer_key: &PublicKey) -> bool {
        issuer_key.verify(self.signature_algorithm, self.tbs(), &self.signature)
    }

    pub fn is_valid_at(&self, t: OffsetDateTime) -> bool {
        self.not_before <= t && t <= self.not_after
    }

    pub fn serial_hex(&self) -> String {
        crate::hex_encode(&self.serial)
    }

    /// Deviations from the ICAO 9303 Part 12 CSCA profile (empty when it conforms).
    pub fn csca_profile_problems(&self) -> Vec<String> {
        let mut p = self.common_problems();
        let e = &self.extensions;
        match e.key_usage {
            Some((bits, true)) if bits == KU_KEY_CERT_SIGN | KU_CRL_SIGN => {}
            Some((_, false)) => p.push("key usage must be critical".into()),
            Some(_) => p.push("key usage must be exactly keyCertSign and cRLSign".into()),
            None => p.push("key usage is missing".into()),
        }
        match e.basic_constraints {
            Some((true, Some(0), true)) => {}
            Some((_, _, false)) => p.push("basic constraints must be critical".into()),
            Some(_) => p.push("basic constraints must say cA with path length 0".into()),
            None => p.push("basic constraints are missing".into()),
        }
        if e.subject_key_id.is_none() {
            p.push("subject key identifier is missing".into());
        }
        if e.private_key_usage_period.is_none() {
            p.push("private key usage period is missing".into());
        }
        p
    }

    /// Deviations from the ICAO 9303 Part 12 document-signer profile.
    pub fn ds_profile_problems(&self) -> Vec<String> {
        let mut p = self.common_problems();
        let e = &self.extensions;
        match e.key_usage {
            Some((KU_DIGITAL_SIGNATURE, true)) => {}
            Some((_, false)) => p.push("key usage must be critical".into()),
            Some(_) => p.push("key usage must be exactly digitalSignature".into()),
            None => p.push("key usage is missing".into()),
        }
        if e.basic_constraints.is_some() {
            p.push("a document signer must not carry basic constraints".into());
        }
        if e.authority_key_id.is_none() {
            p.push("authority key identifier is missing".into());
        }
        if e.document_types.as_ref().is_none_or(|d| d.is_empty()) {
            p.push("document type list is missing".into());
        }
        p
    }

    fn common_problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.version != 3 {
            p.push(format!("version is {}, must be 3", self.version));
        }
        if self.serial.first().is_none_or(|b| b & 0x80 != 0) || self.serial.len() > 20 {
            p.push("serial number must be positive and at most 20 bytes".into());
        }
        match (self.subject.country(), self.issuer.country()) {
            (Some(s), Some(i)) if s == i && s.len() == 2 => {}
            _ => p.push("issuer and subject must name the same two-letter country".into()),
        }
        if self.extensions.has_extended_key_usage {
            p.push("extended key usage must not be present".into());
        }
        for oid in &self.extensions.unknown_critical {
            p.push(format!("unknown critical extension {oid}"));
        }
        p
    }
}

fn parse_extensions(seq: der::Tlv<'_>) -> Result<Extensions, DerError> {
    let mut e = Extensions::default();
    let mut r = seq.reader();
    while !r.is_empty() {
        let ext = r.expect(der::SEQUENCE)?;
        let mut x = ext.reader();
        let oid = x.expect(der::OID)?.oid()?;
        let critical = x.optional(der::BOOLEAN)?.map(|b| b.boolean()).transpose()?.unwrap_or(false);
        let value = x.expect(der::OCTET_STRING)?.value;
        x.finish()?;
        match oid {
            o if o == oids::EXT_SUBJECT_KEY_ID => {
                e.subject_key_id = Some(der::parse_one(value, der::OCTET_STRING)?.value.to_vec());
            }
            o if o == oids::EXT_AUTHORITY_KEY_ID => {
                let aki = der::parse_one(value, der::SEQUENCE)?;
                e.authority_key_id = aki.reader().optional(der::ctx_prim(0))?.map(|k| k.value.to_vec());
            }
            o if o == oids::EXT_KEY_USAGE => {
                e.key_usage = Some((der::parse_one(value, der::BIT_STRING)?.named_bits()?, critical));
            }
            o if o == oids::EXT_BASIC_CONSTRAINTS => {
                let bc = der::parse_one(value, der::SEQUENCE)?;
                let mut b = bc.reader();
                let ca = b.optional(der::BOOLEAN)?.map(|t| t.boolean()).transpose()?.unwrap_or(false);
                let path = b.optional(der::INTEGER)?.map(|t| t.u64()).transpose()?;
                b.finish()?;
                e.basic_constraints = Some((ca, path, critical));
            }
            o if o == oids::EXT_PRIVATE_KEY_USAGE_PERIOD => {
                let seq = der::parse_one(value, der::SEQUENCE)?;
                let mut p = seq.reader();
                let from = p.optional(der::ctx_prim(0))?.map(|t| generalized(t.value)).transpose()?;
                let to = p.optional(der::ctx_prim(1))?.map(|t| generalized(t.value)).transpose()?;
                p.finish()?;
                e.private_key_usage_period = Some((from, to));
            }
            o if o == oids::DOCUMENT_TYPE_LIST => {
                let seq = der::parse_one(value, der::SEQUENCE)?;
                let mut d = seq.reader();
                d.expect(der::INTEGER)?;
                let set = d.expect(der::SET)?;
                let mut types = Vec::new();
                let mut s = set.reader();
                while !s.is_empty() {
                    types.push(s.read()?.text()?.to_owned());
                }
                e.document_types = Some(types);
            }
            o if o == oids::EXT_CRL_DISTRIBUTION_POINTS => {
                e.crl_distribution_points = parse_crl_distribution_points(value)?;
            }
            o if o == oids::EXT_EXTENDED_KEY_USAGE => e.has_extended_key_usage = true,
            o if o == oids::EXT_SUBJECT_ALT_NAME => e.has_subject_alt_name = true,
            o if o == oids::EXT_ISSUER_ALT_NAME => e.has_issuer_alt_name = true,
            o if o == oids::EXT_CERTIFICATE_POLICIES => {}
            o if critical => e.unknown_critical.push(o),
            _ => {}
        }
    }
    Ok(e)
}

fn generalized(value: &[u8]) -> Result<OffsetDateTime, DerError> {
    der::Tlv { tag: der::GENERALIZED_TIME, value, raw: value }.time()
}

/// The URIs of a CRLDistributionPoints extension (full names only).
fn parse_crl_distribution_points(value: &[u8]) -> Result<Vec<String>, DerError> {
    let mut out = Vec::new();
    let seq = der::parse_one(value, der::SEQUENCE)?;
    let mut points = seq.reader();
    while !points.is_empty() {
        let dp = points.expect(der::SEQUENCE)?;
        let mut d = dp.reader();
        if let Some(name) = d.optional(der::ctx(0))? {
            let mut n = name.reader();
            if let Some(full) = n.optional(der::ctx(0))? {
                let mut g = full.reader();
                while !g.is_empty() {
                    let gn = g.read()?;
                    if gn.tag == der::ctx_prim(6) {
                        out.push(String::from_utf8_lossy(gn.value).into_owned());
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Which Part 12 profile a new certificate follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Profile {
    /// Country signing CA: self-signed, keyCertSign + cRLSign, cA with path length 0.
    Csca,
    /// Document signer: digitalSignature only, with the document types it may sign.
    DocumentSigner { document_types: Vec<String> },
}

/// What a new certificate says.
#[derive(Clone, Debug)]
pub struct Template {
    pub serial: Vec<u8>,
    pub subject: Name,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// The period in which the private key may sign (documents or certificates).
    pub private_key_usage: Option<(OffsetDateTime, OffsetDateTime)>,
    pub profile: Profile,
    /// Where the CSCA's CRL is published.
    pub crl_distribution_point: Option<String>,
}

/// RFC 5280 §4.2.1.2 method 1: SHA-1 of the subject public key bits.
pub fn key_identifier(key: &PublicKey) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, key.key_bits()).as_ref().to_vec()
}

/// Issues a certificate for `subject_key`. `issuer` is `None` for a self-signed CSCA, whose
/// `signer` must then hold `subject_key`; otherwise `signer` must hold the issuer's key.
pub fn issue(
    template: &Template,
    subject_key: &PublicKey,
    issuer: Option<&Certificate>,
    signer: &dyn ContentSigner,
) -> Result<Certificate, CertError> {
    let (issuer_name, authority_key) = match issuer {
        Some(ca) => {
            if *signer.public_key() != ca.public_key {
                return Err(CertError::WrongSigner);
            }
            (ca.subject.clone(), ca.extensions.subject_key_id.clone().unwrap_or_else(|| key_identifier(&ca.public_key)))
        }
        None => {
            if signer.public_key() != subject_key {
                return Err(CertError::WrongSigner);
            }
            (template.subject.clone(), key_identifier(subject_key))
        }
    };
    if template.serial.is_empty() || template.serial.len() > 20 {
        return Err(CertError::Template("the serial number must have 1 to 20 bytes"));
    }
    if template.not_after <= template.not_before {
        return Err(CertError::Template("the validity period is empty"));
    }
    let alg = signer.algorithm();
    let mut w = Writer::with_capacity(1024);
    w.seq(|w| {
        w.nest(der::ctx(0), |w| w.uint(2));
        w.unsigned(&template.serial);
        alg.write(w);
        w.raw(&issuer_name.der);
        w.seq(|w| {
            w.time(template.not_before);
            w.time(template.not_after);
        });
        w.raw(&template.subject.der);
        w.raw(&subject_key.to_spki(CurveEncoding::Explicit));
        w.nest(der::ctx(3), |w| {
            w.seq(|w| write_extensions(w, template, subject_key, &authority_key));
        });
    });
    let tbs = w.into_vec();
    let signature = signer.sign(&tbs)?;
    let mut c = Writer::with_capacity(tbs.len() + signature.len() + 32);
    c.seq(|c| {
        c.raw(&tbs);
        alg.write(c);
        c.bit_string(&signature);
    });
    Ok(Certificate::from_der(&c.into_vec())?)
}

fn extension(w: &mut Writer, oid: &ObjectId, critical: bool, value: impl FnOnce(&mut Writer)) {
    w.seq(|w| {
        w.oid(oid);
        if critical {
            w.boolean(true);
        }
        w.nest(der::OCTET_STRING, value);
    });
}

fn write_extensions(w: &mut Writer, t: &Template, subject_key: &PublicKey, authority_key: &[u8]) {
    extension(w, &oids::EXT_AUTHORITY_KEY_ID, false, |w| w.seq(|w| w.tlv(der::ctx_prim(0), authority_key)));
    extension(w, &oids::EXT_SUBJECT_KEY_ID, false, |w| w.octets(&key_identifier(subject_key)));
    let usage = match t.profile {
        Profile::Csca => KU_KEY_CERT_SIGN | KU_CRL_SIGN,
        Profile::DocumentSigner { .. } => KU_DIGITAL_SIGNATURE,
    };
    extension(w, &oids::EXT_KEY_USAGE, true, |w| w.named_bits(usage));
    if let Some((from, to)) = t.private_key_usage {
        extension(w, &oids::EXT_PRIVATE_KEY_USAGE_PERIOD, false, |w| {
            w.seq(|w| {
                w.generalized_time(der::ctx_prim(0), from);
                w.generalized_time(der::ctx_prim(1), to);
            })
        });
    }
    match &t.profile {
        Profile::Csca => {
            extension(w, &oids::EXT_BASIC_CONSTRAINTS, true, |w| {
                w.seq(|w| {
                    w.boolean(true);
                    w.uint(0);
                })
            });
        }
        Profile::DocumentSigner { document_types } => {
            extension(w, &oids::DOCUMENT_TYPE_LIST, false, |w| {
                w.seq(|w| {
                    w.uint(0);
                    w.nest(der::SET, |w| {
                        let mut sorted = document_types.clone();
                        sorted.sort();
                        for d in &sorted {
                            w.printable(d);
                        }
                    });
                })
            });
        }
    }
    if let Some(uri) = &t.crl_distribution_point {
        extension(w, &oids::EXT_CRL_DISTRIBUTION_POINTS, false, |w| {
            w.seq(|w| {
                w.seq(|w| w.nest(der::ctx(0), |w| w.nest(der::ctx(0), |w| w.tlv(der::ctx_prim(6), uri.as_bytes()))))
            })
        });
    }
}

/// Reads every certificate of a file: one DER certificate, or several PEM blocks.
pub fn certificates_from_file(bytes: &[u8]) -> Result<Vec<Certificate>, DerError> {
    if bytes.starts_with(b"-----BEGIN") {
        let text = std::str::from_utf8(bytes).map_err(|_| DerError::Invalid("PEM text"))?;
        let blocks = crate::pem::decode_all(text, "CERTIFICATE")?;
        if blocks.is_empty() {
            return Err(DerError::Invalid("PEM file without a certificate"));
        }
        return blocks.iter().map(|b| Certificate::from_der(b)).collect();
    }
    Ok(vec![Certificate::from_der(bytes)?])
}

/// Reads the serial numbers that follow a reader's position (helper for CRLs).
pub(crate) fn read_name(r: &mut Reader<'_>) -> Result<Name, DerError> {
    Name::parse(r.read()?)
}
