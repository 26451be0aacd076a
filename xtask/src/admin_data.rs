//! `cargo xtask admin-data <SHARED_DATA_DIR>`: turns the shared administrative-unit JSON files
//! into the compact TSV files that `dinhdanh-domain` embeds with `include_str!`.
//!
//! The domain crate has no JSON parser and does no IO, so the conversion happens here, once, and
//! its output is committed. Each known quirk of the sources is either corrected by an explicit,
//! evidence-checked rule (and listed in the generated README) or kept on purpose and listed. An
//! inconsistency the rules do not cover stops the run, so a new source version with new problems
//! fails loudly instead of slipping into the binary.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use serde::Deserialize;

const FILE_2025: &str = "admin-units-2025.json";
const FILE_LEGACY: &str = "admin-units-legacy.json";
const FILE_CONVERSION: &str = "admin-units-conversion-2025.json";

/// Licence facts, copied from the shared data README so that they travel with the data.
const LICENCE_NOTE: &str = "Package: `vietnam-provinces` by Nguyễn Hồng Quân. Its `pyproject.toml` has declared `GPL-3.0-or-later` since v0.2 (2020). The wheels carry no licence field and the repository has no LICENSE file. The names and codes come from the official state catalogue. Vietnamese IP law (recalled: Law on Intellectual Property, Art. 15) puts legal and administrative documents outside copyright protection. Even so, treat these extracts as GPL-declared data: ship them as data files and never link the package code.";

pub fn run(args: &[String]) -> Result<()> {
    let [dir] = args else {
        bail!("usage: cargo xtask admin-data <SHARED_DATA_DIR>");
    };
    let src = Path::new(dir);
    let out = workspace_root().join("crates/domain/data");

    let raw_2025: Units2025 = read_json(&src.join(FILE_2025))?;
    let raw_legacy: UnitsLegacy = read_json(&src.join(FILE_LEGACY))?;
    let raw_conv: ConversionTable = read_json(&src.join(FILE_CONVERSION))?;

    let sources = [
        (FILE_2025, raw_2025.source.clone()),
        (FILE_LEGACY, raw_legacy.source.clone()),
        (FILE_CONVERSION, raw_conv.source.clone()),
    ];
    let y2025 = build_2025(raw_2025).context(FILE_2025)?;
    let legacy = build_legacy(raw_legacy).context(FILE_LEGACY)?;
    let conv = build_conversion(raw_conv, &legacy, &y2025).context(FILE_CONVERSION)?;

    fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let files = write_all(&out, &y2025, &legacy, &conv)?;
    let catalogue_fixes: Vec<String> = y2025
        .fixes
        .iter()
        .map(|f| format!("{FILE_2025} {f}"))
        .chain(legacy.fixes.iter().map(|f| format!("{FILE_LEGACY} {f}")))
        .collect();
    let readme = readme(&files, &sources, &catalogue_fixes, &conv);
    write_file(&out.join("README.md"), &readme)?;

    for (name, rows, _, _, _) in &files {
        println!("wrote {}/{name} ({rows} rows)", out.display());
    }
    println!("wrote {}/README.md", out.display());
    for c in catalogue_fixes.iter().chain(&conv.corrections) {
        println!("corrected: {c}");
    }
    println!(
        "conversion: {} rows, {} old communes split, {} interim old codes, {} legacy communes absent, {} rows without old code",
        conv.rows.len(),
        conv.split_count,
        conv.interim_codes.len(),
        conv.absent_legacy.len(),
        conv.no_old_code.len()
    );
    Ok(())
}

