//! A synthetic population: families whose PINs, sexes, birth years, parents, spouses and
//! residences agree with each other, spread over the provinces, with Vietnamese names written
//! with their diacritics. The same seed always gives the same people, so benchmarks and demos
//! are repeatable. None of these people exist; the names are common given names and surnames.

pub mod face;

use dinhdanh_domain::admin::{Catalogue, UnitRef, catalogue};
use dinhdanh_domain::codes::{Ethnicity, Nationality, Phone, Religion};
use dinhdanh_domain::date::PartialDate;
use dinhdanh_domain::name::PersonName;
use dinhdanh_domain::person::{
    Address, BirthRegistration, LifeStatus, MaritalStatus, Person, PersonId, Place, RelationKind, Relative, Sex,
};
use dinhdanh_domain::pin::{PersonalNumber, PinPrefix, RegistrationCode};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use std::collections::HashSet;
use time::{Date, Month};

/// Surnames with their approximate share of the population (per mille).
const SURNAMES: &[(&str, u32)] = &[
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 70),
    ("Hoàng", 30),
    ("Huỳnh", 21),
    ("Phan", 45),
    ("Vũ", 20),
    ("Võ", 19),
    ("Đặng", 21),
    ("Bùi", 20),
    ("Đỗ", 14),
    ("Hồ", 13),
    ("Ngô", 13),
    ("Dương", 10),
    ("Lý", 5),
    ("Đinh", 5),
    ("Trương", 5),
    ("Lương", 4),
    ("Mai", 4),
    ("Đoàn", 4),
    ("Cao", 3),
    ("Tạ", 2),
    ("Lâm", 2),
    ("Thái", 2),
    ("Hà", 3),
    ("Tô", 2),
    ("Quách", 1),
    ("Châu", 1),
    ("Kiều", 1),
];

const MIDDLE_MALE: &[&str] =
    &["Văn", "Hữu", "Đức", "Minh", "Quang", "Công", "Thành", "Xuân", "Ngọc", "Đình", "Tuấn", "Gia", "Hoàng", "Quốc"];
const MIDDLE_FEMALE: &[&str] =
    &["Thị", "Ngọc", "Thu", "Thanh", "Bích", "Kim", "Mai", "Phương", "Thùy", "Hồng", "Thị Thu", "Minh", "Khánh"];
const GIVEN_MALE: &[&str] = &[
    "An", "Bảo", "Cường", "Dũng", "Duy", "Đạt", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy", "Khang", "Khoa", "Long", "Minh",
    "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Sơn", "Thắng", "Thành", "Tiến", "Toàn", "Trung", "Tuấn", "Việt", "Vinh",
    "Hòa", "Lộc", "Đức", "Khải", "Nhân", "Tùng", "Kiên", "Lâm", "Quý", "Thịnh", "Trí",
];
const GIVEN_FEMALE: &[&str] = &[
    "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hương", "Huyền", "Lan", "Linh", "Loan", "Mai",
    "Ngân", "Ngọc", "Nhung", "Oanh", "Phương", "Quỳnh", "Thảo", "Thủy", "Trang", "Trinh", "Tuyết", "Uyên", "Vân",
    "Yến", "Xuân", "Hòa", "Diệp", "Nguyệt", "Thư", "Vy", "Nhi", "Ly", "Duyên", "Châu", "Tâm",
];
const STREETS: &[&str] = &[
    "Lê Lợi",
    "Trần Hưng Đạo",
    "Nguyễn Trãi",
    "Hai Bà Trưng",
    "Lý Thường Kiệt",
    "Quang Trung",
    "Hùng Vương",
    "Điện Biên Phủ",
    "Phan Đình Phùng",
    "Võ Thị Sáu",
    "Nguyễn Du",
    "Bà Triệu",
];

/// Heavier weight for the most populous provinces (legacy codes); the rest share evenly.
fn province_weight(code: &str) -> u32 {
    match code {
        "79" => 9,               // Hồ Chí Minh
        "01" => 8,               // Hà Nội
        "38" | "40" => 3,        // Thanh Hóa, Nghệ An
        "74" | "75" | "31" => 2, // Bình Dương, Đồng Nai, Hải Phòng
        _ => 1,
    }
}

