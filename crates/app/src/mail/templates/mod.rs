//! Email templates: the built-in wording in every dashboard language, a workspace's own
//! versions, and rendering them in a sandboxed engine. Templates see only the placeholders
//! below; they cannot read files, include other templates, or use more than a small fixed
//! amount of memory or time (see `bounds`).

mod bounds;
mod catalog;
pub mod editing;

pub use catalog::AccountChange;
pub(crate) use catalog::describe_change;

use crate::error::{AppError, Validation};
use clientele_domain::{EmailKind, Language};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

/// Every placeholder a template may use.
pub const PLACEHOLDERS: &[&str] = &[
    "user_name",
    "organization_name",
    "product_name",
    "link",
    "expires_at",
    "support_email",
    "primary_color",
    "accent_color",
    "logo_url",
    "change",
];

const MAX_SUBJECT_CHARS: usize = 200;
const MAX_BODY_CHARS: usize = 100_000;
/// Bounds the work one rendering may do (loops, filters): a template cannot hang a worker.
const FUEL: u64 = 50_000;

/// The three parts of an email template, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateSource {
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// An email ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// An email as it is sent, and as the workspace's admins may read it in the outbox: the same
/// template rendered with the link replaced, so a single-use link reaches its recipient alone
/// whatever the template does with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Composed {
    pub sent: Rendered,
    pub shown: Rendered,
}

/// What the outbox shows where an email's link was.
pub const HIDDEN_LINK: &str = "[link hidden: only the recipient can use it]";

/// The values the placeholders stand for.
#[derive(Clone, Debug, Serialize)]
pub struct Placeholders {
    pub user_name: String,
    pub organization_name: String,
    pub product_name: String,
    pub link: String,
    pub expires_at: String,
    pub support_email: Option<String>,
    pub primary_color: String,
    pub accent_color: String,
    pub logo_url: Option<String>,
    /// What changed, in a sentence (account notices; empty in other emails).
    pub change: String,
}

impl Placeholders {
    /// Example values, for previews and for checking a template before it is saved.
    pub fn sample() -> Self {
        Self {
            user_name: "Ada Lovelace".into(),
            organization_name: "Northwind Dental".into(),
            product_name: "Acme AI".into(),
            link: "https://app.example.com/invitation?token=example".into(),
            expires_at: "2026-12-01 09:00 UTC".into(),
            support_email: Some("support@example.com".into()),
            primary_color: "#4f46e5".into(),
            accent_color: "#0ea5e9".into(),
            logo_url: None,
            change: "The email address of your account was changed to ada@example.com.".into(),
        }
    }
}

/// The built-in template of `kind` in `language`: what applies until a workspace saves its own.
pub fn built_in(kind: EmailKind, language: Language) -> TemplateSource {
    let w = catalog::wording(kind, language);
    let html = format!(
        r#"<!doctype html>
<html lang="{lang}">
<body style="margin:0;padding:0;background:#f4f5f7;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1f2937">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="padding:32px 12px">
<tr><td align="center">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:520px;background:#ffffff;border-radius:12px;overflow:hidden;border:1px solid #e5e7eb">
<tr><td style="background:{{{{ primary_color }}}};padding:20px 28px;color:#ffffff;font-size:18px;font-weight:600">
{{% if logo_url %}}<img src="{{{{ logo_url }}}}" alt="{{{{ product_name }}}}" height="32" style="display:block;height:32px">{{% else %}}{{{{ product_name }}}}{{% endif %}}
</td></tr>
<tr><td style="padding:28px">
<h1 style="margin:0 0 12px;font-size:22px;line-height:1.3">{heading}</h1>
<p style="margin:0 0 24px;font-size:15px;line-height:1.6">{body}</p>
<p style="margin:0 0 24px"><a href="{{{{ link }}}}" style="display:inline-block;background:{{{{ primary_color }}}};color:#ffffff;text-decoration:none;font-weight:600;padding:12px 22px;border-radius:8px">{button}</a></p>
{expiry}<p style="margin:16px 0 0;font-size:13px;color:#6b7280;line-height:1.5">{ignore}</p>
</td></tr>
{{% if support_email %}}<tr><td style="padding:16px 28px;border-top:1px solid #e5e7eb;font-size:12px;color:#9ca3af">{footer}</td></tr>{{% endif %}}
</table>
</td></tr>
</table>
</body>
</html>
"#,
        lang = language.as_str(),
        heading = w.heading,
        body = w.body,
        button = w.button,
        expiry = html_expiry(w.expiry),
        ignore = w.ignore,
        footer = w.footer,
    );
    let text = format!(
        "{heading}\n\n{body}\n\n{button}: {{{{ link }}}}\n\n{expiry}{ignore}\n{{% if support_email %}}\n{footer}\n{{% endif %}}",
        heading = w.heading,
        body = w.body,
        button = w.button,
        ignore = w.ignore,
        footer = w.footer,
        expiry = if w.expiry.is_empty() {
            String::new()
        } else {
            format!("{}\n", w.expiry)
        },
    );
    TemplateSource {
        subject: w.subject.to_owned(),
        html,
        text,
    }
}

