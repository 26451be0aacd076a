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

/// Which side of the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Front,
    Back,
}

/// What the printed card shows; the web layer fills it from the card's chip data.
#[derive(Clone, Debug)]
pub struct CardFace<'a> {
    pub pin: &'a str,
    pub name: &'a str,
    pub date_of_birth: &'a str,
    /// `Nam` / `Nữ`.
    pub sex: &'a str,
    pub nationality: &'a str,
    pub residence: &'a str,
    pub birth_registration: &'a str,
    pub issued_on: &'a str,
    pub expires_on: &'a str,
    pub mrz: &'a [String],
    pub photo_jpeg: Option<&'a [u8]>,
    /// The QR text printed on the card (the legacy seven-field text).
    pub qr: &'a str,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The QR modules of `text` as one SVG path, `size` units wide, at (x, y).
fn qr_path(text: &str, x: f32, y: f32, size: f32) -> Result<String, RenderError> {
    let code = code(text)?;
    let w = code.width();
    let colors = code.to_colors();
    let m = size / w as f32;
    let mut d = String::new();
    for (i, c) in colors.iter().enumerate() {
        if *c == Color::Dark {
            let (cx, cy) = (x + (i % w) as f32 * m, y + (i / w) as f32 * m);
            d.push_str(&format!("M{cx:.2} {cy:.2}h{m:.2}v{m:.2}h-{m:.2}z"));
        }
    }
    Ok(format!(
        r##"<rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="#fff"/><path d="{d}" fill="#000"/>"##,
        x - 2.0 * m,
        y - 2.0 * m,
        size + 4.0 * m,
        size + 4.0 * m
    ))
}

fn label(x: u32, y: u32, vi: &str, en: &str) -> String {
    format!(r##"<text x="{x}" y="{y}" class="l">{} / <tspan class="e">{}</tspan></text>"##, esc(vi), esc(en))
}

/// Splits `text` at spaces into at most `max_lines` lines of about `width` characters; the last
/// line takes the rest.
fn wrap(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split_whitespace() {
        let room = lines.len() < max_lines;
        let last = lines.last_mut().expect("one line");
        if !last.is_empty() && last.chars().count() + 1 + word.chars().count() > width && room {
            lines.push(word.to_owned());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

fn value(x: u32, y: u32, v: &str) -> String {
    format!(r##"<text x="{x}" y="{y}" class="v">{}</text>"##, esc(v))
}

/// A printable side of the 2024 identity card (ID-1, 85.60 × 53.98 mm) as SVG: the labels in
/// Vietnamese and English as printed, the photo, the QR code and the MRZ in a monospace face.
pub fn card_svg(card: &CardFace<'_>, side: Side) -> Result<String, RenderError> {
    use base64::Engine;
    let mut body = String::new();
    match side {
        Side::Front => {
            body.push_str(r##"<text x="428" y="40" class="h">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</text>
<text x="428" y="60" class="s">Độc lập - Tự do - Hạnh phúc</text>
<text x="428" y="78" class="se">SOCIALIST REPUBLIC OF VIET NAM — Independence - Freedom - Happiness</text>
<text x="428" y="115" class="t">CĂN CƯỚC</text>
<text x="428" y="137" class="te">IDENTITY CARD</text>
<circle cx="70" cy="70" r="42" fill="#c8102e"/><polygon points="70,40 78,64 103,64 83,79 91,103 70,88 49,103 57,79 37,64 62,64" fill="#ffcd00"/>
"##);
            match card.photo_jpeg {
                Some(jpeg) => body.push_str(&format!(
                    r##"<image x="36" y="160" width="180" height="240" preserveAspectRatio="xMidYMid slice" href="data:image/jpeg;base64,{}"/>"##,
                    base64::engine::general_purpose::STANDARD.encode(jpeg)
                )),
                None => body.push_str(r##"<rect x="36" y="160" width="180" height="240" fill="#ddd"/>"##),
            }
            body.push_str(&label(250, 175, "Số định danh cá nhân", "Personal identification number"));
            body.push_str(&format!(r##"<text x="250" y="210" class="pin">{}</text>"##, esc(card.pin)));
            body.push_str(&label(250, 245, "Họ, chữ đệm và tên khai sinh", "Full name"));
            body.push_str(&value(250, 272, &card.name.to_uppercase()));
            body.push_str(&label(250, 307, "Ngày, tháng, năm sinh", "Date of birth"));
            body.push_str(&value(250, 332, card.date_of_birth));
            body.push_str(&label(560, 307, "Giới tính", "Sex"));
            body.push_str(&value(560, 332, card.sex));
            body.push_str(&label(250, 367, "Quốc tịch", "Nationality"));
            body.push_str(&value(250, 392, card.nationality));
            body.push_str(
                r##"<rect x="680" y="190" width="120" height="90" rx="8" fill="#d4af37" stroke="#8a6d1d"/>"##,
            );
        }
        Side::Back => {
            // Left column beside the QR code: long values wrap onto a second line.
            let mut y = 45;
            for (vi, en, v) in [
                ("Nơi cư trú", "Place of residence", card.residence),
                ("Nơi đăng ký khai sinh", "Place of birth registration", card.birth_registration),
                ("Ngày, tháng, năm cấp", "Date of issue", card.issued_on),
                ("Ngày, tháng, năm hết hạn", "Date of expiry", card.expires_on),
            ] {
                body.push_str(&label(36, y, vi, en));
                for line in wrap(v, 46, 2) {
                    y += 24;
                    body.push_str(&format!(r##"<text x="36" y="{y}" class="vb">{}</text>"##, esc(&line)));
                }
                y += 34;
            }
            body.push_str(
                r##"<text x="730" y="300" class="s">BỘ CÔNG AN</text>
<text x="730" y="320" class="se">MINISTRY OF PUBLIC SECURITY</text>
"##,
            );
            body.push_str(&qr_path(card.qr, 640.0, 36.0, 180.0)?);
            y = 430;
            for line in card.mrz {
                body.push_str(&format!(r##"<text x="36" y="{y}" class="mrz">{}</text>"##, esc(line)));
                y += 40;
            }
        }
    }
    Ok(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 856 540" width="85.6mm" height="53.98mm">
<style>
text{{font-family:"Be Vietnam Pro","Noto Sans","DejaVu Sans",Arial,sans-serif;fill:#1a1a1a}}
.h{{font-size:19px;font-weight:700;text-anchor:middle}}.s{{font-size:17px;font-weight:700;text-anchor:middle}}
.se{{font-size:13px;text-anchor:middle;fill:#444}}.t{{font-size:30px;font-weight:700;text-anchor:middle;fill:#c8102e}}
.te{{font-size:17px;text-anchor:middle;fill:#c8102e}}.l{{font-size:14px;fill:#333}}.e{{font-style:italic;fill:#555}}
.v{{font-size:21px;font-weight:700}}.vb{{font-size:17px;font-weight:700}}.pin{{font-size:32px;font-weight:700;letter-spacing:2px;fill:#c8102e}}
.mrz{{font-family:"OCR-B","OCR B","OCRB","Courier New",monospace;font-size:31px;letter-spacing:5.6px;fill:#000}}
</style>
<rect width="856" height="540" rx="32" fill="#e9f2f9" stroke="#9bb7cc"/>
{body}</svg>
"##
    ))
}