/// One pre-2025 province with what a synthetic resident needs from it.
struct ProvinceChoice {
    legacy_code: &'static str,
    pin_code: u16,
    legacy_communes: Vec<&'static str>,
    communes_2025: Vec<&'static str>,
    weight: u32,
}

/// Generator state: the random stream and the numbers already handed out.
pub struct Population {
    rng: ChaCha8Rng,
    provinces: Vec<ProvinceChoice>,
    total_weight: u32,
    surname_total: u32,
    used_pins: HashSet<String>,
    /// Duplicate-check keys handed out: real people rarely share name, birth date, sex and
    /// mother's name, and a synthetic population that did would fill the adjudication list.
    used_keys: HashSet<String>,
    reference_date: Date,
}

impl Population {
    /// `reference_date` is "today" for the population: nobody is born after it.
    pub fn new(seed: u64, reference_date: Date) -> Self {
        let cat = catalogue();
        let provinces: Vec<ProvinceChoice> = cat
            .provinces(Catalogue::Legacy)
            .iter()
            .filter_map(|p| {
                let pin_code = p.id_number_code?.parse().ok()?;
                let legacy_communes: Vec<_> =
                    cat.communes_of_province(Catalogue::Legacy, p.code).iter().map(|c| c.code).collect();
                let new_provinces = cat.provinces_2025_of(&p.unit_ref());
                let communes_2025: Vec<_> = new_provinces
                    .iter()
                    .flat_map(|np| cat.communes_of_province(Catalogue::Y2025, np).iter().map(|c| c.code))
                    .collect();
                (!legacy_communes.is_empty() && !communes_2025.is_empty()).then(|| ProvinceChoice {
                    legacy_code: p.code,
                    pin_code,
                    legacy_communes,
                    communes_2025,
                    weight: province_weight(p.code),
                })
            })
            .collect();
        let total_weight = provinces.iter().map(|p| p.weight).sum();
        Population {
            rng: ChaCha8Rng::seed_from_u64(seed),
            provinces,
            total_weight,
            surname_total: SURNAMES.iter().map(|s| s.1).sum(),
            used_pins: HashSet::new(),
            used_keys: HashSet::new(),
            reference_date,
        }
    }

    /// The next family: two married parents, zero to three children (or, sometimes, a single
    /// adult). Parents come before their children so a loader can link them in order.
    pub fn family(&mut self) -> Vec<Person> {
        let province = self.pick_province();
        let surname = self.surname();
        let father_year = self.rng.random_range(1945..=2000);
        if self.rng.random_ratio(1, 8) {
            let sex = if self.rng.random_bool(0.5) { Sex::Male } else { Sex::Female };
            let p = self.person(province, surname, sex, father_year, None, None);
            return vec![p];
        }
        let mother_year = (father_year + self.rng.random_range(-2..=6)).min(2002);
        let mut father = self.person(province, surname, Sex::Male, father_year, None, None);
        let mother_surname = self.surname();
        let mut mother = self.person(province, mother_surname, Sex::Female, mother_year, None, None);
        father.marital_status = MaritalStatus::Married;
        mother.marital_status = MaritalStatus::Married;
        father.relatives.push(Relative::linked(RelationKind::Spouse, &mother));
        mother.relatives.push(Relative::linked(RelationKind::Spouse, &father));
        // Children share the residence of their parents.
        mother.permanent_residence = father.permanent_residence.clone();
        let children = self.rng.random_range(0..=3);
        let mut out = Vec::with_capacity(2 + children);
        let mut kids = Vec::new();
        for _ in 0..children {
            let first = mother_year + 20;
            let last = (mother_year + 42).min(self.reference_date.year() - 1);
            if first > last {
                break;
            }
            let year = self.rng.random_range(first..=last);
            let sex = if self.rng.random_bool(0.51) { Sex::Male } else { Sex::Female };
            let mut child = self.person(province, surname, sex, year, Some(&father), Some(&mother));
            child.permanent_residence = father.permanent_residence.clone();
            father.relatives.push(Relative::linked(RelationKind::Child, &child));
            mother.relatives.push(Relative::linked(RelationKind::Child, &child));
            kids.push(child);
        }
        out.push(father);
        out.push(mother);
        out.extend(kids);
        out
    }

