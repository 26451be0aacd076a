//! From a person in the register to the data on their card's chip: the MRZ (DG1) and the
//! Vietnamese DG13, and the whole signed chip data set. Also the test and demo card bundles,
//! which carry the chip's Active Authentication private key (never stored in the register).

use crate::pki::CardPki;
use dinhdanh_crypto::keys::{ChipKey, KeyError};
use dinhdanh_domain::date::PartialDate;
use dinhdanh_domain::person::{MaritalStatus, Person, RelationKind, Sex};
use dinhdanh_icao::cert::Certificate;
use dinhdanh_icao::crl::Crl;
use dinhdanh_icao::lds::{Dg13, Dg13Value, FaceGender, NO_EXPIRY_TEXT, dg13_field as f};
use dinhdanh_icao::mrz::{MrzDate, MrzSex, VnCardMrz};
use dinhdanh_icao::{ChipData, ChipError, ChipInput, Curve, PublicKey};
use time::{Date, OffsetDateTime};

/// What the card says beyond the person's record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CardDates {
    pub issued_on: Date,
    /// `None`: no expiry ("không thời hạn").
    pub expires_on: Option<Date>,
}

fn dmy(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), d.month() as u8, d.year())
}

/// A partial date as the card prints it: `dd/mm/yyyy`, `mm/yyyy` or `yyyy`.
pub fn card_date(d: &PartialDate) -> String {
    match d {
        PartialDate::Full(d) => dmy(*d),
        PartialDate::YearMonth(y, m) => format!("{:02}/{y:04}", *m as u8),
        PartialDate::Year(y) => format!("{y:04}"),
    }
}

fn mrz_date(d: &PartialDate) -> MrzDate {
    match d {
        PartialDate::Full(d) => MrzDate::from_date(*d),
        PartialDate::YearMonth(y, m) => MrzDate { year: *y, month: Some(*m as u8), day: None },
        PartialDate::Year(y) => MrzDate { year: *y, month: None, day: None },
    }
}

/// Surname (họ) and the rest (chữ đệm and tên): the first word of a Vietnamese name is the
/// family name.
pub fn split_name(full: &str) -> (&str, &str) {
    full.split_once(' ').unwrap_or((full, ""))
}

pub fn mrz_of(person: &Person, dates: CardDates) -> VnCardMrz {
    let (surname, given) = split_name(person.birth_name.as_str());
    VnCardMrz {
        pin: person.pin.as_str().to_owned(),
        surname: surname.to_owned(),
        given_names: given.to_owned(),
        date_of_birth: mrz_date(&person.date_of_birth),
        sex: match person.sex {
            Sex::Male => MrzSex::Male,
            Sex::Female => MrzSex::Female,
        },
        date_of_expiry: dates.expires_on,
    }
}

/// The Vietnamese DG13 (vn-domain §2.6): fields by number, parents and spouse nested.
pub fn dg13_of(person: &Person, dates: CardDates) -> Dg13 {
    let mut d = Dg13::default();
    d.set_text(f::PIN, person.pin.as_str());
    d.set_text(f::FULL_NAME, person.birth_name.as_str());
    d.set_text(f::DATE_OF_BIRTH, card_date(&person.date_of_birth));
    d.set_text(f::SEX, person.sex.name_vi());
    let nationality = match person.nationality.first() {
        Some(n) if n.as_str() == "VNM" => "Việt Nam".to_owned(),
        Some(n) => n.to_string(),
        None => "Việt Nam".to_owned(),
    };
    d.set_text(f::NATIONALITY, nationality);
    if let Some(e) = person.ethnicity {
        d.set_text(f::ETHNICITY, e.name());
    }
    d.set_text(f::RELIGION, person.religion.map_or("Không", |r| r.name()));
    if let Some(h) = &person.hometown {
        d.set_text(f::HOMETOWN, h.display());
    }
    if let Some(a) = person
        .permanent_residence
        .as_ref()
        .or(person.temporary_residence.as_ref())
        .or(person.current_residence.as_ref())
    {
        d.set_text(f::RESIDENCE, a.display());
    }
    d.set_text(f::DATE_OF_ISSUE, dmy(dates.issued_on));
    d.set_text(f::DATE_OF_EXPIRY, dates.expires_on.map_or(NO_EXPIRY_TEXT.to_owned(), dmy));
    let name_of = |k| person.relatives_of(k).next().map(|r| r.name.as_str().to_owned()).unwrap_or_default();
    d.fields.insert(f::PARENTS, Dg13Value::Names(vec![name_of(RelationKind::Father), name_of(RelationKind::Mother)]));
    if person.marital_status == MaritalStatus::Married {
        let spouse = name_of(RelationKind::Spouse);
        if !spouse.is_empty() {
            d.fields.insert(f::SPOUSE, Dg13Value::Names(vec![spouse]));
        }
    }
    if let Some(c) = &person.cmnd9 {
        d.set_text(f::OLD_ID_NUMBER, c.as_str());
    }
    d
}

/// Builds and signs the chip data of a card for `person`.
pub fn build_chip(
    pki: &CardPki,
    person: &Person,
    dates: CardDates,
    face_jpeg: Option<&[u8]>,
    aa_key: Option<&PublicKey>,
    now: OffsetDateTime,
) -> Result<ChipData, ChipError> {
    let mrz = mrz_of(person, dates);
    let dg13 = dg13_of(person, dates);
    let input = ChipInput {
        mrz: &mrz,
        face_jpeg,
        face_gender: match person.sex {
            Sex::Male => FaceGender::Male,
            Sex::Female => FaceGender::Female,
        },
        dg13: &dg13,
        active_authentication_key: aa_key,
    };
    ChipData::build_with(&input, pki.sod_template(), pki.ds_signer(), now)
}

/// A card as a test or a demonstration holds it: the chip data, the chip's Active
/// Authentication key, and what a verifier trusts (the CSCA certificate and its CRL).
pub struct CardBundle {
    pub chip: ChipData,
    pub chip_key: ChipKey,
    pub csca: Certificate,
    pub crl: Crl,
}

impl std::fmt::Debug for CardBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CardBundle(files={}, {:?})", self.chip.data_groups.len() + 2, self.chip_key)
    }
}

impl CardBundle {
    /// What the card's chip answers to a reader's Active Authentication challenge.
    pub fn answer_challenge(&self, challenge: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.chip_key.answer_challenge(challenge)
    }

    /// The DG15 bytes (the chip's public key) a reader sends along with the answer.
    pub fn dg15(&self) -> &[u8] {
        self.chip.data_groups.get(&15).map(Vec::as_slice).unwrap_or_default()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Chip(#[from] ChipError),
}

/// Produces a card bundle with a fresh chip key pair for `person`, signed under `pki`: what a
/// chip card in the holder's hand would give a reader. For tests and demonstration data only.
pub fn issue_card_bundle(
    pki: &CardPki,
    person: &Person,
    dates: CardDates,
    face_jpeg: Option<&[u8]>,
    now: OffsetDateTime,
) -> Result<CardBundle, BundleError> {
    let chip_key = ChipKey::generate()?;
    let aa = PublicKey::Ec { curve: Curve::P256, point: chip_key.public_point().to_vec() };
    let chip = build_chip(pki, person, dates, face_jpeg, Some(&aa), now)?;
    Ok(CardBundle { chip, chip_key, csca: pki.csca.clone(), crl: pki.crl() })
}
