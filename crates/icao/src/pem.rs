//! PEM armour (RFC 7468) for certificates and CRLs, so that files exchanged with other tools
//! can be read and written in either form.

use crate::der::DerError;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn encode(label: &str, der: &[u8]) -> String {
    let mut b64 = String::with_capacity(der.len() * 4 / 3 + 4);
    for chunk in der.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (*b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                b64.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                b64.push('=');
            }
        }
    }
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Every block with `label`, decoded.
pub fn decode_all(text: &str, label: &str) -> Result<Vec<Vec<u8>>, DerError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&begin) {
        let body_start = start + begin.len();
        let stop = rest[body_start..].find(&end).ok_or(DerError::Invalid("PEM block without its END line"))?;
        out.push(decode_base64(&rest[body_start..body_start + stop])?);
        rest = &rest[body_start + stop + end.len()..];
    }
    Ok(out)
}

fn decode_base64(s: &str) -> Result<Vec<u8>, DerError> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    let mut padding = false;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding = true;
                continue;
            }
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return Err(DerError::Invalid("base64")),
        };
        if padding {
            return Err(DerError::Invalid("base64"));
        }
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn round_trip(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let pem = encode("CERTIFICATE", &data);
            prop_assert_eq!(decode_all(&pem, "CERTIFICATE").unwrap(), vec![data]);
        }

        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = decode_all(&s, "X509 CRL");
        }
    }

    #[test]
    fn known_vector() {
        assert_eq!(encode("X", b"foobar"), "-----BEGIN X-----\nZm9vYmFy\n-----END X-----\n");
        assert_eq!(encode("X", b"fo"), "-----BEGIN X-----\nZm8=\n-----END X-----\n");
    }
}
