//! EF.SOD (ICAO 9303 Part 10 §4.6.2): the LDS security object, which holds a hash of every data
//! group, wrapped in a CMS SignedData (RFC 5652) signed by a document signer whose certificate
//! travels inside it.

use crate::cert::{Certificate, Name};
use crate::der::{self, DerError, ObjectId, Writer};
use crate::keys::{self, ContentSigner, Hash, PublicKey, SignError, SignatureAlgorithm};
use crate::lds::TAG_SOD;
use crate::oids;
use std::collections::BTreeMap;
use time::OffsetDateTime;

#[derive(Debug, thiserror::Error)]
pub enum SodError {
    #[error("EF.SOD: {context}: {source}")]
    Der { context: &'static str, source: DerError },
    #[error("EF.SOD: {0}")]
    Invalid(String),
    #[error(transparent)]
    Sign(#[from] SignError),
    #[error("the signer's key is not the document signer certificate's key")]
    WrongSigner,
}

fn ctx(context: &'static str) -> impl Fn(DerError) -> SodError {
    move |source| SodError::Der { context, source }
}

/// The LDSSecurityObject (version 0): a hash per data group.
pub fn lds_security_object(hash: Hash, dg_hashes: &BTreeMap<u8, Vec<u8>>) -> Vec<u8> {
    let mut w = Writer::with_capacity(64 + dg_hashes.len() * 72);
    w.seq(|w| {
        w.uint(0);
        hash.write_algorithm(w);
        w.seq(|w| {
            for (n, h) in dg_hashes {
                w.seq(|w| {
                    w.uint(*n as u64);
                    w.octets(h);
                });
            }
        });
    });
    w.into_vec()
}

/// Builds EF.SOD over `data_groups` (number → the group's bytes as stored on the chip).
pub fn build(
    data_groups: &BTreeMap<u8, Vec<u8>>,
    hash: Hash,
    document_signer: &Certificate,
    signer: &dyn ContentSigner,
    signing_time: OffsetDateTime,
) -> Result<Vec<u8>, SodError> {
    SodTemplate::new(document_signer, signer, hash)?.build(data_groups, signer, signing_time)
}

/// The parts of EF.SOD that only the document signer decides (its certificate, the signer
/// identifier, the algorithms), encoded once and reused for every card it signs: a card then
/// costs its hashes, its signed attributes, one signature and one copy of these bytes.
#[derive(Clone, Debug)]
pub struct SodTemplate {
    hash: Hash,
    public_key: PublicKey,
    /// `SignedData.digestAlgorithms`: SET { AlgorithmIdentifier }.
    digest_algorithms: Vec<u8>,
    /// `SignedData.certificates`: [0] { the document signer's certificate }.
    certificates: Vec<u8>,
    /// The head of the SignerInfo: version, issuer and serial, digest algorithm.
    signer_head: Vec<u8>,
    /// `SignerInfo.signatureAlgorithm`.
    signature_algorithm: Vec<u8>,
}

impl SodTemplate {
    /// The template of `document_signer`, whose key `signer` holds; `hash` is the LDS security
    /// object's hash algorithm.
    pub fn new(document_signer: &Certificate, signer: &dyn ContentSigner, hash: Hash) -> Result<SodTemplate, SodError> {
        if *signer.public_key() != document_signer.public_key {
            return Err(SodError::WrongSigner);
        }
        let alg = signer.algorithm();
        let encode = |f: &dyn Fn(&mut Writer)| {
            let mut w = Writer::with_capacity(64);
            f(&mut w);
            w.into_vec()
        };
        Ok(SodTemplate {
            hash,
            public_key: signer.public_key().clone(),
            digest_algorithms: encode(&|w| w.nest(der::SET, |w| alg.hash().write_algorithm(w))),
            certificates: encode(&|w| w.nest(der::ctx(0), |w| w.raw(&document_signer.der))),
            signer_head: encode(&|w| {
                w.uint(1);
                w.seq(|w| {
                    w.raw(&document_signer.issuer.der);
                    w.tlv(der::INTEGER, &document_signer.serial);
                });
                alg.hash().write_algorithm(w);
            }),
            signature_algorithm: encode(&|w| alg.write(w)),
        })
    }

    /// EF.SOD over `data_groups`, signed now by `signer` (the template's key).
    pub fn build(
        &self,
        data_groups: &BTreeMap<u8, Vec<u8>>,
        signer: &dyn ContentSigner,
        signing_time: OffsetDateTime,
    ) -> Result<Vec<u8>, SodError> {
        if *signer.public_key() != self.public_key {
            return Err(SodError::WrongSigner);
        }
        let hashes: BTreeMap<u8, Vec<u8>> = data_groups.iter().map(|(n, dg)| (*n, self.hash.digest(dg))).collect();
        let econtent = lds_security_object(self.hash, &hashes);
        let alg = signer.algorithm();
        let attrs = signed_attributes_content(alg.hash(), &econtent, signing_time);
        // The signature covers the attributes under the SET tag (RFC 5652 §5.4); the SignerInfo
        // carries them under [0] IMPLICIT.
        let mut signed = Vec::with_capacity(der::encoded_len(1, attrs.len()));
        signed.push(der::SET as u8);
        der::write_length(&mut signed, attrs.len());
        signed.extend_from_slice(&attrs);
        let signature = signer.sign(&signed)?;

        // Every length is known, so the structure is written front to back in one buffer.
        let octets_len = der::encoded_len(1, econtent.len());
        let encap_len =
            der::encoded_len(1, oids::LDS_SECURITY_OBJECT.as_bytes().len()) + der::encoded_len(1, octets_len);
        let info_len = self.signer_head.len()
            + der::encoded_len(1, attrs.len())
            + self.signature_algorithm.len()
            + der::encoded_len(1, signature.len());
        let infos_len = der::encoded_len(1, info_len);
        let sd_len = 3
            + self.digest_algorithms.len()
            + der::encoded_len(1, encap_len)
            + self.certificates.len()
            + der::encoded_len(1, infos_len);
        let ci_len =
            der::encoded_len(1, oids::SIGNED_DATA.as_bytes().len()) + der::encoded_len(1, der::encoded_len(1, sd_len));
        let total = der::encoded_len(1, der::encoded_len(1, ci_len));
        let mut w = Writer::with_capacity(total);
        w.header(TAG_SOD, der::encoded_len(1, ci_len));
        w.header(der::SEQUENCE, ci_len);
        w.oid(&oids::SIGNED_DATA);
        w.header(der::ctx(0), der::encoded_len(1, sd_len));
        w.header(der::SEQUENCE, sd_len);
        w.uint(3);
        w.raw(&self.digest_algorithms);
        w.header(der::SEQUENCE, encap_len);
        w.oid(&oids::LDS_SECURITY_OBJECT);
        w.header(der::ctx(0), octets_len);
        w.octets(&econtent);
        w.raw(&self.certificates);
        w.header(der::SET, infos_len);
        w.header(der::SEQUENCE, info_len);
        w.raw(&self.signer_head);
        w.tlv(der::ctx(0), &attrs);
        w.raw(&self.signature_algorithm);
        w.octets(&signature);
        debug_assert_eq!(w.len(), total);
        Ok(w.into_vec())
    }
}

/// The contents of the DER SET OF the content type, signing time and message digest
/// attributes (RFC 5652 §5.4), sorted as DER requires.
fn signed_attributes_content(hash: Hash, econtent: &[u8], signing_time: OffsetDateTime) -> Vec<u8> {
    let attribute = |oid: &ObjectId, value: &dyn Fn(&mut Writer)| {
        let mut w = Writer::with_capacity(64);
        w.seq(|w| {
            w.oid(oid);
            w.nest(der::SET, value);
        });
        w.into_vec()
    };
    let mut attrs = [
        attribute(&oids::ATTR_CONTENT_TYPE, &|w| w.oid(&oids::LDS_SECURITY_OBJECT)),
        attribute(&oids::ATTR_SIGNING_TIME, &|w| w.time(signing_time)),
        attribute(&oids::ATTR_MESSAGE_DIGEST, &|w| w.octets(&hash.digest(econtent))),
    ];
    attrs.sort();
    attrs.concat()
}

/// Who signed, as the SignerInfo identifies them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignerId {
    IssuerAndSerial { issuer: Name, serial: Vec<u8> },
    SubjectKeyId(Vec<u8>),
}

/// A parsed EF.SOD.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sod {
    /// Hash algorithm of the LDS security object.
    pub hash: Hash,
    /// Data group number → hash.
    pub dg_hashes: BTreeMap<u8, Vec<u8>>,
    pub econtent_type: ObjectId,
    /// The LDSSecurityObject as signed.
    pub econtent: Vec<u8>,
    pub certificates: Vec<Certificate>,
    pub signer_id: SignerId,
    pub digest_algorithm: Hash,
    /// The signed attributes with the SET tag, as the signature covers them.
    pub signed_attributes: Option<Vec<u8>>,
    pub content_type_attribute: Option<ObjectId>,
    pub message_digest_attribute: Option<Vec<u8>>,
    pub signing_time: Option<OffsetDateTime>,
    pub signature_algorithm: SignatureAlgorithm,
    pub signature: Vec<u8>,
}

