//! The CSV user import's parser: any file is read or refused, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|file: &[u8]| {
    let _ = clientele_app::clients::user_import::rows_in(file);
});
