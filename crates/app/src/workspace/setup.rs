//! First run: a workspace and its owner, from `clientele init` or the one-time setup page.

use crate::error::{AppError, Validation};
use crate::identity::members::Member;
use crate::workspace::Workspace;
use crate::workspace::activity::{self, Author, Changes, Entry};
use crate::{App, RequestContext, identity::passwords};
use clientele_domain::{
    Email, MemberId, MemberRole, Timestamp, WorkspaceId, WorkspaceName, WorkspaceSlug,
};
use clientele_store::identity::members::{self, NewMember};
use clientele_store::workspace::{self, NewWorkspace};
use clientele_store::{StoreError, workspace::SLUG_CONSTRAINT};

/// What creating a workspace takes.
#[derive(Debug)]
pub struct NewWorkspaceInput {
    pub workspace_name: String,
    /// Derived from the name when absent.
    pub workspace_slug: Option<String>,
    pub owner_name: String,
    pub owner_email: String,
    pub owner_password: String,
}

impl App {
    /// Creates a workspace and its owner in one transaction, recorded as done by `via`.
    #[tracing::instrument(skip_all, fields(via))]
    pub async fn create_workspace(
        &self,
        input: NewWorkspaceInput,
        via: &str,
        context: &RequestContext,
    ) -> Result<(Workspace, Member), AppError> {
        let mut check = Validation::default();
        let name = check.check(
            "workspace_name",
            WorkspaceName::parse(&input.workspace_name),
        );
        let slug_source = input
            .workspace_slug
            .clone()
            .unwrap_or_else(|| slugify(&input.workspace_name));
        let slug = check.check("workspace_slug", WorkspaceSlug::parse(&slug_source));
        let owner_name = check.check("owner_name", WorkspaceName::parse(&input.owner_name));
        let email = check.check("owner_email", Email::parse(&input.owner_email));
        if let Some(reason) = passwords::refusal(
            &input.owner_password,
            &[&input.owner_email, &input.owner_name],
        ) {
            check.fail("owner_password", reason);
        }
        check.finish()?;
        let (Some(name), Some(slug), Some(owner_name), Some(email)) =
            (name, slug, owner_name, email)
        else {
            return Err(AppError::invalid("workspace_name", "is invalid"));
        };
        if !members::find_by_email(&self.db, &email).await?.is_empty() {
            return Err(AppError::Conflict {
                field: "owner_email",
                message: "an account with this email already exists",
            });
        }
        let password_hash = self.passwords.hash(input.owner_password).await?;

        let now = Timestamp::now();
        let workspace_id = WorkspaceId::new();
        let owner_id = MemberId::new();
        let mut tx = self.db.begin().await?;
        workspace::insert(
            &mut tx,
            &NewWorkspace {
                id: workspace_id,
                slug: &slug,
                name: &name,
                created_at: now,
            },
        )
        .await
        .map_err(conflict)?;
        let owner = NewMember {
            id: owner_id,
            workspace_id,
            email: &email,
            name: owner_name.as_str(),
            role: MemberRole::Owner,
            password_hash: &password_hash,
            created_at: now,
        };
        members::insert(&mut tx, &owner).await.map_err(conflict)?;
        let author = Author::system(via);
        let created = Entry {
            organization_id: None,
            action: "workspace.created",
            target_kind: "workspace",
            target_id: Some(workspace_id.as_uuid()),
            target_label: name.as_str(),
            changes: Changes::new()
                .set("name", name.as_str())
                .set("slug", slug.as_str()),
        };
        activity::record(&mut tx, workspace_id, &author, context, created).await?;
        let added = Entry {
            organization_id: None,
            action: "member.added",
            target_kind: "member",
            target_id: Some(owner_id.as_uuid()),
            target_label: owner_name.as_str(),
            changes: Changes::new()
                .set("email", email.as_str())
                .set("role", MemberRole::Owner),
        };
        activity::record(&mut tx, workspace_id, &author, context, added).await?;
        tx.commit().await?;

        let workspace = workspace::find(&self.db, workspace_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let owner = members::find(&self.db, workspace_id, owner_id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok((workspace.into(), owner.into()))
    }

    /// Whether any workspace exists yet (the setup page closes once one does).
    pub async fn is_set_up(&self) -> Result<bool, AppError> {
        Ok(!workspace::list(&self.db, None, 1).await?.is_empty())
    }
}

fn conflict(error: StoreError) -> AppError {
    match &error {
        StoreError::Conflict { constraint } if constraint == members::EMAIL_CONSTRAINT => {
            AppError::Conflict {
                field: "owner_email",
                message: "an account with this email already exists",
            }
        }
        StoreError::Conflict { constraint } if constraint == SLUG_CONSTRAINT => {
            AppError::Conflict {
                field: "workspace_slug",
                message: "this workspace address is taken",
            }
        }
        _ => error.into(),
    }
}

/// A URL slug from a display name: "Acme Agency!" becomes "acme-agency".
fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    slug.chars()
        .take(WorkspaceSlug::MAX_CHARS)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_is_made_from_the_name() {
        assert_eq!(slugify("  Acme Agency! GmbH "), "acme-agency-gmbh");
        assert!(WorkspaceSlug::parse(&slugify("Ünïcode Ägency")).is_ok());
    }
}
