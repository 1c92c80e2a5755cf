//! The small centred card pages before sign-in: signing in and asking for a reset link, in the
//! console and in the client dashboard.

use crate::web::page::Chrome;
use askama::Template;
use askama_web::WebTemplate;

#[derive(Template, WebTemplate)]
#[template(path = "auth.html")]
pub struct AuthPage {
    pub chrome: Chrome,
    pub lead: String,
    /// Shown once the request succeeded, for forms that stay on the page.
    pub sent: String,
    /// The API call the form makes, e.g. `POST /api/v1/sessions`.
    pub api: &'static str,
    pub then: String,
    pub success: String,
    pub fields: Vec<AuthField>,
    pub submit: String,
    pub links: Vec<(String, String)>,
    /// On sign-in pages: the second step, for accounts with an authenticator app.
    pub second_factor: Option<SecondFactorStep>,
}

/// The words of a sign-in's second step.
pub struct SecondFactorStep {
    pub lead: String,
    pub label: String,
    pub submit: String,
}

pub struct AuthField {
    pub name: &'static str,
    pub label: String,
    pub kind: &'static str,
    pub autocomplete: &'static str,
    pub value: String,
    pub optional: bool,
}

impl AuthField {
    pub fn new(
        name: &'static str,
        label: &str,
        kind: &'static str,
        autocomplete: &'static str,
        value: &str,
    ) -> Self {
        Self {
            name,
            label: label.to_owned(),
            kind,
            autocomplete,
            value: value.to_owned(),
            optional: false,
        }
    }
}
