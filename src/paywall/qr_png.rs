//! The PNG of an invite code's QR code: the original's image (300 px square, a 2-module
//! quiet zone, black on white), encoded by the `qrcode` and `png` crates.

use qrcode::{Color, QrCode};

/// The image's width and height in pixels.
pub const QR_PIXELS: u32 = 300;
/// White modules around the code (the original's `margin: 2`).
const QUIET_MODULES: u32 = 2;

/// The PNG of a QR code for `text`; `None` if the text does not fit a QR code.
pub fn qr_png(text: &str) -> Option<Vec<u8>> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let modules = u32::try_from(code.width()).ok()?;
    let colors = code.to_colors();
    let across = modules + 2 * QUIET_MODULES;
    // Each pixel shows the module under it, as the original scaled a code to an exact width.
    let module_at = |pixel: u32| (pixel * across / QR_PIXELS).checked_sub(QUIET_MODULES);
    let mut pixels = Vec::with_capacity((QR_PIXELS * QR_PIXELS) as usize);
    for y in 0..QR_PIXELS {
        for x in 0..QR_PIXELS {
            let dark = match (module_at(x), module_at(y)) {
                (Some(mx), Some(my)) if mx < modules && my < modules => {
                    colors[(my * modules + mx) as usize] == Color::Dark
                }
                _ => false,
            };
            pixels.push(if dark { 0 } else { 255 });
        }
    }
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, QR_PIXELS, QR_PIXELS);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().ok()?;
    writer.write_image_data(&pixels).ok()?;
    writer.finish().ok()?;
    Some(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_image_is_a_300_pixel_png_with_a_white_border_and_dark_modules() {
        let png =
            qr_png("http://localhost:3000/onboarding?inviteCode=ABCD1234EFGH5678").expect("fits");
        let decoder = png::Decoder::new(png.as_slice());
        let mut reader = decoder.read_info().expect("a png");
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).expect("a frame");
        assert_eq!((info.width, info.height), (QR_PIXELS, QR_PIXELS));
        assert_eq!(pixels[0], 255, "the quiet zone is white");
        assert!(pixels.contains(&0), "some modules are dark");
        assert!(
            pixels.iter().all(|p| *p == 0 || *p == 255),
            "black on white only"
        );
    }
}
