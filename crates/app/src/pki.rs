//! The card PKI as the application uses it (ICAO 9303 Part 12): the country signing CA, the
//! current document signer and the CSCA's revocation list. Keys stay behind
//! `dinhdanh_crypto::Signer`; this module adapts them to the `icao` crate's signing trait and
//! issues the certificates and CRLs.

use dinhdanh_crypto::keys::{KeyAlgorithm, Signer};
use dinhdanh_icao::cert::{self, Certificate, Name, Profile, Template};
use dinhdanh_icao::crl::{self, Crl, Revoked};
use dinhdanh_icao::sod::SodTemplate;
use dinhdanh_icao::{ContentSigner, Curve, Hash, PublicKey, SignError, SignatureAlgorithm, oids};
use std::sync::{Arc, RwLock};
use time::{Duration, OffsetDateTime};

/// A `crypto` key seen as an `icao` signer: fixed-size ECDSA signatures become DER.
pub struct IcaoSigner {
    key: Arc<dyn Signer>,
    public: PublicKey,
    alg: SignatureAlgorithm,
}

impl IcaoSigner {
    pub fn new(key: Arc<dyn Signer>) -> IcaoSigner {
        let curve = match key.key_algorithm() {
            KeyAlgorithm::EcdsaP256 => Curve::P256,
            KeyAlgorithm::EcdsaP384 => Curve::P384,
        };
        let public = PublicKey::Ec { curve, point: key.public_point() };
        IcaoSigner { key, public, alg: SignatureAlgorithm::ecdsa_for(curve) }
    }
}

impl ContentSigner for IcaoSigner {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.alg
    }
    fn public_key(&self) -> &PublicKey {
        &self.public
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, SignError> {
        let fixed = self.key.sign(msg).map_err(|e| SignError(e.to_string()))?;
        Ok(dinhdanh_icao::der::ecdsa_fixed_to_der(&fixed))
    }
}

/// How long things live. Defaults follow ICAO 9303 Part 12's guidance; the document-signer
/// certificate must outlive every card it signs (cards here last up to 20 years, or have no
/// expiry: see docs/DOMAIN.md).
#[derive(Clone, Debug)]
pub struct PkiPolicy {
    pub country: String,
    pub organization: String,
    pub csca_common_name: String,
    pub csca_validity: Duration,
    pub csca_key_usage: Duration,
    pub ds_key_usage: Duration,
    pub ds_validity: Duration,
    pub crl_lifetime: Duration,
    pub crl_url: String,
}

impl Default for PkiPolicy {
    fn default() -> Self {
        PkiPolicy {
            country: "VN".into(),
            organization: "Bộ Công an".into(),
            csca_common_name: "CSCA Việt Nam".into(),
            csca_validity: Duration::days(365 * 15 + 4),
            csca_key_usage: Duration::days(365 * 5 + 1),
            ds_key_usage: Duration::days(90),
            ds_validity: Duration::days(365 * 25 + 6 + 90),
            crl_lifetime: Duration::days(30),
            crl_url: "https://pki.dinhdanh.invalid/csca.crl".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("certificate: {0}")]
    Cert(#[from] cert::CertError),
    #[error("the CSCA key is offline: {0}")]
    Offline(&'static str),
    #[error("{0}")]
    Invalid(String),
}

/// The CSCA, the document signer that signs new cards, and the current CRL.
pub struct CardPki {
    pub csca: Certificate,
    /// `None` when the CSCA key is offline (production): no new DS certificates or CRLs then.
    csca_signer: Option<IcaoSigner>,
    pub document_signer: Certificate,
    ds_signer: IcaoSigner,
    /// The document signer's part of every EF.SOD, encoded once.
    sod_template: SodTemplate,
    previous_document_signers: Vec<Certificate>,
    crl: RwLock<Crl>,
    revoked: RwLock<Vec<Revoked>>,
    policy: PkiPolicy,
}

impl std::fmt::Debug for CardPki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CardPki(csca={}, ds={})", self.csca.subject, self.document_signer.serial_hex())
    }
}

fn name(policy: &PkiPolicy, cn: &str) -> Name {
    Name::build(&[
        (oids::AT_COUNTRY, &policy.country),
        (oids::AT_ORGANIZATION, &policy.organization),
        (oids::AT_COMMON_NAME, cn),
    ])
}

/// A serial number: 8 random bytes with the top bit cleared (positive, unique in practice).
pub fn serial(random: [u8; 8]) -> Vec<u8> {
    let mut s = random.to_vec();
    s[0] &= 0x7F;
    s[0] |= 0x01;
    s
}

impl CardPki {
    /// Issues a self-signed CSCA certificate for `csca_key`.
    pub fn issue_csca(
        policy: &PkiPolicy,
        csca_key: Arc<dyn Signer>,
        serial: Vec<u8>,
        now: OffsetDateTime,
    ) -> Result<Certificate, PkiError> {
        let signer = IcaoSigner::new(csca_key);
        let t = Template {
            serial,
            subject: name(policy, &policy.csca_common_name),
            not_before: now,
            not_after: now + policy.csca_validity,
            private_key_usage: Some((now, now + policy.csca_key_usage)),
            profile: Profile::Csca,
            crl_distribution_point: Some(policy.crl_url.clone()),
        };
        Ok(cert::issue(&t, &signer.public.clone(), None, &signer)?)
    }

