//! Email normalisation: never panics, and a normalised address parses to itself.
#![no_main]

use clientele_domain::Email;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    if let Ok(email) = Email::parse(raw) {
        let again = Email::parse(email.as_str()).expect("a normalised address parses");
        assert_eq!(again.as_str(), email.as_str());
    }
});