    fn pick_province(&mut self) -> usize {
        let mut x = self.rng.random_range(0..self.total_weight);
        for (i, p) in self.provinces.iter().enumerate() {
            if x < p.weight {
                return i;
            }
            x -= p.weight;
        }
        self.provinces.len() - 1
    }

    fn surname(&mut self) -> &'static str {
        let mut x = self.rng.random_range(0..self.surname_total);
        for (name, w) in SURNAMES {
            if x < *w {
                return name;
            }
            x -= w;
        }
        SURNAMES[0].0
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.random_range(0..items.len())]
    }

    fn birth_date(&mut self, year: i32) -> Date {
        let month = Month::try_from(self.rng.random_range(1..=12u8)).expect("1..=12");
        let day = self.rng.random_range(1..=time::util::days_in_month(month, year));
        let d = Date::from_calendar_date(year, month, day).expect("valid day");
        d.min(self.reference_date)
    }

    fn unique_pin(&mut self, code: u16, sex: Sex, year: i32) -> PersonalNumber {
        let prefix = PinPrefix::new(RegistrationCode::new(code).expect("legacy code"), sex, year).expect("year");
        loop {
            let pin = prefix.with_random(self.rng.random_range(0..1_000_000));
            if self.used_pins.insert(pin.as_str().to_owned()) {
                return pin;
            }
        }
    }

    fn person(
        &mut self,
        province: usize,
        surname: &str,
        sex: Sex,
        year: i32,
        father: Option<&Person>,
        mother: Option<&Person>,
    ) -> Person {
        let dob = self.birth_date(year);
        let mother_name = mother.map(|m| &m.birth_name);
        let mut attempt = 0;
        let name = loop {
            let (middle, given) = match sex {
                Sex::Male => (self.pick(MIDDLE_MALE), self.pick(GIVEN_MALE)),
                Sex::Female => (self.pick(MIDDLE_FEMALE), self.pick(GIVEN_FEMALE)),
            };
            // After many clashes (a very common name on a busy day) add a second given name.
            let text = if attempt < 20 {
                format!("{surname} {middle} {given}")
            } else {
                let extra = self.pick(if sex == Sex::Male { GIVEN_MALE } else { GIVEN_FEMALE });
                format!("{surname} {middle} {extra} {given}")
            };
            let name = PersonName::parse(&text).expect("generated names are NFC");
            let key = dinhdanh_domain::person::duplicate_key(&name, &PartialDate::Full(dob), sex, mother_name);
            if self.used_keys.insert(key) {
                break name;
            }
            attempt += 1;
        };
        let (pin_code, legacy_commune, commune_2025, legacy_code) = {
            let p = &self.provinces[province];
            let lc = p.legacy_communes[self.rng.random_range(0..p.legacy_communes.len())];
            let nc = p.communes_2025[self.rng.random_range(0..p.communes_2025.len())];
            (p.pin_code, lc, nc, p.legacy_code)
        };
        let pin = self.unique_pin(pin_code, sex, year);
        let mut id = [0u8; 16];
        self.rng.fill(&mut id[..]);
        let house = self.rng.random_range(1..400);
        let street = self.pick(STREETS);
        let unit = |c: Catalogue, code: &str| UnitRef::new(c, code).expect("catalogue code");
        let ethnicity = if self.rng.random_ratio(85, 100) {
            "01"
        } else {
            ["02", "03", "04", "05", "06", "07", "08", "09", "10", "11"][self.rng.random_range(0..10)]
        };
        let religion = if self.rng.random_ratio(8, 10) { Religion::NONE } else { Religion::parse("01").expect("code") };
        let adult = dob.year() + 18 <= self.reference_date.year();
        let phone = adult.then(|| {
            let n = self.rng.random_range(0..100_000_000u32);
            Phone::parse(&format!("09{n:08}")).expect("well-formed")
        });
        let mut relatives = Vec::new();
        if let Some(f) = father {
            relatives.push(Relative::linked(RelationKind::Father, f));
        }
        if let Some(m) = mother {
            relatives.push(Relative::linked(RelationKind::Mother, m));
        }
        Person {
            id: PersonId(uuid::Builder::from_random_bytes(id).into_uuid()),
            pin,
            cancelled_pins: Vec::new(),
            birth_name: name,
            other_names: Vec::new(),
            date_of_birth: PartialDate::Full(dob),
            sex,
            place_of_birth: Some(Place {
                unit: Some(unit(Catalogue::Legacy, legacy_code)),
                country: None,
                detail: String::new(),
            }),
            birth_registration: Some(BirthRegistration::Unit(unit(Catalogue::Legacy, legacy_commune))),
            hometown: Some(Place {
                unit: Some(unit(Catalogue::Legacy, legacy_code)),
                country: None,
                detail: String::new(),
            }),
            ethnicity: Some(Ethnicity::parse(ethnicity).expect("code")),
            religion: Some(religion),
            nationality: vec![Nationality::VIETNAM],
            blood_group: None,
            cmnd9: None,
            cards: Vec::new(),
            relatives,
            permanent_residence: Some(
                Address::new_current(unit(Catalogue::Y2025, commune_2025), &format!("Số {house} {street}"))
                    .expect("2025 commune"),
            ),
            temporary_residence: None,
            current_residence: None,
            marital_status: MaritalStatus::Single,
            status: LifeStatus::Alive,
            phone,
            email: None,
        }
    }
}