/// The built-in HTML's lines about the link: when it expires, and the link itself to copy.
/// Notices carry no expiry and only a sign-in button.
fn html_expiry(expiry: &str) -> String {
    if expiry.is_empty() {
        return String::new();
    }
    format!(
        r#"<p style="margin:0 0 8px;font-size:13px;color:#6b7280;line-height:1.5">{expiry}</p>
<p style="margin:0 0 8px;font-size:13px;color:#6b7280;line-height:1.5;word-break:break-all"><a href="{{{{ link }}}}" style="color:{{{{ accent_color }}}}">{{{{ link }}}}</a></p>
"#
    )
}

/// Checks a template before it is saved: bounded sizes, valid syntax (an error names the line)
/// and only known placeholders; then renders it once with sample values.
pub fn check(source: &TemplateSource) -> Result<(), AppError> {
    let mut check = Validation::default();
    for (field, text, max) in parts(source) {
        if text.trim().is_empty() {
            check.fail(field, "must not be empty");
        } else if text.chars().count() > max {
            check.fail(field, format!("must be at most {max} characters"));
        } else if let Err(message) = check_part(field, text) {
            check.fail(field, message);
        }
    }
    check.finish()?;
    render(source, &Placeholders::sample()).map(|_| ())
}

/// Renders a template with `values`: the HTML part escapes every value, the subject is kept on
/// one line. A template beyond the bounds is refused, even one saved before they existed.
pub fn render(source: &TemplateSource, values: &Placeholders) -> Result<Rendered, AppError> {
    let env = environment();
    let run = |field: &'static str, text: &str| {
        bounds::check(name(field), text).map_err(|message| AppError::invalid(field, message))?;
        render_part(&env, field, text, values).map_err(|message| AppError::invalid(field, message))
    };
    let subject = run("subject", &source.subject)?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Rendered {
        subject,
        html: run("html", &source.html)?,
        text: run("text", &source.text)?,
    })
}

/// Renders one part into a buffer that refuses to grow past the bound.
fn render_part(
    env: &Environment<'_>,
    field: &'static str,
    text: &str,
    values: &Placeholders,
) -> Result<String, String> {
    let template = env
        .template_from_named_str(name(field), text)
        .map_err(|error| describe(&error))?;
    let mut output = bounds::CappedOutput::default();
    match template.render_captured_to(values, &mut output) {
        Ok(_) => String::from_utf8(output.bytes).map_err(|_| "is not valid UTF-8".to_owned()),
        Err(_) if output.overflowed => Err(format!(
            "renders to more than {} KB; keep an email under that",
            bounds::MAX_OUTPUT / 1024
        )),
        Err(error) => Err(describe(&error)),
    }
}

