//! Life events: the only way the register changes.
//!
//! Each function takes the current records and returns the new ones, or the broken rules. None of
//! them stores anything: the application layer persists the result, with its history and audit
//! record, in one transaction.

use crate::admin::{self, Catalogue};
use crate::codes::{BloodGroup, Cmnd9, Email, Ethnicity, Nationality, Phone, Religion};
use crate::date::PartialDate;
use crate::error::{Errors, Invalid, Rule};
use crate::name::PersonName;
use crate::person::{
    Address, BirthRegistration, CancelledPin, LifeStatus, MaritalStatus, Person, PersonId, Place, RelationKind,
    Relative, Sex,
};
use crate::pin::{PersonalNumber, PinPrefix, RegistrationCode};
use time::{Date, Duration};

/// Minimum marriage ages (Law on Marriage and Family 2014, Art. 8).
pub const MARRIAGE_AGE_MALE: i32 = 20;
pub const MARRIAGE_AGE_FEMALE: i32 = 18;
/// A father who died up to this many days before a birth can still be linked as the parent.
pub const POSTHUMOUS_BIRTH_DAYS: i64 = 300;

/// A parent named on a birth registration: someone in the register, or a name only.
#[derive(Clone, Debug)]
pub enum ParentRef {
    InRegister(Box<Person>),
    Named { name: PersonName, cmnd9: Option<Cmnd9>, nationality: Option<Nationality> },
}

#[derive(Clone, Debug)]
pub struct BirthInput {
    pub birth_name: PersonName,
    pub date_of_birth: Date,
    pub sex: Sex,
    pub place_of_birth: Option<Place>,
    pub registration: BirthRegistration,
    pub hometown: Option<Place>,
    pub ethnicity: Option<Ethnicity>,
    pub religion: Option<Religion>,
    pub nationality: Vec<Nationality>,
    pub father: Option<ParentRef>,
    pub mother: Option<ParentRef>,
    pub permanent_residence: Option<Address>,
    pub current_residence: Option<Address>,
}

/// The new child and the parents' updated records (when they are in the register).
#[derive(Clone, Debug)]
pub struct BirthOutcome {
    pub child: Person,
    pub father: Option<Person>,
    pub mother: Option<Person>,
}

/// Which PIN code a birth registered in a 2025 province receives. The law's successor to the
/// 2016 code tables is unconfirmed (vn-domain §1.3), so the rule is a setting, not a constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PinCodePolicy {
    /// "0" + the 2025 province code (each 2025 province kept one pre-2025 code).
    #[default]
    Province2025Code,
}

/// The first six digits a new birth's PIN must have.
pub fn birth_pin_prefix(input: &BirthInput, _policy: PinCodePolicy) -> Result<PinPrefix, Invalid> {
    let code = match &input.registration {
        BirthRegistration::Unit(u) => {
            if u.catalogue() != Catalogue::Y2025 {
                return Err(Invalid::one("registration.unit", Rule::UnitLegacyNotAllowed));
            }
            let provinces = admin::catalogue().provinces_2025_of(u);
            let p = provinces.first().ok_or(Invalid::one("registration.unit", Rule::UnitUnknown))?;
            let v: u16 = p.parse().map_err(|_| Invalid::one("registration.unit", Rule::UnitUnknown))?;
            RegistrationCode::new(v).map_err(|r| Invalid::one("registration.unit", r))?
        }
        BirthRegistration::Abroad { country_code, .. } => RegistrationCode::new(*country_code)
            .ok()
            .filter(|c| matches!(c, RegistrationCode::Country(_)))
            .ok_or(Invalid::one("registration.country_code", Rule::PinRegistrationCode))?,
    };
    PinPrefix::new(code, input.sex, input.date_of_birth.year()).map_err(|r| Invalid::one("date_of_birth", r))
}

