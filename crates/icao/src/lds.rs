//! The logical data structure on the chip (ICAO 9303 Part 10): EF.COM, DG1 (MRZ), DG2 (face in
//! the biometric template of Part 10 §4.7.2 around an ISO/IEC 19794-5 record), DG13 in the
//! Vietnamese layout, DG14 (Active Authentication info) and DG15 (Active Authentication key).

use crate::der::{self, DerError, Writer};
use crate::keys::{CurveEncoding, Hash, PublicKey};
use crate::mrz::{MrzError, Td1};
use crate::oids;
use std::collections::BTreeMap;

/// Tag of EF.COM.
pub const TAG_COM: u32 = 0x60;
/// Tag of EF.SOD.
pub const TAG_SOD: u32 = 0x77;

/// The tag that opens data group `n` (1-16), as EF.COM lists it.
pub fn dg_tag(n: u8) -> Option<u32> {
    Some(match n {
        1 => 0x61,
        2 => 0x75,
        3 => 0x63,
        4 => 0x76,
        5 => 0x65,
        6 => 0x66,
        7 => 0x67,
        8 => 0x68,
        9 => 0x69,
        10 => 0x6A,
        11 => 0x6B,
        12 => 0x6C,
        13 => 0x6D,
        14 => 0x6E,
        15 => 0x6F,
        16 => 0x70,
        _ => return None,
    })
}

/// The data group number a tag opens.
pub fn dg_number(tag: u32) -> Option<u8> {
    (1..=16).find(|n| dg_tag(*n) == Some(tag))
}

#[derive(Debug, thiserror::Error)]
pub enum LdsError {
    #[error("{what}: {source}")]
    Der { what: &'static str, source: DerError },
    #[error("DG1: {0}")]
    Mrz(#[from] MrzError),
    #[error("{0}")]
    Invalid(String),
}

fn der_err(what: &'static str) -> impl FnOnce(DerError) -> LdsError {
    move |source| LdsError::Der { what, source }
}

/// EF.COM: LDS version 1.8, Unicode 4.0.0, and the tags of the data groups present.
pub fn ef_com(dgs: &[u8]) -> Vec<u8> {
    let tags: Vec<u8> = dgs.iter().filter_map(|n| dg_tag(*n)).map(|t| t as u8).collect();
    let mut w = Writer::with_capacity(32);
    w.nest(TAG_COM, |w| {
        w.tlv(0x5F01, b"0108");
        w.tlv(0x5F36, b"040000");
        w.tlv(0x5C, &tags);
    });
    w.into_vec()
}

/// The data group numbers EF.COM lists.
pub fn parse_ef_com(data: &[u8]) -> Result<Vec<u8>, LdsError> {
    let com = der::parse_one(data, TAG_COM).map_err(der_err("EF.COM"))?;
    let mut r = com.reader();
    r.expect(0x5F01).map_err(der_err("EF.COM LDS version"))?;
    r.expect(0x5F36).map_err(der_err("EF.COM Unicode version"))?;
    let list = r.expect(0x5C).map_err(der_err("EF.COM tag list"))?;
    list.value
        .iter()
        .map(|t| dg_number(*t as u32).ok_or_else(|| LdsError::Invalid(format!("EF.COM lists unknown tag {t:#04x}"))))
        .collect()
}

/// DG1: the 90 MRZ characters under tag 5F1F.
pub fn dg1(td1: &Td1) -> Result<Vec<u8>, MrzError> {
    let text = td1.encode()?;
    let mut w = Writer::with_capacity(96);
    w.nest(0x61, |w| w.tlv(0x5F1F, text.as_bytes()));
    Ok(w.into_vec())
}

/// The MRZ text of DG1 (not yet checked).
pub fn dg1_text(data: &[u8]) -> Result<String, LdsError> {
    let dg = der::parse_one(data, 0x61).map_err(der_err("DG1"))?;
    let mut r = dg.reader();
    let mrz = r.expect(0x5F1F).map_err(der_err("DG1"))?;
    String::from_utf8(mrz.value.to_vec()).map_err(|_| LdsError::Invalid("DG1: the MRZ is not text".into()))
}

/// Reads DG1 and checks the MRZ's check digits.
pub fn parse_dg1(data: &[u8], today_year: i32) -> Result<Td1, LdsError> {
    Ok(Td1::parse(&dg1_text(data)?, today_year)?)
}

/// What ISO/IEC 19794-5 says about the face image, beyond the JPEG.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaceGender {
    Unspecified,
    Male,
    Female,
}

/// The size of a JPEG image, read from its first start-of-frame marker. `None` when the bytes
/// are not a baseline or progressive JPEG.
pub fn jpeg_dimensions(jpeg: &[u8]) -> Option<(u16, u16)> {
    if jpeg.len() < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8 {
        return None;
    }
    let mut i = 2;
    while i + 4 <= jpeg.len() {
        if jpeg[i] != 0xFF {
            return None;
        }
        let marker = jpeg[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        if marker == 0xD8 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            i += 2;
            continue;
        }
        let len = u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]) as usize;
        if len < 2 {
            return None;
        }
        // SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
            let f = jpeg.get(i + 4..i + 9)?;
            let height = u16::from_be_bytes([f[1], f[2]]);
            let width = u16::from_be_bytes([f[3], f[4]]);
            return Some((width, height));
        }
        if marker == 0xDA || marker == 0xD9 {
            return None;
        }
        i += 2 + len;
    }
    None
}