impl Sod {
    /// Reads EF.SOD (tag 77 around a CMS ContentInfo).
    pub fn parse(data: &[u8]) -> Result<Sod, SodError> {
        let outer = der::parse_one(data, TAG_SOD).map_err(ctx("outer tag"))?;
        let ci = der::parse_one(outer.value, der::SEQUENCE).map_err(ctx("ContentInfo"))?;
        let mut r = ci.reader();
        if r.expect(der::OID).and_then(|t| t.oid()).map_err(ctx("content type"))? != oids::SIGNED_DATA {
            return Err(SodError::Invalid("the content is not CMS SignedData".into()));
        }
        let wrapped = r.expect(der::ctx(0)).map_err(ctx("SignedData"))?;
        r.finish().map_err(ctx("ContentInfo"))?;
        let sd = der::parse_one(wrapped.value, der::SEQUENCE).map_err(ctx("SignedData"))?;
        let mut s = sd.reader();
        s.expect(der::INTEGER).map_err(ctx("SignedData version"))?;
        s.expect(der::SET).map_err(ctx("digest algorithms"))?;
        let encap = s.expect(der::SEQUENCE).map_err(ctx("encapsulated content"))?;
        let mut e = encap.reader();
        let econtent_type = e.expect(der::OID).and_then(|t| t.oid()).map_err(ctx("eContentType"))?;
        let explicit = e.expect(der::ctx(0)).map_err(ctx("eContent"))?;
        let econtent = der::parse_one(explicit.value, der::OCTET_STRING).map_err(ctx("eContent"))?.value.to_vec();
        e.finish().map_err(ctx("encapsulated content"))?;

        let mut certificates = Vec::new();
        if let Some(certs) = s.optional(der::ctx(0)).map_err(ctx("certificates"))? {
            let mut c = certs.reader();
            while !c.is_empty() {
                let cert = c.read().map_err(ctx("certificate"))?;
                certificates.push(Certificate::from_der(cert.raw).map_err(ctx("document signer certificate"))?);
            }
        }
        s.optional(der::ctx(1)).map_err(ctx("CRLs"))?;
        let infos = s.expect(der::SET).map_err(ctx("signer infos"))?;
        s.finish().map_err(ctx("SignedData"))?;
        let mut infos_r = infos.reader();
        let info = infos_r.expect(der::SEQUENCE).map_err(ctx("signer info"))?;
        if !infos_r.is_empty() {
            return Err(SodError::Invalid("more than one signer".into()));
        }

        let mut i = info.reader();
        i.expect(der::INTEGER).map_err(ctx("SignerInfo version"))?;
        let sid = i.read().map_err(ctx("signer identifier"))?;
        let signer_id = match sid.tag {
            der::SEQUENCE => {
                let mut x = sid.reader();
                let issuer = Name::parse(x.read().map_err(ctx("signer issuer"))?).map_err(ctx("signer issuer"))?;
                let serial = x.expect(der::INTEGER).map_err(ctx("signer serial"))?.value.to_vec();
                SignerId::IssuerAndSerial { issuer, serial }
            }
            t if t == der::ctx_prim(0) => SignerId::SubjectKeyId(sid.value.to_vec()),
            _ => return Err(SodError::Invalid("unknown signer identifier".into())),
        };
        let digest_algorithm = keys::read_hash_algorithm(&mut i).map_err(ctx("digest algorithm"))?;
        let mut signed_attributes = None;
        let mut content_type_attribute = None;
        let mut message_digest_attribute = None;
        let mut signing_time = None;
        if let Some(attrs) = i.optional(der::ctx(0)).map_err(ctx("signed attributes"))? {
            let mut set = Vec::with_capacity(attrs.raw.len());
            set.push(der::SET as u8);
            set.extend_from_slice(&attrs.raw[1..]);
            signed_attributes = Some(set);
            let mut a = attrs.reader();
            while !a.is_empty() {
                let attr = a.expect(der::SEQUENCE).map_err(ctx("attribute"))?;
                let mut x = attr.reader();
                let oid = x.expect(der::OID).and_then(|t| t.oid()).map_err(ctx("attribute type"))?;
                let values = x.expect(der::SET).map_err(ctx("attribute values"))?;
                let value = der::parse_one(values.value, values.reader().peek_tag().unwrap_or(0))
                    .map_err(ctx("attribute value (exactly one)"))?;
                if oid == oids::ATTR_CONTENT_TYPE {
                    content_type_attribute = Some(value.oid().map_err(ctx("content type attribute"))?);
                } else if oid == oids::ATTR_MESSAGE_DIGEST {
                    message_digest_attribute = Some(value.value.to_vec());
                } else if oid == oids::ATTR_SIGNING_TIME {
                    signing_time = Some(value.time().map_err(ctx("signing time"))?);
                }
            }
        }
        let signature_algorithm = read_signer_algorithm(&mut i, digest_algorithm)?;
        let signature = i.expect(der::OCTET_STRING).map_err(ctx("signature"))?.value.to_vec();

        let (hash, dg_hashes) = parse_lds_security_object(&econtent)?;
        Ok(Sod {
            hash,
            dg_hashes,
            econtent_type,
            econtent,
            certificates,
            signer_id,
            digest_algorithm,
            signed_attributes,
            content_type_attribute,
            message_digest_attribute,
            signing_time,
            signature_algorithm,
            signature,
        })
    }

