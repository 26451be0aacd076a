//! Images the service draws: QR codes as SVG or PNG, and the printable card (front and back,
//! SVG). PNG is written here directly (8-bit greyscale, stored deflate blocks): a QR code is a
//! few kilobytes of black and white modules, and this keeps an image codec out of the build.

use qrcode::{Color, EcLevel, QrCode};

/// Errors drawing an image.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the text does not fit in a QR code: {0}")]
    Qr(#[from] qrcode::types::QrError),
}

/// Pixels per QR module in PNG output, and the quiet zone in modules (ISO/IEC 18004 asks for 4).
const PNG_SCALE: usize = 6;
const QUIET_ZONE: usize = 4;

fn code(text: &str) -> Result<QrCode, RenderError> {
    Ok(QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?)
}

/// The QR code of `text` (UTF-8, byte mode) as an SVG document.
pub fn qr_svg(text: &str) -> Result<String, RenderError> {
    Ok(code(text)?.render::<qrcode::render::svg::Color<'_>>().min_dimensions(240, 240).build())
}

/// The QR code of `text` as a PNG image with a quiet zone of four modules.
pub fn qr_png(text: &str) -> Result<Vec<u8>, RenderError> {
    let code = code(text)?;
    let width = code.width();
    let modules = code.to_colors();
    let side = (width + 2 * QUIET_ZONE) * PNG_SCALE;
    let mut rows = Vec::with_capacity(side * (side + 1));
    for y in 0..side {
        rows.push(0); // filter type: none
        let my = (y / PNG_SCALE).checked_sub(QUIET_ZONE).filter(|m| *m < width);
        for x in 0..side {
            let mx = (x / PNG_SCALE).checked_sub(QUIET_ZONE).filter(|m| *m < width);
            let dark = matches!((mx, my), (Some(mx), Some(my)) if modules[my * width + mx] == Color::Dark);
            rows.push(if dark { 0 } else { 255 });
        }
    }
    Ok(png_grey(side as u32, side as u32, &rows))
}

/// A PNG of 8-bit greyscale rows, each already prefixed with its filter byte.
fn png_grey(width: u32, height: u32, filtered_rows: &[u8]) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // depth 8, greyscale, deflate, filters, no interlace
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib_stored(filtered_rows));
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream (RFC 1950) of stored deflate blocks (RFC 1951 §3.2.4).
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let mut blocks = data.chunks(65_535).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xFF, 0xFF]);
    }
    while let Some(block) = blocks.next() {
        out.push(u8::from(blocks.peek().is_none()));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= 65_521;
        b %= 65_521;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_known_values() {
        // Check values from the zlib and PNG specifications' usual test string.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(zlib_stored(b""), vec![0x78, 0x01, 1, 0, 0, 0xFF, 0xFF, 0, 0, 0, 1]);
    }

    #[test]
    fn qr_images_have_the_expected_shape() {
        let text = "079203000123||NGUYỄN VĂN AN|14052003|Nam|Số 1 Đường A|20082021";
        let png = qr_png(text).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        let side = u32::from_be_bytes([png[16], png[17], png[18], png[19]]) as usize;
        let modules = code(text).unwrap().width();
        assert_eq!(side, (modules + 2 * QUIET_ZONE) * PNG_SCALE);
        assert!(png.ends_with(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]));
        let svg = qr_svg(text).unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg"), "{svg}");
        assert!(qr_png(&"x".repeat(5000)).is_err());
    }
}