const FACE_HEADER_LEN: usize = 14;
const FACE_RECORD_HEADER_LEN: usize = 20;
const FACE_IMAGE_INFO_LEN: usize = 12;

/// DG2: one face image (JPEG) in the biometric information template, with an ISO/IEC 19794-5
/// (2005) facial record. Lengths are computed first so the image is copied once.
pub fn dg2(jpeg: &[u8], gender: FaceGender) -> Result<Vec<u8>, LdsError> {
    let (width, height) =
        jpeg_dimensions(jpeg).ok_or_else(|| LdsError::Invalid("DG2: the face image is not a JPEG".into()))?;
    let facial_len = FACE_RECORD_HEADER_LEN + FACE_IMAGE_INFO_LEN + jpeg.len();
    let record_len = FACE_HEADER_LEN + facial_len;
    let header: [u8; 15] = [
        0xA1, 15, // biometric header template
        0x80, 2, 0x01, 0x01, // patron header version 1.1
        0x81, 1, 0x02, // biometric type: facial features
        0x87, 2, 0x01, 0x01, // format owner: ISO/IEC JTC 1 SC 37
        0x88, 2,
    ];
    let bht_len = header.len() + 2; // + format type 00 08
    let bdb_len = der::encoded_len(2, record_len);
    let bit_len = bht_len + bdb_len;
    let group_len = 3 + der::encoded_len(2, bit_len);
    let mut w = Writer::with_capacity(der::encoded_len(1, group_len) + 8);
    w.header(0x75, der::encoded_len(2, group_len));
    w.header(0x7F61, group_len);
    w.tlv(der::INTEGER, &[1]);
    w.header(0x7F60, bit_len);
    w.raw(&header);
    w.raw(&[0x00, 0x08]); // format type: face image
    w.header(0x5F2E, record_len);
    let mut rec = Vec::with_capacity(FACE_HEADER_LEN + FACE_RECORD_HEADER_LEN + FACE_IMAGE_INFO_LEN);
    rec.extend_from_slice(b"FAC\x00010\x00");
    rec.extend_from_slice(&(record_len as u32).to_be_bytes());
    rec.extend_from_slice(&1u16.to_be_bytes());
    rec.extend_from_slice(&(facial_len as u32).to_be_bytes());
    rec.extend_from_slice(&0u16.to_be_bytes()); // feature points
    rec.push(match gender {
        FaceGender::Unspecified => 0,
        FaceGender::Male => 1,
        FaceGender::Female => 2,
    });
    rec.extend_from_slice(&[0, 0]); // eye and hair colour unspecified
    rec.extend_from_slice(&[0, 0, 0]); // feature mask
    rec.extend_from_slice(&[0, 1]); // expression: neutral
    rec.extend_from_slice(&[0; 6]); // pose angle and its uncertainty
    rec.push(1); // face image type: full frontal
    rec.push(0); // image data type: JPEG
    rec.extend_from_slice(&width.to_be_bytes());
    rec.extend_from_slice(&height.to_be_bytes());
    rec.push(1); // colour space: 24-bit RGB
    rec.push(2); // source: static photograph
    rec.extend_from_slice(&[0, 0, 0, 0]); // device type, quality
    w.raw(&rec);
    w.raw(jpeg);
    Ok(w.into_vec())
}

