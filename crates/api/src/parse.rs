//! Wire text to domain values, collecting every broken rule under its wire field name so that a
//! caller sees all problems of a request at once.

use dinhdanh_domain::admin::{AdminError, UnitRef};
use dinhdanh_domain::codes::Nationality;
use dinhdanh_domain::error::{Errors, Invalid, Rule};
use dinhdanh_domain::name::clean_text;
use dinhdanh_domain::person::{Address, MAX_DETAIL_CHARS, Place};

/// Longest legal basis or reason accepted (the application's limit).
pub const MAX_META_CHARS: usize = 500;

/// Field errors gathered while converting one request.
#[derive(Default, Debug)]
pub struct Check(Errors);

impl Check {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, field: &str, rule: Rule) {
        self.0.push(field, rule);
    }

    /// A required value: absent (`null` or missing) breaks `required`; present text goes to
    /// `parse`, which judges empty text itself (an empty name is `name.empty`, not `required`).
    pub fn req<T>(
        &mut self,
        field: &str,
        v: &Option<String>,
        parse: impl FnOnce(&str) -> Result<T, Rule>,
    ) -> Option<T> {
        match v {
            None => {
                self.push(field, Rule::Required);
                None
            }
            Some(s) => self.0.check(field, parse(s)),
        }
    }

    /// An optional value: absent or blank means none.
    pub fn opt<T>(
        &mut self,
        field: &str,
        v: &Option<String>,
        parse: impl FnOnce(&str) -> Result<T, Rule>,
    ) -> Option<T> {
        match v.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(_) => v.as_deref().and_then(|s| self.0.check(field, parse(s))),
        }
    }

    pub fn finish(self) -> Result<(), Invalid> {
        self.0.finish()
    }
}

/// The rule a refused unit reference breaks.
pub fn unit_rule(e: &AdminError) -> Rule {
    match e {
        AdminError::MalformedReference { .. } | AdminError::UnknownCatalogue(_) => Rule::UnitFormat,
        AdminError::UnknownUnit { .. } | AdminError::NoDistrictsIn2025 { .. } => Rule::UnitUnknown,
    }
}

/// `2025:26743` or `legacy:79`.
pub fn unit_ref(s: &str) -> Result<UnitRef, Rule> {
    UnitRef::parse(s.trim()).map_err(|e| unit_rule(&e))
}

pub fn text(max: usize) -> impl Fn(&str) -> Result<String, Rule> {
    move |s| clean_text(s, max)
}

pub fn meta_text(s: &str) -> Result<String, Rule> {
    clean_text(s, MAX_META_CHARS)
}

/// Text that must be present and non-blank (reasons, legal bases).
pub fn nonblank(rule: Rule) -> impl Fn(&str) -> Result<String, Rule> {
    move |s| {
        let t = meta_text(s)?;
        if t.is_empty() { Err(rule) } else { Ok(t) }
    }
}

/// A residence address; `current` demands the 2025 catalogue (new facts), otherwise a legacy
/// commune is accepted too (records carried over from before the reform).
pub fn address(c: &mut Check, field: &str, a: &crate::requests::AddressInput, current: bool) -> Option<Address> {
    let unit_field = format!("{field}.unit");
    let unit = c.req(&unit_field, &a.unit, unit_ref)?;
    let detail = a.detail.as_deref().unwrap_or("");
    let made = if current { Address::new_current(unit, detail) } else { Address::new(unit, detail) };
    match made {
        Ok(a) => Some(a),
        Err(r @ (Rule::TextTooLong | Rule::TextControlChars)) => {
            c.push(&format!("{field}.detail"), r);
            None
        }
        Err(r) => {
            c.push(&unit_field, r);
            None
        }
    }
}

/// A place (of birth, of origin): a unit of any level and catalogue, a country, or both, with a
/// free-text detail; at least one of the three.
pub fn place(c: &mut Check, field: &str, p: &crate::requests::PlaceInput) -> Option<Place> {
    let unit = c.opt(&format!("{field}.unit"), &p.unit, unit_ref);
    let country = c.opt(&format!("{field}.country"), &p.country, Nationality::parse);
    let detail = c.opt(&format!("{field}.detail"), &p.detail, text(MAX_DETAIL_CHARS)).unwrap_or_default();
    let bad = p.unit.as_deref().is_some_and(|s| !s.trim().is_empty()) && unit.is_none()
        || p.country.as_deref().is_some_and(|s| !s.trim().is_empty()) && country.is_none();
    if bad {
        return None;
    }
    if unit.is_none() && country.is_none() && detail.is_empty() {
        c.push(field, Rule::Required);
        return None;
    }
    Some(Place { unit, country, detail })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_errors_name_the_rule() {
        assert_eq!(unit_ref("2025:26743").map(|u| u.to_string()), Ok("2025:26743".to_owned()));
        assert_eq!(unit_ref("26743"), Err(Rule::UnitFormat));
        assert_eq!(unit_ref("2030:26743"), Err(Rule::UnitFormat));
        assert_eq!(unit_ref("2025:99999"), Err(Rule::UnitUnknown));
        assert_eq!(unit_ref("2025:760"), Err(Rule::UnitUnknown));
    }

    #[test]
    fn required_and_optional() {
        let mut c = Check::new();
        assert_eq!(c.req("a", &None, meta_text), None);
        assert_eq!(c.opt("b", &Some("  ".into()), unit_ref).map(|u| u.to_string()), None);
        assert_eq!(c.req("c", &Some("x".into()), nonblank(Rule::ReasonRequired)).as_deref(), Some("x"));
        let e = c.finish().unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert_eq!((e.0[0].field.as_str(), e.0[0].rule), ("a", Rule::Required));
    }

    #[test]
    fn address_fields_are_prefixed() {
        let mut c = Check::new();
        let a = crate::requests::AddressInput { unit: Some("legacy:26734".into()), detail: None };
        assert!(address(&mut c, "permanent_residence", &a, true).is_none());
        let bad_detail =
            crate::requests::AddressInput { unit: Some("2025:26743".into()), detail: Some("x".repeat(201)) };
        assert!(address(&mut c, "current_residence", &bad_detail, true).is_none());
        let e = c.finish().unwrap_err();
        assert_eq!(e.0[0].field, "permanent_residence.unit");
        assert_eq!(e.0[0].rule, Rule::UnitLegacyNotAllowed);
        assert_eq!(e.0[1].field, "current_residence.detail");
        assert_eq!(e.0[1].rule, Rule::TextTooLong);
    }
}