fn check_parent(errs: &mut Errors, field: &str, parent: &Person, expected: Sex, child_dob: Date) {
    if parent.sex != expected {
        errs.push(field, Rule::ParentSex);
    }
    if parent.date_of_birth.earliest() >= child_dob {
        errs.push(field, Rule::ParentAfterChild);
    }
    match parent.status {
        LifeStatus::Alive => {}
        LifeStatus::Missing(_) => errs.push(field, Rule::PersonMissing),
        LifeStatus::Dead(d) => {
            // A child born after the father's death is still his child (posthumous birth).
            if d.latest() + Duration::days(POSTHUMOUS_BIRTH_DAYS) < child_dob || expected == Sex::Female {
                errs.push(field, Rule::PersonDead);
            }
        }
    }
}

/// Registers a birth: creates the child with `pin` and links the parents both ways.
pub fn register_birth(
    input: BirthInput,
    id: PersonId,
    pin: PersonalNumber,
    today: Date,
) -> Result<BirthOutcome, Invalid> {
    let mut errs = Errors::new();
    if input.date_of_birth > today {
        errs.push("date_of_birth", Rule::DateInFuture);
    }
    if !pin.matches_birth(input.sex, input.date_of_birth.year()) {
        errs.push("pin", Rule::PinMismatchBirth);
    }
    for (field, parent, sex) in [("father", &input.father, Sex::Male), ("mother", &input.mother, Sex::Female)] {
        if let Some(ParentRef::InRegister(p)) = parent {
            check_parent(&mut errs, field, p, sex, input.date_of_birth);
        }
    }
    if let (Some(ParentRef::InRegister(f)), Some(ParentRef::InRegister(m))) = (&input.father, &input.mother)
        && f.id == m.id
    {
        errs.push("mother", Rule::RelationSelf);
    }
    errs.finish()?;

    let relative_of = |kind, r: &ParentRef| match r {
        ParentRef::InRegister(p) => Relative::linked(kind, p),
        ParentRef::Named { name, cmnd9, nationality } => {
            Relative { kind, pin: None, name: name.clone(), cmnd9: cmnd9.clone(), nationality: *nationality }
        }
    };
    let mut relatives = Vec::new();
    if let Some(f) = &input.father {
        relatives.push(relative_of(RelationKind::Father, f));
    }
    if let Some(m) = &input.mother {
        relatives.push(relative_of(RelationKind::Mother, m));
    }
    let nationality = if input.nationality.is_empty() { vec![Nationality::VIETNAM] } else { input.nationality };
    let child = Person {
        id,
        pin,
        cancelled_pins: vec![],
        birth_name: input.birth_name,
        other_names: vec![],
        date_of_birth: PartialDate::Full(input.date_of_birth),
        sex: input.sex,
        place_of_birth: input.place_of_birth,
        birth_registration: Some(input.registration),
        hometown: input.hometown,
        ethnicity: input.ethnicity,
        religion: input.religion,
        nationality,
        blood_group: None,
        cmnd9: None,
        cards: vec![],
        relatives,
        permanent_residence: input.permanent_residence,
        temporary_residence: None,
        current_residence: input.current_residence,
        marital_status: MaritalStatus::Single,
        status: LifeStatus::Alive,
        phone: None,
        email: None,
    };
    let add_child = |p: &Option<ParentRef>| match p {
        Some(ParentRef::InRegister(parent)) => {
            let mut parent = Person::clone(parent);
            parent.relatives.push(Relative::linked(RelationKind::Child, &child));
            Some(parent)
        }
        _ => None,
    };
    let father = add_child(&input.father);
    let mother = add_child(&input.mother);
    Ok(BirthOutcome { child, father, mother })
}

fn is_direct_kin(a: &Person, b: &Person) -> bool {
    let links = |x: &Person, y: &Person| {
        x.relatives.iter().any(|r| {
            matches!(r.kind, RelationKind::Father | RelationKind::Mother | RelationKind::Child)
                && r.pin.is_some_and(|p| y.all_pins().any(|q| *q == p))
        })
    };
    links(a, b) || links(b, a)
}

fn event_date_checks(errs: &mut Errors, field: &str, p: &Person, date: Date, today: Date) {
    if date > today {
        errs.push(field, Rule::DateInFuture);
    }
    if p.date_of_birth.certainly_cmp(&PartialDate::Full(date)) == Some(std::cmp::Ordering::Greater) {
        errs.push(field, Rule::DateBeforeBirth);
    }
}

