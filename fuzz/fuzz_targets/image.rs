//! Image sniffing: any bytes, with or without a declared type, get an answer, never a panic.
#![no_main]

use clientele_domain::image::inspect_image;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&[u8], Option<&str>)| {
    let _ = inspect_image(input.0, input.1);
});
