//! Every parser of outside text answers Ok or Err for any input, never panics (a panic in a
//! request handler drops the connection). Found by schemathesis: `BloodGroup::parse` once sliced
//! inside a multi-byte character.

use dinhdanh_domain::admin::UnitRef;
use dinhdanh_domain::codes::{BloodGroup, Cmnd9, Email, Ethnicity, Nationality, Phone, Religion};
use dinhdanh_domain::date::{PartialDate, parse_full_date};
use dinhdanh_domain::name::{PersonName, clean_text};
use dinhdanh_domain::person::{Jurisdiction, MaritalStatus, RelationKind, Sex};
use dinhdanh_domain::pin::PersonalNumber;
use proptest::prelude::*;

fn all_parsers(s: &str) {
    let _ = BloodGroup::parse(s);
    let _ = Cmnd9::parse(s);
    let _ = Email::parse(s);
    let _ = Ethnicity::parse(s);
    let _ = Nationality::parse(s);
    let _ = Phone::parse(s);
    let _ = Religion::parse(s);
    let _ = PartialDate::parse(s);
    let _ = parse_full_date(s);
    let _ = PersonName::parse(s);
    let _ = PersonName::normalize(s);
    let _ = clean_text(s, 10);
    let _ = Jurisdiction::parse(s);
    let _ = MaritalStatus::parse(s);
    let _ = RelationKind::parse(s);
    let _ = Sex::parse(s);
    let _ = PersonalNumber::parse(s);
    let _ = PersonalNumber::parse_plausible(s, 2026);
    let _ = UnitRef::parse(s);
}

#[test]
fn known_troublemakers() {
    for s in
        ["\u{80}", "Pñ,éJQ4òþû", "û+", "A\u{301}+", "", " ", "+", "-", "2025:", "legacy:", ":", "commune:", "0\u{0}"]
    {
        all_parsers(s);
    }
    assert!(BloodGroup::parse("\u{80}").is_err());
    assert_eq!(BloodGroup::parse(" ab- ").map(|b| b.to_string()), Ok("AB-".to_owned()));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
    #[test]
    fn no_parser_panics(s in any::<String>()) {
        all_parsers(&s);
    }

    #[test]
    fn no_parser_panics_on_near_misses(s in "[0-9A-Za-zđĐàáạảãâầấậẩẫăằắặẳẵ+\\-:@. ]{0,16}") {
        all_parsers(&s);
    }
}
