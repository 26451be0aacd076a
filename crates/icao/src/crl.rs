//! Certificate revocation lists of a CSCA (ICAO 9303 Part 12 CRL profile: version 2, next
//! update present, authority key identifier and CRL number, no other critical extension).

use crate::cert::{self, CertError, Certificate, Name};
use crate::der::{self, DerError, Writer};
use crate::keys::{ContentSigner, SignatureAlgorithm};
use crate::oids;
use time::OffsetDateTime;

/// One revoked certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revoked {
    /// Serial number as its INTEGER contents.
    pub serial: Vec<u8>,
    pub date: OffsetDateTime,
}

/// A parsed CRL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crl {
    pub der: Vec<u8>,
    tbs: (usize, usize),
    pub signature_algorithm: SignatureAlgorithm,
    pub issuer: Name,
    pub this_update: OffsetDateTime,
    pub next_update: Option<OffsetDateTime>,
    pub revoked: Vec<Revoked>,
    pub crl_number: Option<u64>,
    pub authority_key_id: Option<Vec<u8>>,
    pub unknown_critical: Vec<der::ObjectId>,
    pub signature: Vec<u8>,
}

impl Crl {
    pub fn from_der(data: &[u8]) -> Result<Crl, DerError> {
        let outer = der::parse_one(data, der::SEQUENCE)?;
        let mut r = outer.reader();
        let tbs = r.expect(der::SEQUENCE)?;
        let signature_algorithm = SignatureAlgorithm::read(&mut r)?;
        let signature = r.expect(der::BIT_STRING)?.bit_string_bytes()?.to_vec();
        r.finish()?;
        let start = tbs.raw.as_ptr() as usize - data.as_ptr() as usize;
        let mut t = tbs.reader();
        if let Some(v) = t.optional(der::INTEGER)?
            && v.u64()? != 1
        {
            return Err(DerError::Invalid("CRL version"));
        }
        if SignatureAlgorithm::read(&mut t)? != signature_algorithm {
            return Err(DerError::Invalid("signature algorithm (inner and outer differ)"));
        }
        let issuer = cert::read_name(&mut t)?;
        let this_update = t.read()?.time()?;
        let next_update = match t.peek_tag() {
            Some(der::UTC_TIME | der::GENERALIZED_TIME) => Some(t.read()?.time()?),
            _ => None,
        };
        let mut revoked = Vec::new();
        if let Some(list) = t.optional(der::SEQUENCE)? {
            let mut l = list.reader();
            while !l.is_empty() {
                let entry = l.expect(der::SEQUENCE)?;
                let mut e = entry.reader();
                let serial = e.expect(der::INTEGER)?.value.to_vec();
                let date = e.read()?.time()?;
                revoked.push(Revoked { serial, date });
            }
        }
        let mut crl_number = None;
        let mut authority_key_id = None;
        let mut unknown_critical = Vec::new();
        if let Some(exts) = t.optional(der::ctx(0))? {
            let seq = exts.reader().expect(der::SEQUENCE)?;
            let mut x = seq.reader();
            while !x.is_empty() {
                let ext = x.expect(der::SEQUENCE)?;
                let mut e = ext.reader();
                let oid = e.expect(der::OID)?.oid()?;
                let critical = e.optional(der::BOOLEAN)?.map(|b| b.boolean()).transpose()?.unwrap_or(false);
                let value = e.expect(der::OCTET_STRING)?.value;
                if oid == oids::EXT_CRL_NUMBER {
                    crl_number = Some(der::parse_one(value, der::INTEGER)?.u64()?);
                } else if oid == oids::EXT_AUTHORITY_KEY_ID {
                    let aki = der::parse_one(value, der::SEQUENCE)?;
                    authority_key_id = aki.reader().optional(der::ctx_prim(0))?.map(|k| k.value.to_vec());
                } else if critical {
                    unknown_critical.push(oid);
                }
            }
        }
        t.finish()?;
        Ok(Crl {
            der: data.to_vec(),
            tbs: (start, start + tbs.raw.len()),
            signature_algorithm,
            issuer,
            this_update,
            next_update,
            revoked,
            crl_number,
            authority_key_id,
            unknown_critical,
            signature,
        })
    }

    pub fn tbs(&self) -> &[u8] {
        &self.der[self.tbs.0..self.tbs.1]
    }

    pub fn is_signed_by(&self, csca: &Certificate) -> bool {
        csca.public_key.verify(self.signature_algorithm, self.tbs(), &self.signature)
    }

    /// Is the certificate with this serial (INTEGER contents) listed?
    pub fn revokes(&self, serial: &[u8]) -> Option<&Revoked> {
        self.revoked.iter().find(|r| r.serial == serial)
    }

    /// Deviations from the Part 12 CRL profile.
    pub fn profile_problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.next_update.is_none() {
            p.push("next update is missing".into());
        }
        if self.crl_number.is_none() {
            p.push("CRL number is missing".into());
        }
        if self.authority_key_id.is_none() {
            p.push("authority key identifier is missing".into());
        }
        for oid in &self.unknown_critical {
            p.push(format!("unknown critical extension {oid}"));
        }
        p
    }
}

/// Issues a CRL signed by the CSCA.
pub fn issue(
    csca: &Certificate,
    signer: &dyn ContentSigner,
    number: u64,
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
    revoked: &[Revoked],
) -> Result<Crl, CertError> {
    if *signer.public_key() != csca.public_key {
        return Err(CertError::WrongSigner);
    }
    let alg = signer.algorithm();
    let aki = csca.extensions.subject_key_id.clone().unwrap_or_else(|| cert::key_identifier(&csca.public_key));
    let mut w = Writer::with_capacity(256 + revoked.len() * 40);
    w.seq(|w| {
        w.uint(1);
        alg.write(w);
        w.raw(&csca.subject.der);
        w.time(this_update);
        w.time(next_update);
        if !revoked.is_empty() {
            w.seq(|w| {
                for r in revoked {
                    w.seq(|w| {
                        w.tlv(der::INTEGER, &r.serial);
                        w.time(r.date);
                    });
                }
            });
        }
        w.nest(der::ctx(0), |w| {
            w.seq(|w| {
                w.seq(|w| {
                    w.oid(&oids::EXT_AUTHORITY_KEY_ID);
                    w.nest(der::OCTET_STRING, |w| w.seq(|w| w.tlv(der::ctx_prim(0), &aki)));
                });
                w.seq(|w| {
                    w.oid(&oids::EXT_CRL_NUMBER);
                    w.nest(der::OCTET_STRING, |w| w.uint(number));
                });
            })
        });
    });
    let tbs = w.into_vec();
    let signature = signer.sign(&tbs)?;
    let mut c = Writer::with_capacity(tbs.len() + 128);
    c.seq(|c| {
        c.raw(&tbs);
        alg.write(c);
        c.bit_string(&signature);
    });
    Ok(Crl::from_der(&c.into_vec())?)
}
