//! Form input: lenient parsing of what officers type, and field errors in the page's language.

use super::i18n::Tr;
use dinhdanh_domain::admin::{self, AdminError, Catalogue, UnitLevel, UnitRef};
use dinhdanh_domain::date::PartialDate;
use dinhdanh_domain::error::{Invalid, Rule};
use time::Date;

/// One error as a page shows it: the field it belongs to, its label and the message.
pub(crate) struct FieldMsg {
    pub field: String,
    pub label: Option<&'static str>,
    pub message: &'static str,
}

/// The errors of one submitted form, in the page's language.
pub(crate) struct FormErrors {
    tr: Tr,
    items: Vec<FieldMsg>,
}

impl FormErrors {
    pub fn new(tr: Tr) -> Self {
        FormErrors { tr, items: Vec::new() }
    }

    pub fn rule(&mut self, field: &str, rule: Rule) {
        let message = self.tr.rule(rule);
        self.push(field, message);
    }

    /// A message from the UI table rather than a domain rule.
    pub fn text(&mut self, field: &str, key: &str) {
        let message = self.tr.s(key);
        self.push(field, message);
    }

    fn push(&mut self, field: &str, message: &'static str) {
        // Inputs of the several forms of one page are named `form-field`; the label is the field's.
        let base = field.rsplit('-').next().unwrap_or(field);
        self.items.push(FieldMsg { field: field.to_owned(), label: self.tr.opt(&format!("f.{base}")), message });
    }

    /// Errors of a use case, each field renamed to the form input it came from.
    pub fn invalid(&mut self, inv: &Invalid, rename: impl Fn(&str) -> String) {
        for e in &inv.0 {
            self.rule(&rename(&e.field), e.rule);
        }
    }

    /// Records a failed parse and passes a successful one on.
    pub fn check<T>(&mut self, field: &str, r: Result<T, Rule>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(rule) => {
                self.rule(field, rule);
                None
            }
        }
    }

    /// The first message for a field, to show next to its input.
    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.items.iter().find(|m| m.field == field).map(|m| m.message)
    }

    pub fn all(&self) -> &[FieldMsg] {
        &self.items
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// One `<option>` of a select, with the submitted value kept selected.
pub(crate) struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Options from (value, label) pairs, marking the one equal to `current`.
pub(crate) fn options<'a>(items: impl IntoIterator<Item = (&'a str, &'a str)>, current: &str) -> Vec<Opt> {
    items
        .into_iter()
        .map(|(v, l)| Opt { value: v.to_owned(), label: l.to_owned(), selected: v == current.trim() })
        .collect()
}

/// A full date as `YYYY-MM-DD` (what `<input type="date">` sends).
pub(crate) fn full_date(s: &str) -> Result<Date, Rule> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Rule::Required);
    }
    PartialDate::parse(s)?.full().ok_or(Rule::DateFullRequired)
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, for dates old records know only in part.
pub(crate) fn partial_date(s: &str) -> Result<PartialDate, Rule> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Rule::Required);
    }
    PartialDate::parse(s)
}

fn admin_rule(e: AdminError) -> Rule {
    match e {
        AdminError::UnknownUnit { .. } => Rule::UnitUnknown,
        AdminError::NoDistrictsIn2025 { .. } => Rule::UnitNotCommune,
        AdminError::MalformedReference { .. } | AdminError::UnknownCatalogue(_) => Rule::UnitFormat,
    }
}

/// A unit of the 2025 catalogue typed as its bare code (`26743`) or as `2025:26743`.
pub(crate) fn unit_2025(s: &str) -> Result<UnitRef, Rule> {
    let s = s.trim();
    let code = s.strip_prefix("2025:").unwrap_or(s);
    if code.is_empty() {
        return Err(Rule::Required);
    }
    UnitRef::new(Catalogue::Y2025, code).map_err(admin_rule)
}

/// A commune of the 2025 catalogue: the level addresses and registrations point at.
pub(crate) fn commune_2025(s: &str) -> Result<UnitRef, Rule> {
    let u = unit_2025(s)?;
    if u.level() == UnitLevel::Commune { Ok(u) } else { Err(Rule::UnitNotCommune) }
}

/// The full name of a typed unit code, shown after the field so the officer sees what it means.
pub(crate) fn unit_name(s: &str) -> Option<String> {
    unit_2025(s).ok().map(|u| admin::catalogue().display_name(&u))
}

/// Trimmed text, or `None` when empty.
pub(crate) fn opt(s: &str) -> Option<&str> {
    let t = s.trim();
    (!t.is_empty()).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_accept_bare_and_prefixed_codes() {
        assert_eq!(commune_2025("26743").map(|u| u.to_string()), Ok("2025:26743".to_owned()));
        assert_eq!(commune_2025(" 2025:26743 ").map(|u| u.to_string()), Ok("2025:26743".to_owned()));
        assert_eq!(commune_2025("79"), Err(Rule::UnitNotCommune));
        assert_eq!(commune_2025("99999"), Err(Rule::UnitUnknown));
        assert_eq!(commune_2025("abc"), Err(Rule::UnitFormat));
        assert_eq!(commune_2025(""), Err(Rule::Required));
        assert!(unit_name("26743").is_some_and(|n| n.contains("Bến Thành")));
    }

    #[test]
    fn dates() {
        assert_eq!(full_date("2026-01-05").map(|d| d.to_string()), Ok("2026-01-05".to_owned()));
        assert_eq!(full_date("2026"), Err(Rule::DateFullRequired));
        assert_eq!(full_date(""), Err(Rule::Required));
        assert_eq!(partial_date("2026-02"), PartialDate::parse("2026-02"));
        assert_eq!(partial_date("02/2026"), Err(Rule::DateFormat));
    }
}
