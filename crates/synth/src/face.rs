//! Synthetic face portraits (JPEG) for demo cards and tests: a head, hair, eyes and shoulders
//! on the light background of an identity photo, varied by a seed. Not a photograph of anyone.

use jpeg_encoder::{ColorType, Encoder};

pub const WIDTH: u16 = 240;
pub const HEIGHT: u16 = 320;

/// A small deterministic generator (SplitMix64), so the same seed draws the same face.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn range(&mut self, lo: i32, hi: i32) -> i32 {
        lo + (self.next() % (hi - lo + 1) as u64) as i32
    }
}

fn inside_ellipse(x: i32, y: i32, cx: i32, cy: i32, rx: i32, ry: i32) -> bool {
    let (dx, dy) = ((x - cx) as i64, (y - cy) as i64);
    dx * dx * (ry as i64 * ry as i64) + dy * dy * (rx as i64 * rx as i64)
        <= (rx as i64 * rx as i64) * (ry as i64 * ry as i64)
}

/// The RGB pixels of a portrait.
pub fn portrait_rgb(seed: u64, long_hair: bool) -> Vec<u8> {
    let mut r = Mix(seed);
    let (w, h) = (WIDTH as i32, HEIGHT as i32);
    let skin = [r.range(190, 235) as u8, r.range(150, 190) as u8, r.range(120, 160) as u8];
    let hair = [r.range(10, 50) as u8, r.range(10, 40) as u8, r.range(5, 30) as u8];
    let shirt = [r.range(20, 230) as u8, r.range(20, 230) as u8, r.range(20, 230) as u8];
    let background = [236u8, 240, 245];
    let (cx, cy) = (w / 2 + r.range(-6, 6), h * 2 / 5 + r.range(-6, 6));
    let (rx, ry) = (r.range(58, 68), r.range(76, 88));
    let eye_dy = r.range(-8, 0);
    let mut px = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let shoulders = y > cy + ry - 10 && inside_ellipse(x, y, cx, h + 40, 120, 130);
            let neck = (x - cx).abs() < 26 && y > cy && y < cy + ry + 20;
            let face = inside_ellipse(x, y, cx, cy, rx, ry);
            let hair_top = inside_ellipse(x, y, cx, cy - 18, rx + 8, ry - 6) && y < cy - ry / 3;
            let hair_side =
                long_hair && inside_ellipse(x, y, cx, cy + 20, rx + 16, ry + 30) && !face && y > cy - ry / 2;
            let eye = [-1, 1].iter().any(|s| inside_ellipse(x, y, cx + s * rx * 2 / 5, cy - ry / 8 + eye_dy, 9, 5));
            let mouth = inside_ellipse(x, y, cx, cy + ry / 2, 18, 4);
            let brow = [-1, 1].iter().any(|s| inside_ellipse(x, y, cx + s * rx * 2 / 5, cy - ry / 4 + eye_dy, 14, 3));
            let c = if eye || brow {
                [30, 25, 25]
            } else if mouth {
                [160, 80, 80]
            } else if hair_top || hair_side {
                hair
            } else if face || neck {
                skin
            } else if shoulders {
                shirt
            } else {
                background
            };
            px.extend_from_slice(&c);
        }
    }
    px
}

/// A portrait as a baseline JPEG.
pub fn portrait_jpeg(seed: u64, long_hair: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let encoder = Encoder::new(&mut out, 80);
    // Encoding into memory cannot fail for a well-formed buffer; an empty result would be refused
    // by every consumer (it is not a JPEG).
    if encoder.encode(&portrait_rgb(seed, long_hair), WIDTH, HEIGHT, ColorType::Rgb).is_err() {
        return Vec::new();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portraits_are_jpegs_of_the_chip_size_and_differ_by_seed() {
        let a = portrait_jpeg(1, false);
        let b = portrait_jpeg(2, true);
        assert_eq!(&a[..2], &[0xFF, 0xD8]);
        assert_eq!(&a[a.len() - 2..], &[0xFF, 0xD9]);
        assert!(a.len() > 2000 && a.len() < 40_000, "{}", a.len());
        assert_ne!(a, b);
        assert_eq!(a, portrait_jpeg(1, false));
        assert_eq!(portrait_rgb(3, false).len(), WIDTH as usize * HEIGHT as usize * 3);
    }
}
