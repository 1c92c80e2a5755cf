//! Email templates written by agencies: any source is checked and rendered or refused, never
//! a panic or a runaway; a rendered subject stays on one line.
#![no_main]

use clientele_app::mail::templates::{Placeholders, TemplateSource, check, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|parts: (String, String, String)| {
    let source = TemplateSource {
        subject: parts.0,
        html: parts.1,
        text: parts.2,
    };
    if check(&source).is_ok() {
        if let Ok(rendered) = render(&source, &Placeholders::sample()) {
            assert!(!rendered.subject.contains('\n') && !rendered.subject.contains('\r'));
        }
    }
});