    /// Issues a document-signer certificate for `ds_key` under the CSCA.
    pub fn issue_document_signer(
        policy: &PkiPolicy,
        csca: &Certificate,
        csca_key: Arc<dyn Signer>,
        ds_key: Arc<dyn Signer>,
        serial: Vec<u8>,
        now: OffsetDateTime,
    ) -> Result<Certificate, PkiError> {
        let csca_signer = IcaoSigner::new(csca_key);
        let ds = IcaoSigner::new(ds_key);
        let t = Template {
            subject: name(policy, &format!("Document Signer {}", dinhdanh_icao::hex_encode(&serial))),
            serial,
            not_before: now,
            not_after: now + policy.ds_validity,
            private_key_usage: Some((now, now + policy.ds_key_usage)),
            profile: Profile::DocumentSigner { document_types: vec!["ID".into()] },
            crl_distribution_point: Some(policy.crl_url.clone()),
        };
        Ok(cert::issue(&t, &ds.public, Some(csca), &csca_signer)?)
    }

    /// Puts the pieces together; checks that the keys match the certificates.
    pub fn new(
        policy: PkiPolicy,
        csca: Certificate,
        csca_key: Option<Arc<dyn Signer>>,
        document_signer: Certificate,
        ds_key: Arc<dyn Signer>,
        crl: Crl,
        revoked: Vec<Revoked>,
    ) -> Result<CardPki, PkiError> {
        let ds_signer = IcaoSigner::new(ds_key);
        if ds_signer.public != document_signer.public_key {
            return Err(PkiError::Invalid("the document-signer key does not match its certificate".into()));
        }
        let csca_signer = csca_key.map(IcaoSigner::new);
        if csca_signer.as_ref().is_some_and(|s| s.public != csca.public_key) {
            return Err(PkiError::Invalid("the CSCA key does not match its certificate".into()));
        }
        if !document_signer.is_signed_by(&csca.public_key) {
            return Err(PkiError::Invalid("the document-signer certificate is not signed by the CSCA".into()));
        }
        let sod_template = SodTemplate::new(&document_signer, &ds_signer, Hash::Sha256)
            .map_err(|e| PkiError::Invalid(e.to_string()))?;
        Ok(CardPki {
            sod_template,
            previous_document_signers: Vec::new(),
            csca,
            csca_signer,
            document_signer,
            ds_signer,
            crl: RwLock::new(crl),
            revoked: RwLock::new(revoked),
            policy,
        })
    }

    /// A whole PKI with fresh software keys, for tests and demonstrations.
    pub fn ephemeral(now: OffsetDateTime) -> Result<CardPki, PkiError> {
        use dinhdanh_crypto::keys::SoftwareKey;
        let policy = PkiPolicy::default();
        let gen_key = |alg| -> Result<Arc<dyn Signer>, PkiError> {
            Ok(Arc::new(SoftwareKey::generate_with(alg).map_err(|e| PkiError::Invalid(e.to_string()))?))
        };
        let csca_key = gen_key(KeyAlgorithm::EcdsaP384)?;
        let ds_key = gen_key(KeyAlgorithm::EcdsaP256)?;
        let csca = Self::issue_csca(&policy, csca_key.clone(), vec![0x01], now)?;
        let ds = Self::issue_document_signer(&policy, &csca, csca_key.clone(), ds_key.clone(), vec![0x02], now)?;
        let crl = crl::issue(&csca, &IcaoSigner::new(csca_key.clone()), 1, now, now + policy.crl_lifetime, &[])?;
        Self::new(policy, csca, Some(csca_key), ds, ds_key, crl, Vec::new())
    }

