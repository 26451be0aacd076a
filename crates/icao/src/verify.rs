//! Passive authentication (ICAO 9303 Part 11 §5.1): is the chip data what the issuing state
//! signed? The report lists every check with its outcome, so a failure names what failed:
//! the SOD structure, its signature, the document signer's chain to a trusted CSCA, the
//! validity periods, the certificate profiles, the CSCA's revocation list, and each data group's
//! hash.

use crate::cert::Certificate;
use crate::crl::Crl;
use crate::oids;
use crate::sod::Sod;
use std::collections::BTreeMap;
use std::fmt;
use time::OffsetDateTime;

/// What a verifier trusts: CSCA certificates and the CRLs they published.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    pub cscas: Vec<Certificate>,
    pub crls: Vec<Crl>,
}

/// The checks, in the order they run. Codes are stable (API and CLI output).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CheckKind {
    SodStructure,
    SignedAttributes,
    SignerCertificate,
    SodSignature,
    CscaFound,
    DsSignedByCsca,
    DsValidity,
    CscaValidity,
    DsProfile,
    CscaProfile,
    Revocation,
    DataGroupHash(u8),
    UnsignedDataGroup(u8),
}

impl CheckKind {
    pub fn code(&self) -> String {
        match self {
            CheckKind::SodStructure => "sod_structure".into(),
            CheckKind::SignedAttributes => "signed_attributes".into(),
            CheckKind::SignerCertificate => "signer_certificate".into(),
            CheckKind::SodSignature => "sod_signature".into(),
            CheckKind::CscaFound => "csca_found".into(),
            CheckKind::DsSignedByCsca => "ds_signed_by_csca".into(),
            CheckKind::DsValidity => "ds_validity".into(),
            CheckKind::CscaValidity => "csca_validity".into(),
            CheckKind::DsProfile => "ds_profile".into(),
            CheckKind::CscaProfile => "csca_profile".into(),
            CheckKind::Revocation => "revocation".into(),
            CheckKind::DataGroupHash(n) => format!("dg{n}_hash"),
            CheckKind::UnsignedDataGroup(n) => format!("dg{n}_signed"),
        }
    }

    pub fn label_en(&self) -> String {
        match self {
            CheckKind::SodStructure => "EF.SOD is CMS SignedData holding an LDS security object".into(),
            CheckKind::SignedAttributes => "the signed attributes name the LDS security object and its digest".into(),
            CheckKind::SignerCertificate => "EF.SOD carries the document signer certificate".into(),
            CheckKind::SodSignature => "the document signer's signature over EF.SOD".into(),
            CheckKind::CscaFound => "a trusted CSCA issued the document signer certificate".into(),
            CheckKind::DsSignedByCsca => "the CSCA's signature on the document signer certificate".into(),
            CheckKind::DsValidity => "the document signer certificate is within its validity".into(),
            CheckKind::CscaValidity => "the CSCA certificate is within its validity".into(),
            CheckKind::DsProfile => "the document signer certificate follows ICAO 9303 Part 12".into(),
            CheckKind::CscaProfile => "the CSCA certificate follows ICAO 9303 Part 12".into(),
            CheckKind::Revocation => "the document signer certificate is not revoked (CSCA CRL)".into(),
            CheckKind::DataGroupHash(n) => format!("DG{n} matches its hash in EF.SOD"),
            CheckKind::UnsignedDataGroup(n) => format!("DG{n} is covered by EF.SOD"),
        }
    }

    pub fn label_vi(&self) -> String {
        match self {
            CheckKind::SodStructure => "EF.SOD là CMS SignedData chứa đối tượng bảo mật LDS".into(),
            CheckKind::SignedAttributes => "thuộc tính ký nêu đúng đối tượng bảo mật LDS và giá trị băm".into(),
            CheckKind::SignerCertificate => "EF.SOD có chứng thư của bên ký tài liệu (DS)".into(),
            CheckKind::SodSignature => "chữ ký của DS trên EF.SOD".into(),
            CheckKind::CscaFound => "chứng thư DS do một CSCA tin cậy cấp".into(),
            CheckKind::DsSignedByCsca => "chữ ký của CSCA trên chứng thư DS".into(),
            CheckKind::DsValidity => "chứng thư DS còn trong thời hạn".into(),
            CheckKind::CscaValidity => "chứng thư CSCA còn trong thời hạn".into(),
            CheckKind::DsProfile => "chứng thư DS theo ICAO 9303 phần 12".into(),
            CheckKind::CscaProfile => "chứng thư CSCA theo ICAO 9303 phần 12".into(),
            CheckKind::Revocation => "chứng thư DS không bị thu hồi (CRL của CSCA)".into(),
            CheckKind::DataGroupHash(n) => format!("DG{n} khớp giá trị băm trong EF.SOD"),
            CheckKind::UnsignedDataGroup(n) => format!("DG{n} được EF.SOD bảo vệ"),
        }
    }
}

/// The result of one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed(String),
    /// Not run, with the reason (a data group that was not read, a check that depends on a
    /// failed one).
    Skipped(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub kind: CheckKind,
    pub outcome: Outcome,
}