/// Records a marriage on both records.
pub fn marry(a: &Person, b: &Person, date: Date, today: Date) -> Result<(Person, Person), Invalid> {
    let mut errs = Errors::new();
    if a.id == b.id {
        return Err(Invalid::one("spouse_b", Rule::MarriageSelf));
    }
    for (field, p) in [("spouse_a", a), ("spouse_b", b)] {
        if let Err(r) = p.ensure_active() {
            errs.push(field, r);
            continue;
        }
        if p.marital_status == MaritalStatus::Married {
            errs.push(field, Rule::AlreadyMarried);
        }
        let min = if p.sex == Sex::Male { MARRIAGE_AGE_MALE } else { MARRIAGE_AGE_FEMALE };
        if p.date_of_birth.age_on(date) < min {
            errs.push(field, Rule::MarriageAge);
        }
        event_date_checks(&mut errs, "date", p, date, today);
    }
    if a.sex == b.sex {
        errs.push("spouse_b", Rule::MarriageSameSex);
    }
    if is_direct_kin(a, b) {
        errs.push("spouse_b", Rule::MarriageKin);
    }
    errs.finish()?;
    let wed = |p: &Person, other: &Person| {
        let mut p = p.clone();
        p.marital_status = MaritalStatus::Married;
        p.relatives.retain(|r| r.kind != RelationKind::Spouse);
        p.relatives.push(Relative::linked(RelationKind::Spouse, other));
        p
    };
    Ok((wed(a, b), wed(b, a)))
}

fn spouse_of(p: &Person, other: &Person) -> bool {
    p.relatives_of(RelationKind::Spouse).any(|r| r.pin.is_some_and(|pin| other.all_pins().any(|q| *q == pin)))
}

/// Records a divorce on both records.
pub fn divorce(a: &Person, b: &Person, date: Date, today: Date) -> Result<(Person, Person), Invalid> {
    let mut errs = Errors::new();
    for (field, p) in [("spouse_a", a), ("spouse_b", b)] {
        if let Err(r) = p.ensure_active() {
            errs.push(field, r);
        }
        event_date_checks(&mut errs, "date", p, date, today);
    }
    if !(spouse_of(a, b) && spouse_of(b, a))
        || a.marital_status != MaritalStatus::Married
        || b.marital_status != MaritalStatus::Married
    {
        errs.push("spouse_b", Rule::NotMarriedToEachOther);
    }
    errs.finish()?;
    let part = |p: &Person| {
        let mut p = p.clone();
        p.marital_status = MaritalStatus::Divorced;
        p.relatives.retain(|r| r.kind != RelationKind::Spouse);
        p
    };
    Ok((part(a), part(b)))
}

/// Records a death. A surviving spouse becomes widowed; the spouse link is closed on their side.
pub fn record_death(
    p: &Person,
    date: PartialDate,
    spouse: Option<&Person>,
    today: Date,
) -> Result<(Person, Option<Person>), Invalid> {
    let mut errs = Errors::new();
    match p.status {
        LifeStatus::Dead(_) => errs.push("pin", Rule::PersonDead),
        // A person declared missing may later be found dead.
        LifeStatus::Missing(_) | LifeStatus::Alive => {}
    }
    if date.is_future(today) {
        errs.push("date", Rule::DateInFuture);
    }
    if p.date_of_birth.certainly_cmp(&date) == Some(std::cmp::Ordering::Greater) {
        errs.push("date", Rule::DateBeforeBirth);
    }
    errs.finish()?;
    let mut dead = p.clone();
    dead.status = LifeStatus::Dead(date);
    let widowed = spouse.filter(|s| spouse_of(s, p) && s.is_alive()).map(|s| {
        let mut s = s.clone();
        s.marital_status = MaritalStatus::Widowed;
        s.relatives
            .retain(|r| !(r.kind == RelationKind::Spouse && r.pin.is_some_and(|x| p.all_pins().any(|q| *q == x))));
        s
    });
    Ok((dead, widowed))
}