fn workspace_root() -> PathBuf {
    // xtask lives one level below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask has a parent directory").to_path_buf()
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// Input shapes (only the fields we use; serde ignores the rest).

#[derive(Deserialize)]
struct Units2025 {
    source: BTreeMap<String, String>,
    counts: Counts2025,
    provinces: Vec<RawProvince>,
    communes: Vec<RawCommune2025>,
}

#[derive(Deserialize)]
struct Counts2025 {
    provinces: usize,
    communes: usize,
    communes_by_type: BTreeMap<String, usize>,
}

#[derive(Deserialize)]
struct UnitsLegacy {
    source: BTreeMap<String, String>,
    counts: CountsLegacy,
    provinces: Vec<RawProvince>,
    districts: Vec<RawDistrict>,
    communes: Vec<RawCommuneLegacy>,
}

#[derive(Deserialize)]
struct CountsLegacy {
    provinces: usize,
    districts: usize,
    communes: usize,
    districts_by_type: BTreeMap<String, usize>,
    communes_by_type: BTreeMap<String, usize>,
}

#[derive(Deserialize)]
struct RawProvince {
    code: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    id_number_code: Option<String>,
}

#[derive(Deserialize)]
struct RawDistrict {
    code: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    province_code: String,
}

#[derive(Deserialize)]
struct RawCommune2025 {
    code: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    province_code: String,
}

#[derive(Deserialize)]
struct RawCommuneLegacy {
    code: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    district_code: String,
}

#[derive(Deserialize)]
struct ConversionTable {
    source: BTreeMap<String, String>,
    counts: CountsConversion,
    rows: Vec<RawRow>,
}

#[derive(Deserialize)]
struct CountsConversion {
    rows: usize,
}

#[derive(Deserialize)]
struct RawRow {
    new_code: String,
    old_code: Option<String>,
    old_name: Option<String>,
    old_district_code: String,
    old_province_code: String,
    new_province_code: String,
    note: String,
}

// ---------------------------------------------------------------------------------------------
// Output model.

struct Province {
    code: String,
    name: String,
    kind: &'static str,
    id_number_code: Option<String>,
}

struct District {
    code: String,
    name: String,
    kind: &'static str,
    province_code: String,
}

struct Commune {
    code: String,
    name: String,
    kind: &'static str,
    district_code: Option<String>,
    province_code: String,
}

struct Catalogue {
    provinces: Vec<Province>,
    districts: Vec<District>,
    communes: Vec<Commune>,
    /// Corrections applied to names, for the README.
    fixes: Vec<String>,
}

struct Row {
    /// Empty when the row converts territory that had no commune code.
    old_code: String,
    /// Whitespace-collapsed `old_name`, only for checks and the README (not exported).
    old_name: String,
    old_district_code: String,
    old_province_code: String,
    new_code: String,
    new_province_code: String,
    note: String,
}

struct ConversionOut {
    rows: Vec<Row>,
    corrections: Vec<String>,
    /// Old codes in the table that are not in the legacy list: code -> (name in the table,
    /// district code).
    interim_codes: BTreeMap<String, (String, String)>,
    /// Legacy communes that no row converts: (code, name, district code).
    absent_legacy: Vec<(String, String, String)>,
    /// Rows without an old commune code: (district code, district name, old_name, new code, note).
    no_old_code: Vec<(String, String, String, String, String)>,
    split_count: usize,
}

// ---------------------------------------------------------------------------------------------
// Checks and normalisation.

fn check_code(what: &str, code: &str, len: usize) -> Result<()> {
    ensure!(
        code.len() == len && code.bytes().all(|b| b.is_ascii_digit()),
        "{what}: code {code:?} is not {len} ASCII digits"
    );
    Ok(())
}

/// Text must survive TSV without quoting and be NFC. Without a normalisation library, NFC is
/// enforced by construction: Vietnamese has a precomposed letter for every base + diacritic
/// combination, so NFC Vietnamese text has no combining marks, and the character repertoire is
/// restricted to ranges without singleton decompositions. The domain crate's tests re-check
/// every name with a real NFC test.
fn check_text(what: &str, s: &str) -> Result<()> {
    ensure!(!s.is_empty(), "{what}: empty text");
    ensure!(
        s == s.split_whitespace().collect::<Vec<_>>().join(" "),
        "{what}: {s:?} has stray whitespace (tab, line break, double or edge space)"
    );
    for ch in s.chars() {
        let ok = ch.is_ascii_graphic()
            || ch == ' '
            || ('\u{00C0}'..='\u{024F}').contains(&ch)
            || ('\u{1E00}'..='\u{1EFF}').contains(&ch)
            || ch == '\u{2019}';
        ensure!(
            ok && ch != '\u{00D7}' && ch != '\u{00F7}',
            "{what}: {s:?} has character U+{:04X} (combining mark or outside the Latin/Vietnamese repertoire; not NFC-safe)",
            ch as u32
        );
    }
    Ok(())
}

fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn capitalised(kind: &str) -> String {
    let mut chars = kind.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Names carry their kind as a prefix ("Tỉnh Gia Lai", "Thị trấn Phát Diệm"); the domain crate
/// relies on that to build display chains without adding the kind again. A prefix that differs
/// only in letter case ("Thành Phố Đồng Hới") is normalised and recorded; anything else stops.
fn fixed_name(what: &str, name: String, kind: &str, fixes: &mut Vec<String>) -> Result<String> {
    check_text(what, &name)?;
    let prefix = format!("{} ", capitalised(kind));
    if name.starts_with(&prefix) {
        return Ok(name);
    }
    let n = prefix.chars().count();
    let head: String = name.chars().take(n).collect();
    ensure!(
        head.to_lowercase() == prefix.to_lowercase(),
        "{what}: name {name:?} does not start with its kind {kind:?}"
    );
    let fixed = format!("{prefix}{}", &name[head.len()..]);
    fixes.push(format!("{what}: name \"{name}\" -> \"{fixed}\" (letter case of the kind prefix)"));
    Ok(fixed)
}

fn province_kind(raw: &str) -> Result<&'static str> {
    Ok(match raw {
        "tỉnh" => "tỉnh",
        // 2025 file: "thành phố trung ương"; legacy file: "thành phố trực thuộc trung ương".
        "thành phố trung ương" | "thành phố trực thuộc trung ương" => "thành phố",
        other => bail!("unknown province type {other:?}"),
    })
}

fn district_kind(raw: &str) -> Result<&'static str> {
    Ok(match raw {
        "quận" => "quận",
        "huyện" => "huyện",
        "thị xã" => "thị xã",
        "thành phố" => "thành phố",
        other => bail!("unknown district type {other:?}"),
    })
}