/// Everything passive authentication found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub checks: Vec<Check>,
    /// Subject of the document signer certificate, when it could be read.
    pub document_signer: Option<String>,
    /// Subject of the CSCA that issued it.
    pub csca: Option<String>,
    pub signing_time: Option<OffsetDateTime>,
}

impl Report {
    /// True when every check passed (skipped data groups, not read, do not count against it;
    /// a skipped chain or signature check does).
    pub fn is_valid(&self) -> bool {
        !self.checks.is_empty()
            && self.checks.iter().all(|c| match &c.outcome {
                Outcome::Passed => true,
                Outcome::Failed(_) => false,
                Outcome::Skipped(_) => matches!(c.kind, CheckKind::DataGroupHash(_)),
            })
    }

    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| matches!(c.outcome, Outcome::Failed(_)))
    }

    pub fn outcome(&self, kind: CheckKind) -> Option<&Outcome> {
        self.checks.iter().find(|c| c.kind == kind).map(|c| &c.outcome)
    }

    fn push(&mut self, kind: CheckKind, outcome: Outcome) {
        self.checks.push(Check { kind, outcome });
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.checks {
            let (mark, detail) = match &c.outcome {
                Outcome::Passed => ("PASS", String::new()),
                Outcome::Failed(why) => ("FAIL", format!(": {why}")),
                Outcome::Skipped(why) => ("SKIP", format!(": {why}")),
            };
            writeln!(f, "{mark}  {}{detail}", c.kind.label_en())?;
        }
        if let Some(ds) = &self.document_signer {
            writeln!(f, "document signer: {ds}")?;
        }
        if let Some(csca) = &self.csca {
            writeln!(f, "CSCA: {csca}")?;
        }
        write!(f, "{}", if self.is_valid() { "VALID" } else { "NOT VALID" })
    }
}

fn fail(why: impl Into<String>) -> Outcome {
    Outcome::Failed(why.into())
}

fn skip(why: impl Into<String>) -> Outcome {
    Outcome::Skipped(why.into())
}

/// Runs passive authentication over EF.SOD and the data groups that were read (number →
/// bytes), against `trust`, at time `at`.
pub fn passive_authentication(
    sod_bytes: &[u8],
    data_groups: &BTreeMap<u8, Vec<u8>>,
    trust: &TrustStore,
    at: OffsetDateTime,
) -> Report {
    let mut report = Report::default();
    let sod = match Sod::parse(sod_bytes) {
        Ok(s) => s,
        Err(e) => {
            report.push(CheckKind::SodStructure, fail(e.to_string()));
            return report;
        }
    };
    if sod.econtent_type != oids::LDS_SECURITY_OBJECT {
        report.push(CheckKind::SodStructure, fail(format!("the signed content is {}", sod.econtent_type)));
        return report;
    }
    report.push(CheckKind::SodStructure, Outcome::Passed);
    report.signing_time = sod.signing_time;

    report.push(CheckKind::SignedAttributes, signed_attributes_outcome(&sod));

    let ds = sod.signer_certificate();
    match ds {
        Some(ds) => {
            report.document_signer = Some(ds.subject.to_string());
            report.push(CheckKind::SignerCertificate, Outcome::Passed);
            let ok = ds.public_key.verify(sod.signature_algorithm, sod.signed_bytes(), &sod.signature);
            report.push(
                CheckKind::SodSignature,
                if ok {
                    Outcome::Passed
                } else {
                    fail(format!(
                        "the {} signature does not verify with the document signer's key",
                        sod.signature_algorithm.name()
                    ))
                },
            );
        }
        None => {
            report.push(CheckKind::SignerCertificate, fail("no certificate in EF.SOD matches the signer identifier"));
            report.push(CheckKind::SodSignature, skip("no document signer certificate"));
        }
    }

    chain_checks(&mut report, ds, trust, at);
    data_group_checks(&mut report, &sod, data_groups);
    report
}

fn signed_attributes_outcome(sod: &Sod) -> Outcome {
    if sod.signed_attributes.is_none() {
        return fail("EF.SOD has no signed attributes");
    }
    if sod.content_type_attribute != Some(oids::LDS_SECURITY_OBJECT) {
        return fail("the content-type attribute does not name the LDS security object");
    }
    match &sod.message_digest_attribute {
        Some(d) if *d == sod.digest_algorithm.digest(&sod.econtent) => Outcome::Passed,
        Some(_) => fail("the message-digest attribute does not match the LDS security object"),
        None => fail("the message-digest attribute is missing"),
    }
}

