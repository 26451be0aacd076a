//! A small DER reader and writer: just what ICAO 9303 chip data, X.509 and CMS need.
//!
//! The reader works on borrowed slices and keeps every element's raw bytes, so signatures are
//! always checked over the bytes that were signed, never over a re-encoding. It rejects
//! indefinite lengths, lengths that run past the input and tags longer than three bytes, and it
//! never panics on any input (property-tested and fuzzed). Tags are kept as the big-endian value
//! of their encoded bytes (`0x30` SEQUENCE, `0x5F1F` MRZ, `0x7F61` biometric group).

use std::fmt;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

pub const BOOLEAN: u32 = 0x01;
pub const INTEGER: u32 = 0x02;
pub const BIT_STRING: u32 = 0x03;
pub const OCTET_STRING: u32 = 0x04;
pub const NULL: u32 = 0x05;
pub const OID: u32 = 0x06;
pub const UTF8_STRING: u32 = 0x0C;
pub const PRINTABLE_STRING: u32 = 0x13;
pub const IA5_STRING: u32 = 0x16;
pub const UTC_TIME: u32 = 0x17;
pub const GENERALIZED_TIME: u32 = 0x18;
pub const SEQUENCE: u32 = 0x30;
pub const SET: u32 = 0x31;

/// Context-specific constructed tag `[n]` (n < 31).
pub const fn ctx(n: u8) -> u32 {
    0xA0 | n as u32
}

/// Context-specific primitive tag `[n] IMPLICIT` (n < 31).
pub const fn ctx_prim(n: u8) -> u32 {
    0x80 | n as u32
}

/// Why bytes are not the DER that was expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DerError {
    #[error("the data ends too early")]
    Truncated,
    #[error("indefinite or oversized length")]
    BadLength,
    #[error("tag longer than three bytes")]
    BadTag,
    #[error("expected tag {expected:#x}, found {found:#x}")]
    UnexpectedTag { expected: u32, found: u32 },
    #[error("expected tag {expected:#x}, found the end of the data")]
    Missing { expected: u32 },
    #[error("unexpected bytes after the end of the structure")]
    Trailing,
    #[error("invalid {0}")]
    Invalid(&'static str),
}

/// One element: its tag, its contents and its whole encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u32,
    pub value: &'a [u8],
    pub raw: &'a [u8],
}

/// Reads a sequence of elements from a slice.
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn remaining(&self) -> &'a [u8] {
        self.data
    }

    /// The tag of the next element, if there is one and it can be read.
    pub fn peek_tag(&self) -> Option<u32> {
        read_tag(self.data).ok().map(|(t, _)| t)
    }

    pub fn read(&mut self) -> Result<Tlv<'a>, DerError> {
        let (tag, tag_len) = read_tag(self.data)?;
        let (len, len_len) = read_len(&self.data[tag_len..])?;
        let head = tag_len + len_len;
        let end = head.checked_add(len).ok_or(DerError::BadLength)?;
        if end > self.data.len() {
            return Err(DerError::Truncated);
        }
        let tlv = Tlv { tag, value: &self.data[head..end], raw: &self.data[..end] };
        self.data = &self.data[end..];
        Ok(tlv)
    }

    /// The next element, which must carry `tag`.
    pub fn expect(&mut self, tag: u32) -> Result<Tlv<'a>, DerError> {
        if self.data.is_empty() {
            return Err(DerError::Missing { expected: tag });
        }
        let tlv = self.read()?;
        if tlv.tag != tag {
            return Err(DerError::UnexpectedTag { expected: tag, found: tlv.tag });
        }
        Ok(tlv)
    }

    /// The next element if it carries `tag`; nothing is consumed otherwise.
    pub fn optional(&mut self, tag: u32) -> Result<Option<Tlv<'a>>, DerError> {
        if self.peek_tag() == Some(tag) { self.read().map(Some) } else { Ok(None) }
    }

    /// Fails when bytes are left over.
    pub fn finish(&self) -> Result<(), DerError> {
        if self.data.is_empty() { Ok(()) } else { Err(DerError::Trailing) }
    }
}