fn commune_kind(raw: &str, allowed: &[&'static str]) -> Result<&'static str> {
    match allowed.iter().find(|k| **k == raw) {
        Some(k) => Ok(k),
        None => bail!("unknown commune type {raw:?} (expected one of {allowed:?})"),
    }
}

fn ensure_unique<'a>(what: &str, codes: impl Iterator<Item = &'a str>) -> Result<()> {
    let mut seen = BTreeSet::new();
    for c in codes {
        ensure!(seen.insert(c), "{what}: duplicate code {c}");
    }
    Ok(())
}

fn count_by_kind<'a>(kinds: impl Iterator<Item = &'a str>) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for k in kinds {
        *m.entry(k.to_string()).or_insert(0) += 1;
    }
    m
}

// ---------------------------------------------------------------------------------------------
// Catalogues.

fn build_provinces(raw: Vec<RawProvince>, legacy: bool, fixes: &mut Vec<String>) -> Result<Vec<Province>> {
    let mut out = Vec::with_capacity(raw.len());
    for p in raw {
        check_code("province", &p.code, 2)?;
        let kind = province_kind(&p.kind)?;
        let name = fixed_name(&format!("province {}", p.code), p.name, kind, fixes)?;
        let id_number_code = match (legacy, p.id_number_code) {
            (true, Some(id)) => {
                check_code("id_number_code", &id, 3)?;
                // Circular 07/2016 Appendix I code; the shared README checked it equals "0" + code.
                ensure!(id == format!("0{}", p.code), "province {}: id_number_code {id} is not \"0\" + code", p.code);
                Some(id)
            }
            (true, None) => bail!("legacy province {} has no id_number_code", p.code),
            (false, Some(_)) => bail!("2025 province {} has an id_number_code", p.code),
            (false, None) => None,
        };
        out.push(Province { code: p.code, name, kind, id_number_code });
    }
    ensure_unique("province", out.iter().map(|p| p.code.as_str()))?;
    if legacy {
        ensure_unique("id_number_code", out.iter().filter_map(|p| p.id_number_code.as_deref()))?;
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(out)
}

fn build_2025(raw: Units2025) -> Result<Catalogue> {
    let mut fixes = Vec::new();
    let provinces = build_provinces(raw.provinces, false, &mut fixes)?;
    let province_codes: BTreeSet<&str> = provinces.iter().map(|p| p.code.as_str()).collect();
    let mut communes = Vec::with_capacity(raw.communes.len());
    for c in raw.communes {
        check_code("commune", &c.code, 5)?;
        check_code("commune province", &c.province_code, 2)?;
        let kind = commune_kind(&c.kind, &["xã", "phường", "đặc khu"])?;
        let name = fixed_name(&format!("commune {}", c.code), c.name, kind, &mut fixes)?;
        ensure!(
            province_codes.contains(c.province_code.as_str()),
            "commune {}: unknown province {}",
            c.code,
            c.province_code
        );
        communes.push(Commune { code: c.code, name, kind, district_code: None, province_code: c.province_code });
    }
    ensure_unique("commune", communes.iter().map(|c| c.code.as_str()))?;
    // Grouped by province so that the domain crate can hand out one slice per province: new
    // commune codes are inherited from old communes and are not contiguous per province.
    communes.sort_by(|a, b| (&a.province_code, &a.code).cmp(&(&b.province_code, &b.code)));

    ensure!(provinces.len() == raw.counts.provinces, "province count");
    ensure!(communes.len() == raw.counts.communes, "commune count");
    ensure!(count_by_kind(communes.iter().map(|c| c.kind)) == raw.counts.communes_by_type, "communes by type");
    Ok(Catalogue { provinces, districts: Vec::new(), communes, fixes })
}

fn build_legacy(raw: UnitsLegacy) -> Result<Catalogue> {
    let mut fixes = Vec::new();
    let provinces = build_provinces(raw.provinces, true, &mut fixes)?;
    let province_codes: BTreeSet<&str> = provinces.iter().map(|p| p.code.as_str()).collect();

    let mut districts = Vec::with_capacity(raw.districts.len());
    for d in raw.districts {
        check_code("district", &d.code, 3)?;
        check_code("district province", &d.province_code, 2)?;
        let kind = district_kind(&d.kind)?;
        let name = fixed_name(&format!("district {}", d.code), d.name, kind, &mut fixes)?;
        ensure!(
            province_codes.contains(d.province_code.as_str()),
            "district {}: unknown province {}",
            d.code,
            d.province_code
        );
        districts.push(District { code: d.code, name, kind, province_code: d.province_code });
    }
    ensure_unique("district", districts.iter().map(|d| d.code.as_str()))?;
    districts.sort_by(|a, b| (&a.province_code, &a.code).cmp(&(&b.province_code, &b.code)));
    let district_province: HashMap<&str, &str> =
        districts.iter().map(|d| (d.code.as_str(), d.province_code.as_str())).collect();

    let mut communes = Vec::with_capacity(raw.communes.len());
    for c in raw.communes {
        check_code("commune", &c.code, 5)?;
        check_code("commune district", &c.district_code, 3)?;
        let kind = commune_kind(&c.kind, &["xã", "phường", "thị trấn"])?;
        let name = fixed_name(&format!("commune {}", c.code), c.name, kind, &mut fixes)?;
        let Some(province) = district_province.get(c.district_code.as_str()) else {
            bail!("commune {}: unknown district {}", c.code, c.district_code);
        };
        communes.push(Commune {
            code: c.code,
            name,
            kind,
            province_code: province.to_string(),
            district_code: Some(c.district_code),
        });
    }
    ensure_unique("commune", communes.iter().map(|c| c.code.as_str()))?;
    // Grouped by province, then district: codes alone are not contiguous per district.
    communes.sort_by(|a, b| {
        (&a.province_code, &a.district_code, &a.code).cmp(&(&b.province_code, &b.district_code, &b.code))
    });

    ensure!(provinces.len() == raw.counts.provinces, "province count");
    ensure!(districts.len() == raw.counts.districts, "district count");
    ensure!(communes.len() == raw.counts.communes, "commune count");
    ensure!(count_by_kind(districts.iter().map(|d| d.kind)) == raw.counts.districts_by_type, "districts by type");
    ensure!(count_by_kind(communes.iter().map(|c| c.kind)) == raw.counts.communes_by_type, "communes by type");
    Ok(Catalogue { provinces, districts, communes, fixes })
}

// ---------------------------------------------------------------------------------------------
// Conversion table.

fn build_conversion(raw: ConversionTable, legacy: &Catalogue, y2025: &Catalogue) -> Result<ConversionOut> {
    ensure!(raw.rows.len() == raw.counts.rows, "row count");
    let legacy_commune: HashMap<&str, &Commune> = legacy.communes.iter().map(|c| (c.code.as_str(), c)).collect();
    let legacy_district: HashMap<&str, &District> = legacy.districts.iter().map(|d| (d.code.as_str(), d)).collect();
    let new_commune: HashMap<&str, &Commune> = y2025.communes.iter().map(|c| (c.code.as_str(), c)).collect();

    let mut corrections = Vec::new();
    let mut rows = Vec::with_capacity(raw.rows.len());
    for (i, r) in raw.rows.into_iter().enumerate() {
        let what = format!("row {i} (old {:?} -> new {})", r.old_code, r.new_code);
        check_code(&what, &r.new_code, 5)?;
        check_code(&what, &r.new_province_code, 2)?;
        check_code(&what, &r.old_district_code, 3)?;
        check_code(&what, &r.old_province_code, 2)?;
        check_text(&what, &r.note)?;
        let Some(new) = new_commune.get(r.new_code.as_str()) else {
            bail!("{what}: new commune is not in the 2025 catalogue");
        };
        ensure!(
            new.province_code == r.new_province_code,
            "{what}: new_province_code {} but the 2025 catalogue says {}",
            r.new_province_code,
            new.province_code
        );
        ensure!(
            legacy_district.contains_key(r.old_district_code.as_str()),
            "{what}: old district is not in the legacy catalogue"
        );
        let old_code = r.old_code.unwrap_or_default();
        if !old_code.is_empty() {
            check_code(&what, &old_code, 5)?;
        }
        rows.push(Row {
            old_code,
            old_name: collapse_ws(r.old_name.as_deref().unwrap_or("")),
            old_district_code: r.old_district_code,
            old_province_code: r.old_province_code,
            new_code: r.new_code,
            new_province_code: r.new_province_code,
            note: r.note,
        });
    }

    // Code mix-ups. A legacy code whose rows carry two different old names is a contradiction
    // inside the table (e.g. 01615 "Xã Hồng Quang" and "Xã Mỹ Hưng", both "Nhập toàn bộ" into
    // different communes). Such a row is re-coded only when its name is exactly the name of
    // exactly one other legacy commune of the same district; anything else stops the run.
    let mut by_code: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        if legacy_commune.contains_key(r.old_code.as_str()) {
            by_code.entry(r.old_code.clone()).or_default().push(i);
        }
    }
    for (code, idxs) in &by_code {
        let names: BTreeSet<String> = idxs.iter().map(|&i| rows[i].old_name.clone()).collect();
        if names.len() < 2 {
            continue;
        }
        let own = legacy_commune[code.as_str()];
        for &i in idxs {
            let row = &rows[i];
            if row.old_name == own.name {
                continue;
            }
            let candidates: Vec<&Commune> = legacy
                .communes
                .iter()
                .filter(|c| {
                    c.district_code.as_deref() == Some(row.old_district_code.as_str()) && c.name == row.old_name
                })
                .collect();
            let [target] = candidates[..] else {
                bail!(
                    "old code {code} appears under names {names:?}; row to {} ({:?}) matches {} legacy communes of district {} by name, cannot resolve",
                    row.new_code,
                    row.old_name,
                    candidates.len(),
                    row.old_district_code
                );
            };
            corrections.push(format!(
                "old_code {code} -> {} in the row to new {} (\"{}\", note \"{}\"): the table lists {code} under two names {names:?}; \"{}\" is legacy commune {} of the same district {} ({})",
                target.code,
                row.new_code,
                row.old_name,
                row.note,
                row.old_name,
                target.code,
                row.old_district_code,
                if by_code.contains_key(&target.code) {
                    "which otherwise lacks this part of its territory"
                } else {
                    "which is otherwise absent from the table"
                }
            ));
            rows[i].old_code = target.code.clone();
        }
    }

    // Old district of a legacy commune must agree with the legacy catalogue (it does for every
    // row; a disagreement would make the district the wrong anchor for the province fix below).
    for r in &rows {
        if let Some(c) = legacy_commune.get(r.old_code.as_str()) {
            ensure!(
                c.district_code.as_deref() == Some(r.old_district_code.as_str()),
                "old commune {}: table district {} but legacy district {:?}",
                r.old_code,
                r.old_district_code,
                c.district_code
            );
        }
    }

    // Old province: the district code is corroborated by the legacy list (and by the commune
    // code), the province code is not, so the province follows from the district.
    for r in &mut rows {
        let d = legacy_district[r.old_district_code.as_str()];
        if r.old_province_code != d.province_code {
            corrections.push(format!(
                "old_province_code {} -> {} in the row old {} -> new {} (old district {} {} belongs to legacy province {})",
                r.old_province_code,
                d.province_code,
                if r.old_code.is_empty() {
                    "(no code)"
                } else {
                    &r.old_code
                },
                r.new_code,
                d.code,
                d.name,
                d.province_code
            ));
            r.old_province_code = d.province_code.clone();
        }
    }

    // Deterministic order; grouped by old code so that the domain crate can binary-search.
    rows.sort_by(|a, b| {
        (&a.old_code, &a.old_district_code, &a.new_code).cmp(&(&b.old_code, &b.old_district_code, &b.new_code))
    });
    for w in rows.windows(2) {
        ensure!(
            w[0].old_code.is_empty() || (&w[0].old_code, &w[0].new_code) != (&w[1].old_code, &w[1].new_code),
            "duplicate conversion {} -> {}",
            w[0].old_code,
            w[0].new_code
        );
    }
    let covered: BTreeSet<&str> = rows.iter().map(|r| r.new_code.as_str()).collect();
    ensure!(
        covered.len() == y2025.communes.len(),
        "{} 2025 communes have no conversion row",
        y2025.communes.len() - covered.len()
    );

    let mut targets: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut interim_codes = BTreeMap::new();
    let mut no_old_code = Vec::new();
    for r in &rows {
        if r.old_code.is_empty() {
            let d = legacy_district[r.old_district_code.as_str()];
            no_old_code.push((d.code.clone(), d.name.clone(), r.old_name.clone(), r.new_code.clone(), r.note.clone()));
            continue;
        }
        targets.entry(&r.old_code).or_default().insert(&r.new_code);
        if !legacy_commune.contains_key(r.old_code.as_str()) {
            interim_codes.insert(r.old_code.clone(), (r.old_name.clone(), r.old_district_code.clone()));
        }
    }
    let split_count = targets.values().filter(|t| t.len() > 1).count();
    let absent_legacy = legacy
        .communes
        .iter()
        .filter(|c| !targets.contains_key(c.code.as_str()))
        .map(|c| (c.code.clone(), c.name.clone(), c.district_code.clone().unwrap_or_default()))
        .collect::<Vec<_>>();
    let mut absent_legacy = absent_legacy;
    absent_legacy.sort();

    Ok(ConversionOut { rows, corrections, interim_codes, absent_legacy, no_old_code, split_count })
}