    pub fn ds_signer(&self) -> &dyn ContentSigner {
        &self.ds_signer
    }

    /// The document signer's part of EF.SOD, prepared once for every card it signs.
    pub fn sod_template(&self) -> &SodTemplate {
        &self.sod_template
    }

    pub fn policy(&self) -> &PkiPolicy {
        &self.policy
    }

    /// The current CRL.
    pub fn crl(&self) -> Crl {
        self.crl.read().map(|c| c.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Issues a new CRL (numbered after the current one) when the current one is past half its
    /// life, or when `force`. Needs the CSCA key.
    pub fn refresh_crl(&self, now: OffsetDateTime, force: bool) -> Result<Option<Crl>, PkiError> {
        let current = self.crl();
        let half = current.this_update + (current.next_update.unwrap_or(current.this_update) - current.this_update) / 2;
        if !force && now < half {
            return Ok(None);
        }
        let signer = self.csca_signer.as_ref().ok_or(PkiError::Offline("a new CRL needs the CSCA key"))?;
        let revoked = self.revoked.read().map(|r| r.clone()).unwrap_or_default();
        let next = crl::issue(
            &self.csca,
            signer,
            current.crl_number.unwrap_or(0) + 1,
            now,
            now + self.policy.crl_lifetime,
            &revoked,
        )?;
        if let Ok(mut c) = self.crl.write() {
            *c = next.clone();
        }
        Ok(Some(next))
    }

    /// Document-signer rollover: a new document-signer certificate for `new_ds_key` under the
    /// same CSCA, and a CRL re-issued with the next number. New cards are signed under the new
    /// certificate; cards signed under the old one still verify, because their EF.SOD carries
    /// the old certificate, which still chains to the CSCA and is not revoked (its key is only
    /// retired: rollover is not revocation). Needs the CSCA key.
    pub fn roll_document_signer(
        &self,
        new_ds_key: Arc<dyn Signer>,
        serial: Vec<u8>,
        now: OffsetDateTime,
    ) -> Result<CardPki, PkiError> {
        let csca_key =
            self.csca_signer.as_ref().ok_or(PkiError::Offline("a new document signer needs the CSCA key"))?.key.clone();
        if new_ds_key.public_point() == self.ds_signer.key.public_point() {
            return Err(PkiError::Invalid("the new document-signer key is the current one".into()));
        }
        if serial == self.document_signer.serial {
            return Err(PkiError::Invalid("the new document signer needs a serial number of its own".into()));
        }
        let ds =
            Self::issue_document_signer(&self.policy, &self.csca, csca_key.clone(), new_ds_key.clone(), serial, now)?;
        let revoked = self.revoked.read().map(|r| r.clone()).unwrap_or_default();
        let current = self.crl();
        let crl = crl::issue(
            &self.csca,
            &IcaoSigner::new(csca_key.clone()),
            current.crl_number.unwrap_or(0) + 1,
            now,
            now + self.policy.crl_lifetime,
            &revoked,
        )?;
        let mut next = Self::new(self.policy.clone(), self.csca.clone(), Some(csca_key), ds, new_ds_key, crl, revoked)?;
        next.previous_document_signers = self.previous_document_signers.clone();
        next.previous_document_signers.push(self.document_signer.clone());
        Ok(next)
    }

    /// Document-signer certificates this PKI signed cards under before the current one (oldest
    /// first): cards signed under them still verify until they expire or are revoked.
    pub fn previous_document_signers(&self) -> &[Certificate] {
        &self.previous_document_signers
    }

    /// Revokes a document-signer certificate and issues the CRL that says so.
    pub fn revoke_document_signer(&self, serial: &[u8], now: OffsetDateTime) -> Result<Crl, PkiError> {
        if let Ok(mut r) = self.revoked.write()
            && !r.iter().any(|x| x.serial == serial)
        {
            r.push(Revoked { serial: serial.to_vec(), date: now });
        }
        self.refresh_crl(now, true)?.ok_or(PkiError::Offline("no CRL"))
    }
}