/// Reads `data` as exactly one element carrying `tag`.
pub fn parse_one(data: &[u8], tag: u32) -> Result<Tlv<'_>, DerError> {
    let mut r = Reader::new(data);
    let tlv = r.expect(tag)?;
    r.finish()?;
    Ok(tlv)
}

fn read_tag(data: &[u8]) -> Result<(u32, usize), DerError> {
    let first = *data.first().ok_or(DerError::Truncated)?;
    if first & 0x1F != 0x1F {
        return Ok((first as u32, 1));
    }
    let mut tag = first as u32;
    for i in 1..3 {
        let b = *data.get(i).ok_or(DerError::Truncated)?;
        tag = (tag << 8) | b as u32;
        if b & 0x80 == 0 {
            return Ok((tag, i + 1));
        }
    }
    Err(DerError::BadTag)
}

fn read_len(data: &[u8]) -> Result<(usize, usize), DerError> {
    let first = *data.first().ok_or(DerError::Truncated)?;
    if first < 0x80 {
        return Ok((first as usize, 1));
    }
    let n = (first & 0x7F) as usize;
    if n == 0 || n > 4 {
        return Err(DerError::BadLength);
    }
    let bytes = data.get(1..1 + n).ok_or(DerError::Truncated)?;
    let len = bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize);
    Ok((len, 1 + n))
}

impl<'a> Tlv<'a> {
    /// A reader over this element's contents.
    pub fn reader(&self) -> Reader<'a> {
        Reader::new(self.value)
    }

    pub fn is_constructed(&self) -> bool {
        let first = if self.tag > 0xFFFF {
            self.tag >> 16
        } else if self.tag > 0xFF {
            self.tag >> 8
        } else {
            self.tag
        };
        first & 0x20 != 0
    }

    /// A non-negative INTEGER's magnitude, big-endian, without the sign byte.
    pub fn unsigned_bytes(&self) -> Result<&'a [u8], DerError> {
        match self.value {
            [] => Err(DerError::Invalid("integer")),
            [0, rest @ ..] if !rest.is_empty() && rest[0] & 0x80 == 0 => Err(DerError::Invalid("integer encoding")),
            [0, rest @ ..] => Ok(if rest.is_empty() { self.value } else { rest }),
            [b, ..] if b & 0x80 != 0 => Err(DerError::Invalid("negative integer")),
            v => Ok(v),
        }
    }

    pub fn u64(&self) -> Result<u64, DerError> {
        let b = self.unsigned_bytes()?;
        if b.len() > 8 {
            return Err(DerError::Invalid("integer too large"));
        }
        Ok(b.iter().fold(0u64, |acc, x| (acc << 8) | *x as u64))
    }

    pub fn boolean(&self) -> Result<bool, DerError> {
        match self.value {
            [0x00] => Ok(false),
            [0xFF] => Ok(true),
            _ => Err(DerError::Invalid("boolean")),
        }
    }

    /// A BIT STRING with no unused bits (keys and signatures).
    pub fn bit_string_bytes(&self) -> Result<&'a [u8], DerError> {
        match self.value {
            [0, rest @ ..] => Ok(rest),
            _ => Err(DerError::Invalid("bit string")),
        }
    }

    /// A named-bit BIT STRING (key usage), as bits numbered from 0 at the most significant bit.
    pub fn named_bits(&self) -> Result<u32, DerError> {
        let (unused, bytes) = self.value.split_first().ok_or(DerError::Invalid("bit string"))?;
        if *unused > 7 || bytes.len() > 4 || (bytes.is_empty() && *unused != 0) {
            return Err(DerError::Invalid("bit string"));
        }
        let mut bits = 0u32;
        for (i, b) in bytes.iter().enumerate() {
            for j in 0..8 {
                if b & (0x80 >> j) != 0 {
                    bits |= 1 << (i * 8 + j);
                }
            }
        }
        Ok(bits)
    }

    pub fn oid(&self) -> Result<ObjectId, DerError> {
        ObjectId::from_der_content(self.value)
    }

    /// Text in any of the string types ICAO data uses.
    pub fn text(&self) -> Result<&'a str, DerError> {
        match self.tag {
            UTF8_STRING | PRINTABLE_STRING | IA5_STRING | 0x14 | 0x1A => {
                std::str::from_utf8(self.value).map_err(|_| DerError::Invalid("text"))
            }
            _ => Err(DerError::Invalid("text type")),
        }
    }

    /// UTCTime or GeneralizedTime, in UTC, to the second.
    pub fn time(&self) -> Result<OffsetDateTime, DerError> {
        let s = std::str::from_utf8(self.value).map_err(|_| DerError::Invalid("time"))?;
        let (year, rest) = match self.tag {
            UTC_TIME if s.len() == 13 => {
                let yy = digits(&s[0..2])? as i32;
                (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &s[2..])
            }
            GENERALIZED_TIME if s.len() == 15 => (digits(&s[0..4])? as i32, &s[4..]),
            _ => return Err(DerError::Invalid("time")),
        };
        if !rest.ends_with('Z') {
            return Err(DerError::Invalid("time zone"));
        }
        let month = Month::try_from(digits(&rest[0..2])? as u8).map_err(|_| DerError::Invalid("time"))?;
        let date =
            Date::from_calendar_date(year, month, digits(&rest[2..4])? as u8).map_err(|_| DerError::Invalid("time"))?;
        let time = Time::from_hms(digits(&rest[4..6])? as u8, digits(&rest[6..8])? as u8, digits(&rest[8..10])? as u8)
            .map_err(|_| DerError::Invalid("time"))?;
        Ok(PrimitiveDateTime::new(date, time).assume_utc())
    }
}