fn chain_checks(report: &mut Report, ds: Option<&Certificate>, trust: &TrustStore, at: OffsetDateTime) {
    let after_ds = [
        CheckKind::CscaFound,
        CheckKind::DsSignedByCsca,
        CheckKind::DsValidity,
        CheckKind::CscaValidity,
        CheckKind::DsProfile,
        CheckKind::CscaProfile,
        CheckKind::Revocation,
    ];
    let Some(ds) = ds else {
        for k in after_ds {
            report.push(k, skip("no document signer certificate"));
        }
        return;
    };
    // Candidates: trusted CSCAs whose subject is the DS issuer (and whose key id matches).
    let candidates: Vec<&Certificate> = trust
        .cscas
        .iter()
        .filter(|c| c.subject.matches(&ds.issuer))
        .filter(|c| match (&ds.extensions.authority_key_id, &c.extensions.subject_key_id) {
            (Some(a), Some(s)) => a == s,
            _ => true,
        })
        .collect();
    let csca = candidates.iter().copied().find(|c| ds.is_signed_by(&c.public_key));
    match (csca, candidates.first()) {
        (Some(csca), _) => {
            report.csca = Some(csca.subject.to_string());
            report.push(CheckKind::CscaFound, Outcome::Passed);
            report.push(CheckKind::DsSignedByCsca, Outcome::Passed);
        }
        (None, Some(c)) => {
            report.csca = Some(c.subject.to_string());
            report.push(CheckKind::CscaFound, Outcome::Passed);
            report.push(
                CheckKind::DsSignedByCsca,
                fail("the CSCA's key does not verify the document signer certificate"),
            );
        }
        (None, None) => {
            let why = if trust.cscas.is_empty() {
                "no CSCA certificate was given".to_owned()
            } else {
                format!("no trusted CSCA is named {}", ds.issuer)
            };
            report.push(CheckKind::CscaFound, fail(why));
            report.push(CheckKind::DsSignedByCsca, skip("no matching CSCA"));
        }
    }
    report.push(CheckKind::DsValidity, validity(ds, at));
    let Some(csca) = csca else {
        report.push(CheckKind::CscaValidity, skip("no verified CSCA"));
        report.push(CheckKind::DsProfile, profile(ds.ds_profile_problems()));
        report.push(CheckKind::CscaProfile, skip("no verified CSCA"));
        report.push(CheckKind::Revocation, skip("no verified CSCA"));
        return;
    };
    report.push(CheckKind::CscaValidity, validity(csca, at));
    report.push(CheckKind::DsProfile, profile(ds.ds_profile_problems()));
    report.push(CheckKind::CscaProfile, profile(csca.csca_profile_problems()));
    report.push(CheckKind::Revocation, revocation(ds, csca, trust, at));
}

fn validity(c: &Certificate, at: OffsetDateTime) -> Outcome {
    if at < c.not_before {
        fail(format!("not valid before {}", c.not_before.date()))
    } else if at > c.not_after {
        fail(format!("expired on {}", c.not_after.date()))
    } else {
        Outcome::Passed
    }
}

fn profile(problems: Vec<String>) -> Outcome {
    if problems.is_empty() { Outcome::Passed } else { fail(problems.join("; ")) }
}

fn revocation(ds: &Certificate, csca: &Certificate, trust: &TrustStore, at: OffsetDateTime) -> Outcome {
    let mut crls: Vec<&Crl> = trust.crls.iter().filter(|c| c.issuer.matches(&csca.subject)).collect();
    if crls.is_empty() {
        return fail(format!("no CRL of {} was given", csca.subject));
    }
    // The newest CRL decides.
    crls.sort_by_key(|c| (c.crl_number, c.this_update));
    let Some(crl) = crls.last() else { return fail("no CRL") };
    if !crl.is_signed_by(csca) {
        return fail("the CRL's signature does not verify with the CSCA's key");
    }
    let problems = crl.profile_problems();
    if !problems.is_empty() {
        return fail(format!("the CRL does not follow ICAO 9303 Part 12: {}", problems.join("; ")));
    }
    if at < crl.this_update {
        return fail(format!("the CRL is dated {}, after the time of the check", crl.this_update.date()));
    }
    if crl.next_update.is_some_and(|n| at > n) {
        return fail(format!(
            "the CRL is out of date (next update was due {})",
            crl.next_update.map(|n| n.date().to_string()).unwrap_or_default()
        ));
    }
    match crl.revokes(&ds.serial) {
        Some(r) => {
            fail(format!("the document signer certificate {} was revoked on {}", ds.serial_hex(), r.date.date()))
        }
        None => Outcome::Passed,
    }
}

fn data_group_checks(report: &mut Report, sod: &Sod, data_groups: &BTreeMap<u8, Vec<u8>>) {
    for (n, expected) in &sod.dg_hashes {
        let outcome = match data_groups.get(n) {
            None => skip("not read"),
            Some(bytes) if sod.hash.digest(bytes) == *expected => Outcome::Passed,
            Some(_) => fail(format!("the {} hash of DG{n} differs from EF.SOD", sod.hash.name())),
        };
        report.push(CheckKind::DataGroupHash(*n), outcome);
    }
    for n in data_groups.keys().filter(|n| !sod.dg_hashes.contains_key(n)) {
        report.push(CheckKind::UnsignedDataGroup(*n), fail(format!("DG{n} was read but EF.SOD has no hash for it")));
    }
}