impl Iterator for Population {
    type Item = Vec<Person>;
    fn next(&mut self) -> Option<Vec<Person>> {
        Some(self.family())
    }
}

/// Exactly `n` persons, families kept whole except possibly the last one (whose links then
/// point at people not generated; loaders keep such links as names).
pub fn persons(seed: u64, reference_date: Date, n: usize) -> impl Iterator<Item = Person> {
    Population::new(seed, reference_date).flatten().take(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn same_seed_same_people_different_seed_different_people() {
        let a: Vec<_> = persons(7, date!(2026 - 01 - 01), 200).map(|p| p.pin.as_str().to_owned()).collect();
        let b: Vec<_> = persons(7, date!(2026 - 01 - 01), 200).map(|p| p.pin.as_str().to_owned()).collect();
        let c: Vec<_> = persons(8, date!(2026 - 01 - 01), 200).map(|p| p.pin.as_str().to_owned()).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 200);
    }

    #[test]
    fn pins_unique_and_consistent_with_sex_and_birth_year() {
        let people: Vec<_> = persons(1, date!(2026 - 01 - 01), 50_000).collect();
        let pins: HashSet<_> = people.iter().map(|p| p.pin.as_str().to_owned()).collect();
        assert_eq!(pins.len(), people.len());
        for p in &people {
            assert!(p.pin.matches_birth(p.sex, p.date_of_birth.year()), "{}", p.pin.as_str());
            assert!(p.birth_name.as_str().contains(' '));
        }
        let keys: HashSet<_> = people.iter().map(|p| p.duplicate_key()).collect();
        assert_eq!(keys.len(), people.len(), "no two synthetic persons look like duplicates");
        // Several provinces are represented, Hồ Chí Minh City more than most.
        let codes: HashSet<_> = people.iter().map(|p| &p.pin.as_str()[..3]).collect();
        assert!(codes.len() > 40, "{}", codes.len());
    }

    #[test]
    fn family_links_point_both_ways() {
        let mut pop = Population::new(3, date!(2026 - 01 - 01));
        let fam = (0..50).map(|_| pop.family()).find(|f| f.len() >= 3).expect("a family with children");
        let (father, mother, child) = (&fam[0], &fam[1], &fam[2]);
        let link = |p: &Person, k: RelationKind| p.relatives.iter().find(|r| r.kind == k).and_then(|r| r.pin);
        assert_eq!(link(father, RelationKind::Spouse), Some(mother.pin));
        assert_eq!(link(mother, RelationKind::Spouse), Some(father.pin));
        assert_eq!(link(child, RelationKind::Father), Some(father.pin));
        assert_eq!(link(child, RelationKind::Mother), Some(mother.pin));
        assert!(father.relatives.iter().any(|r| r.kind == RelationKind::Child && r.pin == Some(child.pin)));
        assert!(child.date_of_birth.year() >= mother.date_of_birth.year() + 20);
    }
}