fn digits(s: &str) -> Result<u32, DerError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DerError::Invalid("digits"));
    }
    s.parse().map_err(|_| DerError::Invalid("digits"))
}

/// An OBJECT IDENTIFIER, kept as its DER contents (at most 32 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObjectId {
    bytes: [u8; 32],
    len: u8,
}

impl ObjectId {
    /// Encodes dotted arcs at compile time: `ObjectId::new(&[2, 16, 840, 1, 101, 3, 4, 2, 1])`.
    pub const fn new(arcs: &[u64]) -> Self {
        let mut bytes = [0u8; 32];
        let mut len = 0usize;
        let mut i = 1;
        while i < arcs.len() {
            let v = if i == 1 { arcs[0] * 40 + arcs[1] } else { arcs[i] };
            let mut tmp = [0u8; 10];
            let mut n = 0;
            let mut x = v;
            loop {
                tmp[n] = (x & 0x7F) as u8;
                n += 1;
                x >>= 7;
                if x == 0 {
                    break;
                }
            }
            while n > 0 {
                n -= 1;
                bytes[len] = tmp[n] | if n > 0 { 0x80 } else { 0 };
                len += 1;
            }
            i += 1;
        }
        ObjectId { bytes, len: len as u8 }
    }

    pub fn from_der_content(content: &[u8]) -> Result<Self, DerError> {
        if content.is_empty() || content.len() > 32 || content[content.len() - 1] & 0x80 != 0 {
            return Err(DerError::Invalid("object identifier"));
        }
        let mut bytes = [0u8; 32];
        bytes[..content.len()].copy_from_slice(content);
        Ok(ObjectId { bytes, len: content.len() as u8 })
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    pub fn arcs(&self) -> Vec<u64> {
        let mut out = Vec::new();
        let mut v = 0u64;
        for b in self.as_bytes() {
            v = (v << 7) | (b & 0x7F) as u64;
            if b & 0x80 == 0 {
                if out.is_empty() {
                    let first = (v / 40).min(2);
                    out.push(first);
                    out.push(v - first * 40);
                } else {
                    out.push(v);
                }
                v = 0;
            }
        }
        out
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let arcs: Vec<String> = self.arcs().iter().map(u64::to_string).collect();
        f.write_str(&arcs.join("."))
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectId({self})")
    }
}

/// Builds DER. Nested elements get their length written once their contents are known.
#[derive(Default, Debug)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Writer { buf: Vec::new() }
    }

    pub fn with_capacity(n: usize) -> Self {
        Writer { buf: Vec::with_capacity(n) }
    }

    pub fn into_vec(self) -> Vec<u8> {
        self.buf
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Already encoded bytes.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The tag and length of an element whose `len` content bytes follow.
    pub fn header(&mut self, tag: u32, len: usize) {
        write_tag(&mut self.buf, tag);
        write_len(&mut self.buf, len);
    }

    pub fn tlv(&mut self, tag: u32, value: &[u8]) {
        self.header(tag, value.len());
        self.buf.extend_from_slice(value);
    }

    /// An element whose contents `f` writes.
    pub fn nest(&mut self, tag: u32, f: impl FnOnce(&mut Writer)) {
        write_tag(&mut self.buf, tag);
        let at = self.buf.len();
        f(self);
        let len = self.buf.len() - at;
        let mut head = Vec::with_capacity(5);
        write_len(&mut head, len);
        self.buf.splice(at..at, head);
    }

    pub fn seq(&mut self, f: impl FnOnce(&mut Writer)) {
        self.nest(SEQUENCE, f)
    }

    pub fn uint(&mut self, v: u64) {
        self.unsigned(&v.to_be_bytes());
    }

    /// A non-negative INTEGER from big-endian magnitude bytes.
    pub fn unsigned(&mut self, be: &[u8]) {
        let first = be.iter().position(|b| *b != 0).unwrap_or(be.len().saturating_sub(1));
        let mag = if be.is_empty() { &[0u8][..] } else { &be[first..] };
        let pad = mag.first().is_some_and(|b| b & 0x80 != 0);
        self.header(INTEGER, mag.len() + pad as usize);
        if pad {
            self.buf.push(0);
        }
        self.buf.extend_from_slice(mag);
    }

    pub fn boolean(&mut self, v: bool) {
        self.tlv(BOOLEAN, &[if v { 0xFF } else { 0 }]);
    }

    pub fn null(&mut self) {
        self.tlv(NULL, &[]);
    }

    pub fn oid(&mut self, oid: &ObjectId) {
        self.tlv(OID, oid.as_bytes());
    }

    pub fn octets(&mut self, v: &[u8]) {
        self.tlv(OCTET_STRING, v);
    }

    /// A BIT STRING holding whole bytes (keys, signatures).
    pub fn bit_string(&mut self, v: &[u8]) {
        self.header(BIT_STRING, v.len() + 1);
        self.buf.push(0);
        self.buf.extend_from_slice(v);
    }

    /// A named-bit BIT STRING (bit 0 = most significant bit of the first byte), with trailing
    /// zero bits removed as DER requires.
    pub fn named_bits(&mut self, bits: u32) {
        let highest = (0..32).rev().find(|i| bits & (1 << i) != 0);
        let Some(highest) = highest else {
            self.tlv(BIT_STRING, &[0]);
            return;
        };
        let nbytes = highest / 8 + 1;
        let mut bytes = vec![0u8; nbytes];
        for i in 0..=highest {
            if bits & (1 << i) != 0 {
                bytes[i / 8] |= 0x80 >> (i % 8);
            }
        }
        let unused = 7 - (highest % 8) as u8;
        self.header(BIT_STRING, nbytes + 1);
        self.buf.push(unused);
        self.buf.extend_from_slice(&bytes);
    }

    pub fn utf8(&mut self, s: &str) {
        self.tlv(UTF8_STRING, s.as_bytes());
    }

    pub fn printable(&mut self, s: &str) {
        self.tlv(PRINTABLE_STRING, s.as_bytes());
    }

    /// UTCTime up to 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5).
    pub fn time(&mut self, t: OffsetDateTime) {
        let t = t.to_offset(UtcOffset::UTC);
        let (d, h) = (t.date(), t.time());
        let tail = format!("{:02}{:02}{:02}{:02}{:02}Z", d.month() as u8, d.day(), h.hour(), h.minute(), h.second());
        if (1950..2050).contains(&d.year()) {
            self.tlv(UTC_TIME, format!("{:02}{tail}", d.year() % 100).as_bytes());
        } else {
            self.tlv(GENERALIZED_TIME, format!("{:04}{tail}", d.year()).as_bytes());
        }
    }

    /// GeneralizedTime always (CMS signing time, private-key usage period).
    pub fn generalized_time(&mut self, tag: u32, t: OffsetDateTime) {
        let t = t.to_offset(UtcOffset::UTC);
        let (d, h) = (t.date(), t.time());
        let s = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}Z",
            d.year(),
            d.month() as u8,
            d.day(),
            h.hour(),
            h.minute(),
            h.second()
        );
        self.tlv(tag, s.as_bytes());
    }
}