/// Renders a template for sending with `values`, and again for the outbox with the link hidden.
pub fn compose(source: &TemplateSource, values: &Placeholders) -> Result<Composed, AppError> {
    let hidden = Placeholders {
        link: HIDDEN_LINK.to_owned(),
        ..values.clone()
    };
    Ok(Composed {
        sent: render(source, values)?,
        shown: render(source, &hidden)?,
    })
}

fn parts(source: &TemplateSource) -> [(&'static str, &str, usize); 3] {
    [
        ("subject", &source.subject, MAX_SUBJECT_CHARS),
        ("html", &source.html, MAX_BODY_CHARS),
        ("text", &source.text, MAX_BODY_CHARS),
    ]
}

fn check_part(field: &'static str, text: &str) -> Result<(), String> {
    bounds::check(name(field), text)?;
    let env = environment();
    let template = env
        .template_from_named_str(name(field), text)
        .map_err(|error| describe(&error))?;
    let mut unknown: Vec<String> = template
        .undeclared_variables(false)
        .into_iter()
        .filter(|v| !PLACEHOLDERS.contains(&v.as_str()))
        .collect();
    unknown.sort();
    match unknown.first() {
        None => Ok(()),
        Some(first) => Err(format!(
            "unknown placeholder `{first}`; use {}",
            PLACEHOLDERS.join(", ")
        )),
    }
}

/// The engine's settings: strict about unknown values, escaping HTML by name, with fuel.
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_fuel(Some(FUEL));
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env
}

fn name(field: &str) -> &'static str {
    match field {
        "html" => "body.html",
        "text" => "body.txt",
        _ => "subject.txt",
    }
}

