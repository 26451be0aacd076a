//! Hand-written sample persons with known values, for tests that check exact output.
//!
//! Residences lie in Phường Bến Thành (2025 commune 26743, Hồ Chí Minh City, province 79) unless
//! a test moves them; Phường Ba Đình (00004, Hà Nội, 01) is the usual "elsewhere".

use dinhdanh_app::register::{BirthDraft, ParentDraft};
use dinhdanh_domain::admin::{Catalogue, UnitRef};
use dinhdanh_domain::codes::{BloodGroup, Cmnd9, Email, Ethnicity, Nationality, Phone, Religion};
use dinhdanh_domain::date::PartialDate;
use dinhdanh_domain::name::PersonName;
use dinhdanh_domain::person::{
    Address, BirthRegistration, CardKind, CardRecord, LifeStatus, MaritalStatus, Person, PersonId, Place,
};
use dinhdanh_domain::pin::PersonalNumber;
use time::macros::date;

pub const BEN_THANH: &str = "26743";
pub const BA_DINH: &str = "00004";

pub fn unit(code: &str) -> UnitRef {
    UnitRef::new(Catalogue::Y2025, code).expect("2025 unit")
}

pub fn name(s: &str) -> PersonName {
    PersonName::parse(s).expect("sample name")
}

pub fn pin(s: &str) -> PersonalNumber {
    PersonalNumber::parse(s).expect("sample PIN")
}

pub fn address(commune: &str, detail: &str) -> Address {
    Address::new_current(unit(commune), detail).expect("sample address")
}

fn base(id: u128, pin_s: &str, full_name: &str, dob: time::Date, sex: dinhdanh_domain::person::Sex) -> Person {
    Person {
        id: PersonId(uuid::Uuid::from_u128(id)),
        pin: pin(pin_s),
        cancelled_pins: vec![],
        birth_name: name(full_name),
        other_names: vec![],
        date_of_birth: PartialDate::Full(dob),
        sex,
        place_of_birth: None,
        birth_registration: Some(BirthRegistration::Unit(unit(BEN_THANH))),
        hometown: None,
        ethnicity: Some(Ethnicity::parse("01").expect("Kinh")),
        religion: Some(Religion::NONE),
        nationality: vec![Nationality::VIETNAM],
        blood_group: None,
        cmnd9: None,
        cards: vec![],
        relatives: vec![],
        permanent_residence: Some(address(BEN_THANH, "12 Lê Lợi")),
        temporary_residence: None,
        current_residence: None,
        marital_status: MaritalStatus::Single,
        status: LifeStatus::Alive,
        phone: None,
        email: None,
    }
}

/// Nguyễn Văn An, born 15 March 1990 in Hồ Chí Minh City, single.
pub fn adult_man() -> Person {
    base(1, "079090001234", "Nguyễn Văn An", date!(1990 - 03 - 15), dinhdanh_domain::person::Sex::Male)
}

/// Trần Thị Bích Hòa, born 2 July 1993, single.
pub fn adult_woman() -> Person {
    base(2, "079193004321", "Trần Thị Bích Hòa", date!(1993 - 07 - 02), dinhdanh_domain::person::Sex::Female)
}

/// A person with every optional field filled, for round trips through storage and the API.
pub fn full_record() -> Person {
    let mut p = base(3, "001185000777", "Lê Thị Hồng Đào", date!(1985 - 02 - 28), dinhdanh_domain::person::Sex::Female);
    p.other_names = vec![name("Lê Hồng Đào")];
    p.place_of_birth = Some(Place {
        unit: Some(UnitRef::new(Catalogue::Legacy, "01").expect("legacy Hà Nội")),
        country: None,
        detail: "Bệnh viện Phụ sản Hà Nội".to_owned(),
    });
    p.birth_registration = Some(BirthRegistration::Unit(UnitRef::new(Catalogue::Legacy, "00001").expect("legacy")));
    p.hometown = Some(Place { unit: Some(unit("01")), country: None, detail: "Làng Vạn Phúc".to_owned() });
    p.religion = Some(Religion::parse("01").expect("religion"));
    p.nationality = vec![Nationality::VIETNAM, Nationality::parse("FRA").expect("FRA")];
    p.blood_group = Some(BloodGroup::parse("AB+").expect("blood"));
    p.cmnd9 = Some(Cmnd9::parse("012345678").expect("cmnd"));
    p.cards = vec![CardRecord {
        kind: CardKind::CccdChip,
        number: "001185000777".to_owned(),
        issued_on: PartialDate::parse("2021-05").expect("date"),
        issued_by: "Cục Cảnh sát QLHC về TTXH".to_owned(),
        valid_until: Some(date!(2025 - 02 - 28)),
    }];
    p.permanent_residence = Some(address(BA_DINH, "5 Đội Cấn"));
    p.temporary_residence = Some(address(BEN_THANH, "Phòng 12, 30 Lý Tự Trọng"));
    p.current_residence = Some(address(BEN_THANH, "Phòng 12, 30 Lý Tự Trọng"));
    p.marital_status = MaritalStatus::Divorced;
    p.phone = Some(Phone::parse("0912 345 678").expect("phone"));
    p.email = Some(Email::parse("dao.le@example.vn").expect("email"));
    p
}

/// A birth in Phường Bến Thành with the given parents (by PIN), registered under the Civil
/// Status Law.
pub fn birth(
    child: &str,
    dob: time::Date,
    sex: dinhdanh_domain::person::Sex,
    father: Option<&Person>,
    mother: Option<&Person>,
) -> BirthDraft {
    let parent =
        |p: Option<&Person>| p.map(|p| ParentDraft { pin: Some(p.pin), name: None, cmnd9: None, nationality: None });
    BirthDraft {
        birth_name: name(child),
        date_of_birth: dob,
        sex,
        place_of_birth: None,
        registration: BirthRegistration::Unit(unit(BEN_THANH)),
        hometown: None,
        ethnicity: Some(Ethnicity::parse("01").expect("Kinh")),
        religion: None,
        nationality: vec![Nationality::VIETNAM],
        father: parent(father),
        mother: parent(mother),
        permanent_residence: Some(address(BEN_THANH, "12 Lê Lợi")),
        current_residence: None,
        legal_basis: "Luật Hộ tịch 2014, Điều 16".to_owned(),
    }
}