/// Encoded size of an element with `len` content bytes and a tag of `tag_len` bytes.
pub fn encoded_len(tag_len: usize, len: usize) -> usize {
    tag_len
        + match len {
            0..=0x7F => 1,
            0x80..=0xFF => 2,
            0x100..=0xFFFF => 3,
            0x1_0000..=0xFF_FFFF => 4,
            _ => 5,
        }
        + len
}

fn write_tag(out: &mut Vec<u8>, tag: u32) {
    if tag > 0xFFFF {
        out.push((tag >> 16) as u8);
    }
    if tag > 0xFF {
        out.push((tag >> 8) as u8);
    }
    out.push(tag as u8);
}

/// Appends a DER length.
pub fn write_length(out: &mut Vec<u8>, len: usize) {
    write_len(out, len)
}

fn write_len(out: &mut Vec<u8>, len: usize) {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]),
        0x1_0000..=0xFF_FFFF => out.extend_from_slice(&[0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]),
        _ => out.extend_from_slice(&[0x84, (len >> 24) as u8, (len >> 16) as u8, (len >> 8) as u8, len as u8]),
    }
}

/// Converts a fixed-size ECDSA signature (`r || s`, as HSMs and JWS produce it) to the DER
/// `ECDSA-Sig-Value` that X.509 and CMS carry.
pub fn ecdsa_fixed_to_der(fixed: &[u8]) -> Vec<u8> {
    let (r, s) = fixed.split_at(fixed.len() / 2);
    let mut w = Writer::with_capacity(fixed.len() + 9);
    w.seq(|w| {
        w.unsigned(r);
        w.unsigned(s);
    });
    w.into_vec()
}