/// The face images of DG2 (JPEG or JPEG 2000 bytes, as stored).
pub fn parse_dg2(data: &[u8]) -> Result<Vec<Vec<u8>>, LdsError> {
    let dg = der::parse_one(data, 0x75).map_err(der_err("DG2"))?;
    let group = der::parse_one(dg.value, 0x7F61).map_err(der_err("DG2 biometric group"))?;
    let mut r = group.reader();
    let count = r.expect(der::INTEGER).map_err(der_err("DG2 count"))?.u64().map_err(der_err("DG2 count"))?;
    let mut images = Vec::new();
    while !r.is_empty() {
        let bit = r.expect(0x7F60).map_err(der_err("DG2 biometric template"))?;
        let mut b = bit.reader();
        b.expect(0xA1).map_err(der_err("DG2 header template"))?;
        let bdb = b.read().map_err(der_err("DG2 data block"))?;
        if bdb.tag != 0x5F2E && bdb.tag != 0x7F2E {
            return Err(LdsError::Invalid(format!("DG2: unexpected data block tag {:#x}", bdb.tag)));
        }
        images.push(face_image_of(bdb.value)?.to_vec());
    }
    if images.len() as u64 != count {
        return Err(LdsError::Invalid(format!("DG2 announces {count} images and holds {}", images.len())));
    }
    Ok(images)
}

fn face_image_of(record: &[u8]) -> Result<&[u8], LdsError> {
    let bad = |why: &str| LdsError::Invalid(format!("DG2 facial record: {why}"));
    if record.len() < FACE_HEADER_LEN + FACE_RECORD_HEADER_LEN + FACE_IMAGE_INFO_LEN || &record[..4] != b"FAC\0" {
        return Err(bad("not an ISO/IEC 19794-5 record"));
    }
    let points = u16::from_be_bytes([record[18], record[19]]) as usize;
    let image_at = FACE_HEADER_LEN + FACE_RECORD_HEADER_LEN + points * 8 + FACE_IMAGE_INFO_LEN;
    let facial_len = u32::from_be_bytes([record[14], record[15], record[16], record[17]]) as usize;
    let end = FACE_HEADER_LEN.checked_add(facial_len).ok_or_else(|| bad("length"))?;
    if image_at > end || end > record.len() {
        return Err(bad("lengths do not add up"));
    }
    Ok(&record[image_at..end])
}

/// A DG13 value: text, a list of names (parents, spouse), or bytes kept as they were read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dg13Value {
    Text(String),
    Names(Vec<String>),
    /// An element this crate does not interpret (its whole encoding).
    Raw(Vec<u8>),
}

/// The Vietnamese DG13: fields identified by number (vn-domain §2.6), absent when unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dg13 {
    pub fields: BTreeMap<u32, Dg13Value>,
}

/// Field numbers of the Vietnamese DG13.
pub mod dg13_field {
    pub const PIN: u32 = 1;
    pub const FULL_NAME: u32 = 2;
    pub const DATE_OF_BIRTH: u32 = 3;
    pub const SEX: u32 = 4;
    pub const NATIONALITY: u32 = 5;
    pub const ETHNICITY: u32 = 6;
    pub const RELIGION: u32 = 7;
    pub const HOMETOWN: u32 = 8;
    pub const RESIDENCE: u32 = 9;
    pub const IDENTIFYING_MARKS: u32 = 10;
    pub const DATE_OF_ISSUE: u32 = 11;
    pub const DATE_OF_EXPIRY: u32 = 12;
    pub const PARENTS: u32 = 13;
    pub const SPOUSE: u32 = 14;
    pub const OLD_ID_NUMBER: u32 = 15;
}