    /// The certificate the signer identifier points to.
    pub fn signer_certificate(&self) -> Option<&Certificate> {
        self.certificates.iter().find(|c| match &self.signer_id {
            SignerId::IssuerAndSerial { issuer, serial } => c.issuer.matches(issuer) && c.serial == *serial,
            SignerId::SubjectKeyId(id) => c.extensions.subject_key_id.as_ref() == Some(id),
        })
    }

    /// The bytes the signature covers: the signed attributes, or the content when there are none.
    pub fn signed_bytes(&self) -> &[u8] {
        self.signed_attributes.as_deref().unwrap_or(&self.econtent)
    }
}

/// CMS allows the bare key algorithm (id-ecPublicKey, rsaEncryption) with the digest algorithm
/// giving the hash; some document signers write it so.
fn read_signer_algorithm(r: &mut der::Reader<'_>, digest: Hash) -> Result<SignatureAlgorithm, SodError> {
    let mut probe = *r;
    if let Ok(alg) = SignatureAlgorithm::read(&mut probe) {
        *r = probe;
        return Ok(alg);
    }
    let seq = r.expect(der::SEQUENCE).map_err(ctx("signature algorithm"))?;
    let oid = seq.reader().expect(der::OID).and_then(|t| t.oid()).map_err(ctx("signature algorithm"))?;
    let alg = match (oid, digest) {
        (o, Hash::Sha256) if o == oids::EC_PUBLIC_KEY => SignatureAlgorithm::EcdsaSha256,
        (o, Hash::Sha384) if o == oids::EC_PUBLIC_KEY => SignatureAlgorithm::EcdsaSha384,
        (o, Hash::Sha512) if o == oids::EC_PUBLIC_KEY => SignatureAlgorithm::EcdsaSha512,
        (o, Hash::Sha256) if o == oids::RSA_ENCRYPTION => SignatureAlgorithm::RsaPkcs1Sha256,
        (o, Hash::Sha384) if o == oids::RSA_ENCRYPTION => SignatureAlgorithm::RsaPkcs1Sha384,
        (o, Hash::Sha512) if o == oids::RSA_ENCRYPTION => SignatureAlgorithm::RsaPkcs1Sha512,
        (o, _) => return Err(SodError::Invalid(format!("unsupported signature algorithm {o}"))),
    };
    Ok(alg)
}