// ---------------------------------------------------------------------------------------------
// Output.

/// (file name, data rows, columns, order, origin) for the README table.
type FileInfo = (&'static str, usize, String, &'static str, &'static str);

fn tsv<'a>(header: &[&str], rows: impl Iterator<Item = Vec<&'a str>>) -> (String, usize) {
    let mut out = header.join("\t");
    out.push('\n');
    let mut n = 0;
    for fields in rows {
        debug_assert_eq!(fields.len(), header.len());
        out.push_str(&fields.join("\t"));
        out.push('\n');
        n += 1;
    }
    (out, n)
}

fn write_all(out: &Path, y2025: &Catalogue, legacy: &Catalogue, conv: &ConversionOut) -> Result<Vec<FileInfo>> {
    let mut files = Vec::new();
    let mut emit = |name: &'static str,
                    order: &'static str,
                    origin: &'static str,
                    header: &[&str],
                    text: (String, usize)|
     -> Result<()> {
        write_file(&out.join(name), &text.0)?;
        files.push((name, text.1, header.join(", "), order, origin));
        Ok(())
    };

    let h = ["code", "name", "kind"];
    emit(
        "provinces-2025.tsv",
        "code",
        "`admin-units-2025.json` `provinces`",
        &h,
        tsv(&h, y2025.provinces.iter().map(|p| vec![p.code.as_str(), &p.name, p.kind])),
    )?;
    let h = ["code", "name", "kind", "province_code"];
    emit(
        "communes-2025.tsv",
        "province_code, code",
        "`admin-units-2025.json` `communes`",
        &h,
        tsv(&h, y2025.communes.iter().map(|c| vec![c.code.as_str(), &c.name, c.kind, &c.province_code])),
    )?;
    let h = ["code", "id_number_code", "name", "kind"];
    emit(
        "provinces-legacy.tsv",
        "code",
        "`admin-units-legacy.json` `provinces`",
        &h,
        tsv(
            &h,
            legacy
                .provinces
                .iter()
                .map(|p| vec![p.code.as_str(), p.id_number_code.as_deref().unwrap_or(""), &p.name, p.kind]),
        ),
    )?;
    let h = ["code", "name", "kind", "province_code"];
    emit(
        "districts-legacy.tsv",
        "province_code, code",
        "`admin-units-legacy.json` `districts`",
        &h,
        tsv(&h, legacy.districts.iter().map(|d| vec![d.code.as_str(), &d.name, d.kind, &d.province_code])),
    )?;
    let h = ["code", "name", "kind", "district_code", "province_code"];
    emit(
        "communes-legacy.tsv",
        "province_code, district_code, code",
        "`admin-units-legacy.json` `communes` (province_code added from the district)",
        &h,
        tsv(
            &h,
            legacy.communes.iter().map(|c| {
                vec![c.code.as_str(), &c.name, c.kind, c.district_code.as_deref().unwrap_or(""), &c.province_code]
            }),
        ),
    )?;
    let h = ["old_code", "old_district_code", "old_province_code", "new_code", "new_province_code", "note"];
    emit(
        "conversion-2025.tsv",
        "old_code (empty first), old_district_code, new_code",
        "`admin-units-conversion-2025.json` `rows`, corrected as listed below; names dropped",
        &h,
        tsv(
            &h,
            conv.rows.iter().map(|r| {
                vec![
                    r.old_code.as_str(),
                    &r.old_district_code,
                    &r.old_province_code,
                    &r.new_code,
                    &r.new_province_code,
                    &r.note,
                ]
            }),
        ),
    )?;
    Ok(files)
}