/// What DG13 field 12 says on a card without expiry.
pub const NO_EXPIRY_TEXT: &str = "Không thời hạn";

impl Dg13 {
    pub fn text(&self, n: u32) -> Option<&str> {
        match self.fields.get(&n) {
            Some(Dg13Value::Text(s)) => Some(s),
            _ => None,
        }
    }

    pub fn names(&self, n: u32) -> Option<&[String]> {
        match self.fields.get(&n) {
            Some(Dg13Value::Names(v)) => Some(v),
            _ => None,
        }
    }

    pub fn set_text(&mut self, n: u32, v: impl Into<String>) {
        self.fields.insert(n, Dg13Value::Text(v.into()));
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(512);
        w.nest(0x6D, |w| {
            w.seq(|w| {
                w.uint(1);
                w.oid(&oids::UTF8_ENCODING);
                w.nest(der::SET, |w| {
                    for (n, v) in &self.fields {
                        match v {
                            Dg13Value::Raw(raw) => w.raw(raw),
                            Dg13Value::Text(s) => w.seq(|w| {
                                w.uint(*n as u64);
                                w.utf8(s);
                            }),
                            Dg13Value::Names(names) => w.seq(|w| {
                                w.uint(*n as u64);
                                w.seq(|w| {
                                    for name in names {
                                        w.utf8(name);
                                    }
                                });
                            }),
                        }
                    }
                });
            })
        });
        w.into_vec()
    }

    /// Reads DG13 by field number. Fields of unknown shape are kept raw, never dropped.
    pub fn parse(data: &[u8]) -> Result<Dg13, LdsError> {
        let dg = der::parse_one(data, 0x6D).map_err(der_err("DG13"))?;
        let seq = der::parse_one(dg.value, der::SEQUENCE).map_err(der_err("DG13"))?;
        let mut r = seq.reader();
        r.expect(der::INTEGER).map_err(der_err("DG13 version"))?;
        r.expect(der::OID).map_err(der_err("DG13 encoding"))?;
        let set = r.expect(der::SET).map_err(der_err("DG13 fields"))?;
        let mut fields = BTreeMap::new();
        let mut s = set.reader();
        while !s.is_empty() {
            let field = s.expect(der::SEQUENCE).map_err(der_err("DG13 field"))?;
            let mut f = field.reader();
            let n = f.expect(der::INTEGER).and_then(|t| t.u64()).map_err(der_err("DG13 field number"))?;
            let n = u32::try_from(n).map_err(|_| LdsError::Invalid("DG13 field number too large".into()))?;
            let value = match f.read() {
                Ok(v) if v.text().is_ok() && f.is_empty() => Dg13Value::Text(v.text().unwrap_or_default().to_owned()),
                Ok(v) if v.tag == der::SEQUENCE && f.is_empty() => {
                    let mut names = Vec::new();
                    let mut inner = v.reader();
                    let mut all_text = true;
                    while let Ok(t) = inner.read() {
                        match t.text() {
                            Ok(s) => names.push(s.to_owned()),
                            Err(_) => all_text = false,
                        }
                    }
                    if all_text && inner.is_empty() {
                        Dg13Value::Names(names)
                    } else {
                        Dg13Value::Raw(field.raw.to_vec())
                    }
                }
                _ => Dg13Value::Raw(field.raw.to_vec()),
            };
            fields.insert(n, value);
        }
        Ok(Dg13 { fields })
    }
}

