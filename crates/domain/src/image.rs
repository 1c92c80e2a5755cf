//! Uploaded images (logos, avatars, profile pictures): which files are accepted.
//!
//! The format is read from the file's first bytes, never from its name or declared type, and
//! SVG is never accepted because a browser runs the scripts it may contain.

use crate::named::named_enum;
use crate::text::InvalidValue;

named_enum! {
    /// The raster formats browsers and email clients all display.
    pub enum ImageFormat {
        Png => "image/png",
        Jpeg => "image/jpeg",
        Webp => "image/webp",
    }
}

/// An accepted image: its format and size in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageFacts {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
}

/// The largest file accepted: 1 MiB.
pub const MAX_IMAGE_BYTES: usize = 1024 * 1024;
/// The longest side accepted, in pixels.
pub const MAX_IMAGE_SIDE: u32 = 4096;

/// Checks an uploaded file: its format from its bytes, its size and its dimensions, and that
/// `declared` (the request's content type, when it names an image) agrees with the bytes.
pub fn inspect_image(bytes: &[u8], declared: Option<&str>) -> Result<ImageFacts, InvalidValue> {
    if bytes.is_empty() {
        return Err(InvalidValue::Empty);
    }
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(InvalidValue::Format("must be at most 1 MiB"));
    }
    let format = match imagesize::image_type(bytes) {
        Ok(imagesize::ImageType::Png) => ImageFormat::Png,
        Ok(imagesize::ImageType::Jpeg) => ImageFormat::Jpeg,
        Ok(imagesize::ImageType::Webp) => ImageFormat::Webp,
        _ => {
            return Err(InvalidValue::Format(
                "must be a PNG, JPEG or WebP image (SVG is not accepted)",
            ));
        }
    };
    if declared.is_some_and(|d| d.starts_with("image/") && d != format.as_str()) {
        return Err(InvalidValue::Format(
            "its content does not match the type it was sent as",
        ));
    }
    let size = imagesize::blob_size(bytes)
        .map_err(|_| InvalidValue::Format("is damaged: its dimensions cannot be read"))?;
    let side = |pixels: usize| u32::try_from(pixels).unwrap_or(u32::MAX);
    let (width, height) = (side(size.width), side(size.height));
    if width == 0 || height == 0 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
        return Err(InvalidValue::Format(
            "must be between 1 and 4096 pixels on each side",
        ));
    }
    Ok(ImageFacts {
        format,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest PNG header: signature and an IHDR chunk for `width` x `height`.
    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        bytes.extend(width.to_be_bytes());
        bytes.extend(height.to_be_bytes());
        bytes.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
        bytes
    }

    #[test]
    fn the_format_comes_from_the_bytes() {
        let facts = inspect_image(&png(64, 32), None).unwrap();
        assert_eq!(facts.format, ImageFormat::Png);
        assert_eq!((facts.width, facts.height), (64, 32));
        assert!(inspect_image(&png(64, 32), Some("application/octet-stream")).is_ok());
    }

    #[test]
    fn an_image_sent_as_another_type_is_refused() {
        assert!(inspect_image(&png(8, 8), Some("image/jpeg")).is_err());
    }

    #[test]
    fn svg_and_text_are_refused() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        assert!(inspect_image(svg, Some("image/png")).is_err());
        assert!(inspect_image(b"hello", None).is_err());
    }

    #[test]
    fn huge_dimensions_are_refused() {
        assert!(inspect_image(&png(4096, 4096), None).is_ok());
        assert!(inspect_image(&png(4097, 10), None).is_err());
        assert!(inspect_image(&png(0, 10), None).is_err());
    }
}