fn readme(
    files: &[FileInfo],
    sources: &[(&str, BTreeMap<String, String>)],
    catalogue_fixes: &[String],
    conv: &ConversionOut,
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Embedded administrative-unit data

Generated by `cargo xtask admin-data <SHARED_DATA_DIR>` (`xtask/src/admin_data.rs`) from the JSON
files of the shared data directory. **Do not edit by hand**: fix the generator and re-run it.
`crates/domain/src/admin.rs` embeds these files with `include_str!`.

Format: UTF-8 (NFC), tab-separated, `\\n` line ends, one header line naming the columns, no quoting
(no field contains a tab or a line break). Codes are zero-padded GSO/NSO codes: province 2 digits,
district 3, commune 5. An empty field means \"none\". Units before 1 July 2025 are \"legacy\"
(as of 2025-01-04); units from 1 July 2025 are \"2025\". The same code may name different units in
the two catalogues (52 is Bình Định in legacy and the new Gia Lai in 2025).

| file | rows | columns | order | from |
|---|---|---|---|---|"
    );
    for (name, rows, cols, order, origin) in files {
        let _ = writeln!(s, "| `{name}` | {rows} | {cols} | {order} | {origin} |");
    }
    let _ = writeln!(
        s,
        "
`kind` is normalised: provinces `tỉnh` | `thành phố` (the sources say \"thành phố trung ương\" /
\"thành phố trực thuộc trung ương\"); districts `quận` | `huyện` | `thị xã` | `thành phố`; communes
`xã` | `phường` | `thị trấn` (legacy) | `đặc khu` (2025). Names are copied verbatim, except for the
corrections listed below, and always start with their capitalised kind (checked). `id_number_code` is the 3-digit code of Circular 07/2016/TT-BCA
Appendix I used in personal identification numbers (checked to be \"0\" + province code).
The 2025 file's `draft_code_map` (June 2025 draft commune codes -> official codes) and the
`phone_area_code` fields are not exported.

## Sources
"
    );
    for (file, source) in sources {
        let _ = writeln!(s, "`{file}`:");
        for (k, v) in source {
            let _ = writeln!(s, "- {k}: {v}");
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "## Licence\n\n{LICENCE_NOTE}\n");
    let _ = writeln!(s, "## Corrections applied to the catalogues\n");
    for f in catalogue_fixes {
        let _ = writeln!(s, "- {f}");
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "## The conversion table

Exported columns are codes and the table's own note (\"Nhập toàn bộ\" = wholly merged, \"Nhập một
phần\" = partly merged, \"Giữ nguyên\" = unchanged, …). The table's `old_name`/`new_name` are not
exported: the catalogues are authoritative for names, and the table's names differ from them in
tone-mark placement (\"Hòa\"/\"Hoà\"), spelling, stray spaces and Unicode form (91 of its strings
are decomposed, not NFC). An old code that maps to two or more new communes is a split
({} old codes): the officer must choose, the software never guesses.

### Corrections applied
",
        conv.split_count
    );
    for c in &conv.corrections {
        let _ = writeln!(s, "- {c}");
    }
    let _ = writeln!(
        s,
        "
### Kept as they are

Old codes in the table that are not in the legacy list ({}): communes created by rearrangements
between the legacy snapshot (2025-01-04) and 1 July 2025. Their rows are kept, so they convert;
they are not legacy units.
",
        conv.interim_codes.len()
    );
    for (code, (name, district)) in &conv.interim_codes {
        let _ = writeln!(s, "- {code} {name} (district {district})");
    }
    let _ = writeln!(
        s,
        "
Legacy communes that no row converts ({}): probably merged into other communes between the
legacy snapshot and 1 July 2025 (some share name and district with an interim code above). The
generator does not infer a conversion from names: they convert to nothing (unknown), and their
district still tells the 2025 province.
",
        conv.absent_legacy.len()
    );
    for (code, name, district) in &conv.absent_legacy {
        let twin = conv
            .interim_codes
            .iter()
            .find(|(_, (n, d))| n == name && d == district)
            .map(|(c, _)| format!("; same name as interim {c}"))
            .unwrap_or_default();
        let _ = writeln!(s, "- {code} {name} (district {district}{twin})");
    }
    let _ = writeln!(
        s,
        "
Rows without an old commune code ({}): territory that had no commune (whole districts without
communes, an unassigned coastal area). They have an empty `old_code` and still tie the old district
to its 2025 province.
",
        conv.no_old_code.len()
    );
    for (dcode, dname, old_name, new_code, note) in &conv.no_old_code {
        let old = if old_name.is_empty() { String::new() } else { format!(", \"{old_name}\"") };
        let _ = writeln!(s, "- district {dcode} {dname}{old} -> {new_code} ({note})");
    }
    s
}