/// "line N: what is wrong", without the engine's internal names.
fn describe(error: &minijinja::Error) -> String {
    let what = error
        .detail()
        .map_or_else(|| error.kind().to_string(), str::to_owned);
    match error.line() {
        Some(line) => format!("line {line}: {what}"),
        None => what,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_message(error: AppError) -> (String, String) {
        match error {
            AppError::Invalid(fields) => (fields[0].field.clone(), fields[0].message.clone()),
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn every_built_in_template_is_valid_and_renders_its_values() {
        for kind in EmailKind::ALL {
            for language in Language::ALL {
                let source = built_in(*kind, *language);
                check(&source).unwrap();
                let rendered = render(&source, &Placeholders::sample()).unwrap();
                // The HTML part escapes the link too (`/` as `&#x2f;`), which browsers decode.
                assert!(rendered.html.contains("token=example"));
                assert!(
                    rendered
                        .text
                        .contains("https://app.example.com/invitation?token=example")
                );
                assert!(
                    rendered.subject.contains("Acme AI"),
                    "{kind:?} {language:?}"
                );
                assert!(!rendered.html.contains("{{"));
            }
        }
    }

    #[test]
    fn values_are_escaped_in_html_but_not_in_text() {
        let mut values = Placeholders::sample();
        values.user_name = "<script>x</script>".into();
        let rendered = render(&built_in(EmailKind::Invitation, Language::En), &values).unwrap();
        assert!(!rendered.html.contains("<script>"));
        assert!(rendered.html.contains("&lt;script&gt;"));
        assert!(rendered.text.contains("<script>x</script>"));
    }

    #[test]
    fn a_syntax_error_names_its_part_and_line() {
        let mut source = built_in(EmailKind::Invitation, Language::En);
        source.html = "<p>Hello</p>\n<p>{% if user_name %}open".into();
        let (field, message) = field_message(check(&source).unwrap_err());
        assert_eq!(field, "html");
        assert!(message.starts_with("line 2"), "{message}");
    }

    #[test]
    fn an_unknown_placeholder_is_refused_by_name() {
        let mut source = built_in(EmailKind::PasswordReset, Language::De);
        source.subject = "Hi {{ password }}".into();
        let (field, message) = field_message(check(&source).unwrap_err());
        assert_eq!(field, "subject");
        assert!(message.contains("`password`"), "{message}");
    }

    /// A 40-character string to loop over.
    const FORTY: &str = "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'";

    fn refused_in_text(text: &str) -> String {
        let mut source = built_in(EmailKind::Invitation, Language::En);
        source.text = text.to_owned();
        let (field, message) = field_message(check(&source).unwrap_err());
        assert_eq!(field, "text");
        // A stored template is held to the same bounds when it is rendered for sending.
        assert!(render(&source, &Placeholders::sample()).is_err(), "{text}");
        message
    }

    #[test]
    fn repeating_a_string_is_refused() {
        let message = refused_in_text(&format!(
            "{{% for c in {FORTY} %}}{{{{ 'x' * 100000000 }}}}{{% endfor %}}"
        ));
        assert!(message.starts_with("line 1: arithmetic"), "{message}");
    }

    #[test]
    fn doubling_a_string_is_refused_however_it_is_joined() {
        for join in ["s ~ s", "s + s", "[s, s]|join"] {
            let message = refused_in_text(&format!(
                "{{% set s = link %}}{{% for c in {FORTY} %}}{{% set s = {join} %}}{{% endfor %}}{{{{ s }}}}"
            ));
            assert!(message.starts_with("line 1:"), "{join}: {message}");
        }
    }

    #[test]
    fn captured_output_macros_and_calls_are_refused() {
        for text in [
            "{% set s %}{{ link }}{{ link }}{% endset %}{{ s }}",
            "{% filter upper %}{{ link }}{% endfilter %}",
            "{% macro d(s, n) %}{{ d(s, n - 1) }}{{ d(s, n - 1) }}{% endmacro %}{{ d(link, 40) }}",
            "{{ range(100000)|length }}",
            "{{ link.replace('x', 'yy') }}",
            "{% with s = link %}{{ s }}{% endwith %}",
        ] {
            let message = refused_in_text(text);
            assert!(message.contains("not available"), "{text}: {message}");
        }
    }

    #[test]
    fn only_filters_that_cannot_grow_a_value_are_available() {
        for filter in [
            "replace('', 'xxxxxxxxxx')",
            "indent(100000000)",
            "urlencode",
            "escape",
            "center(100000000)",
            "format(1)",
            "join",
        ] {
            let message = refused_in_text(&format!("{{{{ link|{filter} }}}}"));
            assert!(message.contains("the filter"), "{filter}: {message}");
        }
        let mut source = built_in(EmailKind::Invitation, Language::En);
        source.text =
            "{{ user_name|upper }} {{ support_email|default('help') }} {{ link|trim }}".into();
        assert_eq!(
            render(&source, &Placeholders::sample()).unwrap().text,
            "ADA LOVELACE support@example.com https://app.example.com/invitation?token=example"
        );
    }

    #[test]
    fn output_stops_at_the_bound_whatever_the_loops() {
        let literal = "y".repeat(90_000);
        let message = refused_in_text(&format!(
            "{{% for a in {FORTY} %}}{{% for b in {FORTY} %}}{literal}{{% endfor %}}{{% endfor %}}"
        ));
        assert!(message.contains("more than 512 KB"), "{message}");
        let message = refused_in_text(&format!(
            "{{% for a in {FORTY} %}}{{% for b in {FORTY} %}}{{% for c in {FORTY} %}}{{% for d in {FORTY} %}}{{% endfor %}}{{% endfor %}}{{% endfor %}}{{% endfor %}}"
        ));
        assert!(
            message.contains("fuel"),
            "nested loops run out of fuel: {message}"
        );
    }

    #[test]
    fn the_subject_stays_on_one_line() {
        let mut source = built_in(EmailKind::Invitation, Language::En);
        source.subject = "A\n{{ user_name }}\r\nBcc: x@example.com".into();
        let rendered = render(&source, &Placeholders::sample()).unwrap();
        assert_eq!(rendered.subject, "A Ada Lovelace Bcc: x@example.com");
    }
}