/// Records a court's declaration that a person is missing.
pub fn declare_missing(p: &Person, date: PartialDate, today: Date) -> Result<Person, Invalid> {
    let mut errs = Errors::new();
    if let Err(r) = p.ensure_active() {
        errs.push("pin", r);
    }
    if date.is_future(today) {
        errs.push("date", Rule::DateInFuture);
    }
    if p.date_of_birth.certainly_cmp(&date) == Some(std::cmp::Ordering::Greater) {
        errs.push("date", Rule::DateBeforeBirth);
    }
    errs.finish()?;
    let mut m = p.clone();
    m.status = LifeStatus::Missing(date);
    Ok(m)
}

/// A correction of recorded data. `None` leaves a field as it is; for optional fields
/// `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct Correction {
    pub birth_name: Option<PersonName>,
    pub other_names: Option<Vec<PersonName>>,
    pub date_of_birth: Option<PartialDate>,
    pub sex: Option<Sex>,
    pub place_of_birth: Option<Option<Place>>,
    pub hometown: Option<Option<Place>>,
    pub ethnicity: Option<Option<Ethnicity>>,
    pub religion: Option<Option<Religion>>,
    pub nationality: Option<Vec<Nationality>>,
    pub blood_group: Option<Option<BloodGroup>>,
    pub cmnd9: Option<Option<Cmnd9>>,
    pub phone: Option<Option<Phone>>,
    pub email: Option<Option<Email>>,
    pub permanent_residence: Option<Option<Address>>,
    pub temporary_residence: Option<Option<Address>>,
    pub current_residence: Option<Option<Address>>,
}

/// Applies a correction. The caller must re-establish the PIN when
/// [`needs_pin_reestablishment`] says the corrected birth data no longer matches it.
pub fn correct(p: &Person, c: Correction, today: Date) -> Result<Person, Invalid> {
    let mut errs = Errors::new();
    if let Err(r) = p.ensure_active() {
        errs.push("pin", r);
    }
    if let Some(d) = &c.date_of_birth
        && d.is_future(today)
    {
        errs.push("date_of_birth", Rule::DateInFuture);
    }
    errs.finish()?;
    let mut n = p.clone();
    macro_rules! set {
        ($($f:ident),*) => { $( if let Some(v) = c.$f { n.$f = v; } )* };
    }
    set!(
        birth_name,
        other_names,
        date_of_birth,
        sex,
        place_of_birth,
        hometown,
        ethnicity,
        religion,
        nationality,
        blood_group,
        cmnd9,
        phone,
        email,
        permanent_residence,
        temporary_residence,
        current_residence
    );
    if n == *p {
        return Err(Invalid::one("", Rule::CorrectionEmpty));
    }
    Ok(n)
}

/// Whether the PIN no longer encodes the person's sex and year of birth.
pub fn needs_pin_reestablishment(p: &Person) -> bool {
    !p.pin.matches_birth(p.sex, p.date_of_birth.year())
}

/// The prefix a re-established number takes: the same registration code with the current sex
/// and year of birth.
pub fn reestablished_prefix(p: &Person) -> Result<PinPrefix, Invalid> {
    PinPrefix::new(p.pin.registration_code(), p.sex, p.date_of_birth.year())
        .map_err(|r| Invalid::one("date_of_birth", r))
}

/// Gives the person `new_pin`, keeping the old number as cancelled so that it still resolves to
/// them and is never issued again.
pub fn reestablish_pin(p: &Person, new_pin: PersonalNumber, on: Date, reason: &str) -> Result<Person, Invalid> {
    if !new_pin.matches_birth(p.sex, p.date_of_birth.year()) || new_pin == p.pin {
        return Err(Invalid::one("pin", Rule::PinMismatchBirth));
    }
    let mut n = p.clone();
    n.cancelled_pins.push(CancelledPin { pin: p.pin, cancelled_on: on, reason: reason.to_owned() });
    n.pin = new_pin;
    Ok(n)
}

/// Points a relative's links at `new` after `old` was re-established, so that reads never need
/// to resolve cancelled numbers. `None` when the relative does not mention `old`.
pub fn relink(relative: &Person, old: &PersonalNumber, new: &PersonalNumber) -> Option<Person> {
    let mut r = relative.clone();
    let mut changed = false;
    for rel in r.relatives.iter_mut().filter(|rel| rel.pin.as_ref() == Some(old)) {
        rel.pin = Some(*new);
        changed = true;
    }
    changed.then_some(r)
}