/// Reads an LDSSecurityObject (version 0 or 1).
pub fn parse_lds_security_object(data: &[u8]) -> Result<(Hash, BTreeMap<u8, Vec<u8>>), SodError> {
    let seq = der::parse_one(data, der::SEQUENCE).map_err(ctx("LDSSecurityObject"))?;
    let mut r = seq.reader();
    let version = r.expect(der::INTEGER).and_then(|t| t.u64()).map_err(ctx("LDSSecurityObject version"))?;
    if version > 1 {
        return Err(SodError::Invalid(format!("LDSSecurityObject version {version} is unknown")));
    }
    let hash = keys::read_hash_algorithm(&mut r).map_err(ctx("LDSSecurityObject hash algorithm"))?;
    let list = r.expect(der::SEQUENCE).map_err(ctx("data group hashes"))?;
    let mut hashes = BTreeMap::new();
    let mut l = list.reader();
    while !l.is_empty() {
        let item = l.expect(der::SEQUENCE).map_err(ctx("data group hash"))?;
        let mut x = item.reader();
        let n = x.expect(der::INTEGER).and_then(|t| t.u64()).map_err(ctx("data group number"))?;
        let h = x.expect(der::OCTET_STRING).map_err(ctx("data group hash value"))?.value;
        if !(1..=16).contains(&n) {
            return Err(SodError::Invalid(format!("data group number {n} is out of range")));
        }
        if hashes.insert(n as u8, h.to_vec()).is_some() {
            return Err(SodError::Invalid(format!("DG{n} is hashed twice")));
        }
    }
    Ok((hash, hashes))
}
