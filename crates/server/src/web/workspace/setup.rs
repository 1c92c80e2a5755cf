//! The one-time setup page: on a deployment with no workspace yet, whoever holds the token
//! printed at start creates the first workspace and its owner. It closes once one exists.

use crate::extract::{Origin, constant_time_eq};
use crate::problem::Problem;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use clientele_app::AppError;
use clientele_app::workspace::setup::NewWorkspaceInput;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "setup.html")]
struct SetupPage {
    token: String,
    fields: Vec<Field>,
    /// The owner's email, once the workspace exists.
    created: Option<String>,
}

struct Field {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    hint: &'static str,
    value: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct SetupForm {
    token: String,
    #[serde(default)]
    workspace_name: String,
    #[serde(default)]
    owner_name: String,
    #[serde(default)]
    owner_email: String,
    #[serde(default)]
    owner_password: String,
}

/// Shows the form to whoever brings the right token, while no workspace exists.
pub async fn show(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
) -> Result<Response, Problem> {
    let token = query.token.unwrap_or_default();
    open_for(&state, &token).await?;
    Ok(page(token, &SetupForm::default(), &[]).into_response())
}

/// Creates the workspace and its owner.
pub async fn create(
    State(state): State<AppState>,
    Origin(origin): Origin,
    Form(form): Form<SetupForm>,
) -> Result<Response, Problem> {
    open_for(&state, &form.token).await?;
    let input = NewWorkspaceInput {
        workspace_name: form.workspace_name.clone(),
        workspace_slug: None,
        owner_name: form.owner_name.clone(),
        owner_email: form.owner_email.clone(),
        owner_password: form.owner_password.clone(),
    };
    match state
        .app
        .create_workspace(input, "setup page", &origin)
        .await
    {
        Ok((_, owner)) => {
            let done = SetupPage {
                token: String::new(),
                fields: Vec::new(),
                created: Some(owner.email),
            };
            Ok((StatusCode::CREATED, done).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let errors: Vec<(String, String)> =
                errors.into_iter().map(|e| (e.field, e.message)).collect();
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(form.token.clone(), &form, &errors),
            )
                .into_response())
        }
        Err(AppError::Conflict { field, message }) => {
            let errors = [(field.to_owned(), message.to_owned())];
            Ok((
                StatusCode::CONFLICT,
                page(form.token.clone(), &form, &errors),
            )
                .into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// The page exists only while nothing is set up, and only for the holder of the token.
async fn open_for(state: &AppState, token: &str) -> Result<(), Problem> {
    let Some(expected) = state.setup_token.as_deref() else {
        return Err(Problem::not_found());
    };
    if !constant_time_eq(token.as_bytes(), expected.as_bytes()) || state.app.is_set_up().await? {
        return Err(Problem::not_found());
    }
    Ok(())
}

fn page(token: String, form: &SetupForm, errors: &[(String, String)]) -> SetupPage {
    let error = |name: &str| {
        errors
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, m)| m.clone())
    };
    let field = |name, label, kind, autocomplete, hint, value: &str| Field {
        name,
        label,
        kind,
        autocomplete,
        hint,
        value: value.to_owned(),
        error: error(name),
    };
    SetupPage {
        token,
        created: None,
        fields: vec![
            field(
                "workspace_name",
                "Agency name",
                "text",
                "organization",
                "",
                &form.workspace_name,
            ),
            field(
                "owner_name",
                "Your name",
                "text",
                "name",
                "",
                &form.owner_name,
            ),
            field(
                "owner_email",
                "Your email",
                "email",
                "email",
                "You sign in with it.",
                &form.owner_email,
            ),
            field(
                "owner_password",
                "Password",
                "password",
                "new-password",
                "At least 10 characters, not a common one.",
                "",
            ),
        ],
    }
}