/// DG14 with the ActiveAuthenticationInfo an ECDSA Active Authentication key needs
/// (Part 11 §6.1: the signature algorithm the chip uses).
pub fn dg14_active_authentication(hash: Hash) -> Vec<u8> {
    let alg = match hash {
        Hash::Sha256 => oids::ECDSA_PLAIN_SHA256,
        Hash::Sha384 => oids::ECDSA_PLAIN_SHA384,
        Hash::Sha512 => oids::ECDSA_PLAIN_SHA512,
    };
    let mut w = Writer::with_capacity(40);
    w.nest(0x6E, |w| {
        w.nest(der::SET, |w| {
            w.seq(|w| {
                w.oid(&oids::AA_PROTOCOL);
                w.uint(1);
                w.oid(&alg);
            })
        })
    });
    w.into_vec()
}

/// The hash of the Active Authentication signature algorithm DG14 names, if any.
pub fn parse_dg14_active_authentication(data: &[u8]) -> Result<Option<Hash>, LdsError> {
    let dg = der::parse_one(data, 0x6E).map_err(der_err("DG14"))?;
    let set = der::parse_one(dg.value, der::SET).map_err(der_err("DG14"))?;
    let mut s = set.reader();
    while !s.is_empty() {
        let info = s.expect(der::SEQUENCE).map_err(der_err("DG14 security info"))?;
        let mut i = info.reader();
        if i.expect(der::OID).and_then(|t| t.oid()).map_err(der_err("DG14 protocol"))? != oids::AA_PROTOCOL {
            continue;
        }
        i.expect(der::INTEGER).map_err(der_err("DG14 version"))?;
        let alg = i.expect(der::OID).and_then(|t| t.oid()).map_err(der_err("DG14 algorithm"))?;
        return match alg {
            a if a == oids::ECDSA_PLAIN_SHA256 => Ok(Some(Hash::Sha256)),
            a if a == oids::ECDSA_PLAIN_SHA384 => Ok(Some(Hash::Sha384)),
            a if a == oids::ECDSA_PLAIN_SHA512 => Ok(Some(Hash::Sha512)),
            a => Err(LdsError::Invalid(format!("DG14: unsupported Active Authentication algorithm {a}"))),
        };
    }
    Ok(None)
}

/// DG15: the Active Authentication public key as a SubjectPublicKeyInfo.
pub fn dg15(key: &PublicKey) -> Vec<u8> {
    let spki = key.to_spki(CurveEncoding::Named);
    let mut w = Writer::with_capacity(spki.len() + 4);
    w.tlv(0x6F, &spki);
    w.into_vec()
}

pub fn parse_dg15(data: &[u8]) -> Result<PublicKey, LdsError> {
    let dg = der::parse_one(data, 0x6F).map_err(der_err("DG15"))?;
    PublicKey::from_spki(dg.value).map_err(der_err("DG15 public key"))
}

/// Checks that bytes are one whole element with the data group's tag (what a hash covers).
pub fn check_dg_envelope(n: u8, data: &[u8]) -> Result<(), LdsError> {
    let tag = dg_tag(n).ok_or_else(|| LdsError::Invalid(format!("DG{n} does not exist")))?;
    der::parse_one(data, tag).map(|_| ()).map_err(|source| LdsError::Der { what: "data group", source })
}

/// A TD1 built only to test other parts.
#[cfg(test)]
pub(crate) fn sample_td1() -> Td1 {
    use crate::mrz;
    use time::macros::date;
    mrz::VnCardMrz {
        pin: "079203000123".into(),
        surname: "Nguyễn".into(),
        given_names: "Văn An".into(),
        date_of_birth: mrz::MrzDate::from_date(date!(2003 - 05 - 14)),
        sex: mrz::MrzSex::Male,
        date_of_expiry: Some(date!(2028 - 05 - 14)),
    }
    .to_td1()
    .expect("sample MRZ")
}

