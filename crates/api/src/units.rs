//! Administrative units of both catalogues and the old → new commune conversion.

use dinhdanh_domain::admin::{self, Catalogue, Commune as DCommune, Conversion as DConversion, Province as DProvince};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"ref": "2025:79", "catalogue": "2025", "code": "79", "name": "Thành phố Hồ Chí Minh",
    "kind": "thành phố", "id_number_code": null}))]
pub struct Province {
    #[serde(rename = "ref")]
    pub unit_ref: String,
    pub catalogue: String,
    pub code: String,
    pub name: String,
    /// `tỉnh` or `thành phố`.
    pub kind: String,
    /// Legacy provinces: the 3-digit code that opens PINs registered there (`079`).
    pub id_number_code: Option<String>,
}

impl From<&DProvince> for Province {
    fn from(p: &DProvince) -> Self {
        Province {
            unit_ref: p.unit_ref().to_string(),
            catalogue: p.catalogue.as_str().to_owned(),
            code: p.code.to_owned(),
            name: p.name.to_owned(),
            kind: p.kind.as_str().to_owned(),
            id_number_code: p.id_number_code.map(str::to_owned),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Commune {
    #[serde(rename = "ref")]
    pub unit_ref: String,
    pub catalogue: String,
    pub code: String,
    pub name: String,
    /// `xã`, `phường`, `thị trấn` (legacy) or `đặc khu` (2025).
    pub kind: String,
    pub province_code: String,
    /// Legacy only.
    pub district_code: Option<String>,
    /// Full name chain: commune, (district,) province.
    pub display_name: String,
}

impl From<&DCommune> for Commune {
    fn from(c: &DCommune) -> Self {
        Commune {
            unit_ref: c.unit_ref().to_string(),
            catalogue: c.catalogue.as_str().to_owned(),
            code: c.code.to_owned(),
            name: c.name.to_owned(),
            kind: c.kind.as_str().to_owned(),
            province_code: c.province_code.to_owned(),
            district_code: c.district_code.map(str::to_owned),
            display_name: admin::catalogue().display_name(&c.unit_ref()),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConversionStatus {
    /// The whole old commune lies in one new commune.
    Unique,
    /// The old commune was divided; an officer chooses among the candidates.
    Split,
    /// The official table has no row for this commune; an officer chooses.
    Unknown,
}

/// One row of the official conversion table, with its note ("Nhập toàn bộ", "Nhập một phần" …).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConversionRow {
    pub new_code: String,
    pub new_province_code: String,
    pub note: String,
}

/// Where a legacy commune lies in the 2025 catalogue; never guessed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Conversion {
    pub status: ConversionStatus,
    /// The 2025 commune(s): one when unique, every candidate when split, none when unknown.
    pub candidates: Vec<Commune>,
    pub rows: Vec<ConversionRow>,
}

/// A commune with, for the legacy catalogue, its conversion to 2025.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CommuneDetail {
    #[serde(flatten)]
    pub commune: Commune,
    /// Legacy communes only.
    pub conversion: Option<Conversion>,
}

impl CommuneDetail {
    pub fn new(c: &DCommune) -> Self {
        let conversion = (c.catalogue == Catalogue::Legacy).then(|| {
            let cat = admin::catalogue();
            let (status, candidates) = match cat.convert_commune(c.code) {
                DConversion::Unique(x) => (ConversionStatus::Unique, vec![Commune::from(x)]),
                DConversion::Split(xs) => (ConversionStatus::Split, xs.into_iter().map(Commune::from).collect()),
                DConversion::Unknown => (ConversionStatus::Unknown, vec![]),
            };
            let rows = cat
                .conversion_rows(c.code)
                .iter()
                .map(|r| ConversionRow {
                    new_code: r.new_code.to_owned(),
                    new_province_code: r.new_province_code.to_owned(),
                    note: r.note.to_owned(),
                })
                .collect();
            Conversion { status, candidates, rows }
        });
        CommuneDetail { commune: Commune::from(c), conversion }
    }
}