/// The reverse of [`ecdsa_fixed_to_der`]: `r || s`, each left-padded to `scalar_len` bytes.
pub fn ecdsa_der_to_fixed(der: &[u8], scalar_len: usize) -> Result<Vec<u8>, DerError> {
    let seq = parse_one(der, SEQUENCE)?;
    let mut r = seq.reader();
    let a = r.expect(INTEGER)?.unsigned_bytes()?;
    let b = r.expect(INTEGER)?.unsigned_bytes()?;
    r.finish()?;
    if a.len() > scalar_len || b.len() > scalar_len {
        return Err(DerError::Invalid("signature value"));
    }
    let mut out = vec![0u8; scalar_len * 2];
    out[scalar_len - a.len()..scalar_len].copy_from_slice(a);
    out[2 * scalar_len - b.len()..].copy_from_slice(b);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    #[test]
    fn oid_encoding_matches_known_bytes() {
        // 1.2.840.10045.2.1 (id-ecPublicKey) is 2A 86 48 CE 3D 02 01.
        let oid = ObjectId::new(&[1, 2, 840, 10045, 2, 1]);
        assert_eq!(oid.as_bytes(), &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]);
        assert_eq!(oid.to_string(), "1.2.840.10045.2.1");
        assert_eq!(ObjectId::new(&[2, 23, 136, 1, 1, 1]).to_string(), "2.23.136.1.1.1");
    }

    #[test]
    fn nested_lengths_and_long_form() {
        let mut w = Writer::new();
        w.seq(|w| {
            w.octets(&[7u8; 200]);
            w.uint(0);
            w.uint(128);
        });
        let v = w.into_vec();
        assert_eq!(&v[..3], &[0x30, 0x81, 203 + 3 + 4]);
        let seq = parse_one(&v, SEQUENCE).unwrap();
        let mut r = seq.reader();
        assert_eq!(r.expect(OCTET_STRING).unwrap().value.len(), 200);
        assert_eq!(r.expect(INTEGER).unwrap().u64().unwrap(), 0);
        let i = r.expect(INTEGER).unwrap();
        assert_eq!(i.value, &[0, 128]);
        assert_eq!(i.u64().unwrap(), 128);
        r.finish().unwrap();
    }

    #[test]
    fn multi_byte_tags() {
        let mut w = Writer::new();
        w.nest(0x7F61, |w| w.tlv(0x5F1F, b"MRZ"));
        let v = w.into_vec();
        assert_eq!(&v[..2], &[0x7F, 0x61]);
        let t = parse_one(&v, 0x7F61).unwrap();
        assert!(t.is_constructed());
        assert_eq!(t.reader().expect(0x5F1F).unwrap().value, b"MRZ");
    }

    #[test]
    fn times_round_trip_on_both_sides_of_2050() {
        for t in [datetime!(2026-11-30 09:10:11 UTC), datetime!(2051-01-01 00:00:00 UTC)] {
            let mut w = Writer::new();
            w.time(t);
            let v = w.into_vec();
            assert_eq!(Reader::new(&v).read().unwrap().time().unwrap(), t);
        }
    }

    #[test]
    fn named_bits_are_minimal() {
        // keyCertSign (5) + cRLSign (6): 03 02 01 06.
        let mut w = Writer::new();
        w.named_bits((1 << 5) | (1 << 6));
        let v = w.into_vec();
        assert_eq!(v, vec![0x03, 0x02, 0x01, 0x06]);
        assert_eq!(parse_one(&v, BIT_STRING).unwrap().named_bits().unwrap(), (1 << 5) | (1 << 6));
        // digitalSignature (0): 03 02 07 80.
        let mut w = Writer::new();
        w.named_bits(1);
        assert_eq!(w.into_vec(), vec![0x03, 0x02, 0x07, 0x80]);
    }

    #[test]
    fn refuses_bad_lengths() {
        assert_eq!(Reader::new(&[0x30, 0x80]).read(), Err(DerError::BadLength));
        assert_eq!(Reader::new(&[0x30, 0x05, 1]).read(), Err(DerError::Truncated));
        assert_eq!(Reader::new(&[0x30, 0x85, 1, 1, 1, 1, 1]).read(), Err(DerError::BadLength));
        assert_eq!(Reader::new(&[0x7F, 0xFF, 0xFF, 0x01]).read(), Err(DerError::BadTag));
        assert_eq!(parse_one(&[0x04, 0x00, 0x00], OCTET_STRING), Err(DerError::Trailing));
    }

    #[test]
    fn ecdsa_signature_forms() {
        let mut fixed = vec![0u8; 64];
        fixed[0] = 0x80; // r needs a sign byte
        fixed[63] = 1; // s is tiny
        let der = ecdsa_fixed_to_der(&fixed);
        assert_eq!(ecdsa_der_to_fixed(&der, 32).unwrap(), fixed);
    }

    proptest! {
        #[test]
        fn reader_never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut r = Reader::new(&data);
            while let Ok(t) = r.read() {
                let _ = (t.u64(), t.oid(), t.time(), t.text(), t.named_bits(), t.boolean());
                let mut inner = t.reader();
                while inner.read().is_ok() {}
            }
        }

        #[test]
        fn unsigned_integers_round_trip(v in any::<u64>()) {
            let mut w = Writer::new();
            w.uint(v);
            let out = w.into_vec();
            prop_assert_eq!(parse_one(&out, INTEGER).unwrap().u64().unwrap(), v);
        }
    }
}