/// The smallest valid JPEG header with a start-of-frame marker, for tests.
#[cfg(test)]
pub(crate) fn tiny_jpeg(width: u16, height: u16, body: usize) -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0];
    j.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8]);
    j.extend_from_slice(&height.to_be_bytes());
    j.extend_from_slice(&width.to_be_bytes());
    j.extend_from_slice(&[1, 1, 0x11, 0]);
    j.extend(std::iter::repeat_n(0x55, body));
    j.extend_from_slice(&[0xFF, 0xD9]);
    j
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ef_com_lists_the_groups() {
        let com = ef_com(&[1, 2, 13, 14, 15]);
        assert_eq!(crate::hex_encode(&com), "60175f0104303130385f36063034303030305c0561756d6e6f");
        assert_eq!(parse_ef_com(&com).unwrap(), vec![1, 2, 13, 14, 15]);
    }

    #[test]
    fn dg1_round_trip() {
        let td1 = sample_td1();
        let dg = dg1(&td1).unwrap();
        assert_eq!(&dg[..5], &[0x61, 0x5D, 0x5F, 0x1F, 0x5A]);
        assert_eq!(parse_dg1(&dg, 2026).unwrap().document_number, "203000123");
    }

    #[test]
    fn dg2_holds_the_jpeg_with_its_size() {
        for body in [10, 300, 70_000] {
            let jpeg = tiny_jpeg(480, 640, body);
            let dg = dg2(&jpeg, FaceGender::Female).unwrap();
            der::parse_one(&dg, 0x75).unwrap();
            assert_eq!(parse_dg2(&dg).unwrap(), vec![jpeg.clone()]);
            let at = dg.len() - jpeg.len() - FACE_IMAGE_INFO_LEN;
            assert_eq!(&dg[at + 2..at + 6], &[0x01, 0xE0, 0x02, 0x80]);
        }
        assert!(dg2(b"not a jpeg", FaceGender::Male).is_err());
    }

    #[test]
    fn dg13_by_number_with_nested_names() {
        let mut d = Dg13::default();
        d.set_text(dg13_field::PIN, "079203000123");
        d.set_text(dg13_field::FULL_NAME, "Nguyễn Văn An");
        d.set_text(dg13_field::DATE_OF_EXPIRY, NO_EXPIRY_TEXT);
        d.fields.insert(dg13_field::PARENTS, Dg13Value::Names(vec!["Nguyễn Văn Bình".into(), "Trần Thị Cúc".into()]));
        let bytes = d.encode();
        let back = Dg13::parse(&bytes).unwrap();
        assert_eq!(back, d);
        assert_eq!(back.names(dg13_field::PARENTS).unwrap()[1], "Trần Thị Cúc");
        // An unknown field shape (an INTEGER value) is kept raw and written back unchanged.
        let mut odd = back.clone();
        let mut w = Writer::new();
        w.seq(|w| {
            w.uint(16);
            w.uint(77);
        });
        odd.fields.insert(16, Dg13Value::Raw(w.into_vec()));
        let again = Dg13::parse(&odd.encode()).unwrap();
        assert_eq!(again, odd);
    }

    #[test]
    fn dg14_and_dg15() {
        let dg14 = dg14_active_authentication(Hash::Sha256);
        assert_eq!(parse_dg14_active_authentication(&dg14).unwrap(), Some(Hash::Sha256));
        let mut point = vec![4u8];
        point.extend_from_slice(&[9u8; 64]);
        let key = PublicKey::Ec { curve: crate::keys::Curve::P256, point };
        assert_eq!(parse_dg15(&dg15(&key)).unwrap(), key);
    }

    proptest! {
        #[test]
        fn parsers_never_panic(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_ef_com(&data);
            let _ = parse_dg1(&data, 2026);
            let _ = parse_dg2(&data);
            let _ = Dg13::parse(&data);
            let _ = parse_dg14_active_authentication(&data);
            let _ = parse_dg15(&data);
            let _ = jpeg_dimensions(&data);
        }

        #[test]
        fn dg13_round_trip(fields in proptest::collection::btree_map(1u32..40, "[a-zA-Z0-9 /ăâđêôơưáàảãạ]{0,30}", 0..16)) {
            let d = Dg13 { fields: fields.into_iter().map(|(k, v)| (k, Dg13Value::Text(v))).collect() };
            prop_assert_eq!(Dg13::parse(&d.encode()).unwrap(), d);
        }
    }
}
