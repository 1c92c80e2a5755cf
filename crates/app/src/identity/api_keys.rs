//! API keys: created by the owner and admins, shown once, stored hashed, revocable.

use crate::error::{AppError, Validation};
use crate::identity::auth::API_KEY_PREFIX;
use crate::identity::tokens::Token;
use crate::workspace::activity::{self, Changes, Entry};
use crate::{App, RequestContext};
use clientele_domain::{
    Action, Actor, ApiKeyId, MemberRole, Resource, Timestamp, WorkspaceName, authorize,
};
use clientele_store::identity::api_keys::{self, ApiKeyRow, NewApiKey};

/// An API key of the workspace; the token itself is shown only once, when it is created.
#[derive(Clone, Debug)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub name: String,
    pub role: MemberRole,
    /// The token's first characters, so people can tell their keys apart.
    pub prefix: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl From<ApiKeyRow> for ApiKey {
    fn from(row: ApiKeyRow) -> Self {
        let at = |micros: Option<i64>| micros.and_then(|m| Timestamp::try_from(m).ok());
        Self {
            id: row.id,
            name: row.name,
            role: row.role,
            prefix: row.prefix,
            created_at: row.created_at,
            last_used_at: at(row.last_used_at),
            revoked_at: at(row.revoked_at),
        }
    }
}

impl App {
    /// Every key of the workspace, revoked ones included.
    pub async fn list_api_keys(&self, actor: &Actor) -> Result<Vec<ApiKey>, AppError> {
        let permit = authorize(
            actor,
            Action::ListApiKeys,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let rows = api_keys::list(&self.db, permit.workspace_id()).await?;
        Ok(rows.into_iter().map(ApiKey::from).collect())
    }

    /// Creates a key acting with `role`; the returned token is never shown again.
    #[tracing::instrument(skip_all)]
    pub async fn create_api_key(
        &self,
        actor: &Actor,
        name: &str,
        role: MemberRole,
        context: &RequestContext,
    ) -> Result<(ApiKey, Token), AppError> {
        let permit = authorize(
            actor,
            Action::CreateApiKey { role },
            &Resource::Workspace(actor.workspace_id),
        )?;
        let mut check = Validation::default();
        let name = check.check("name", WorkspaceName::parse(name));
        check.finish()?;
        let Some(name) = name else {
            return Err(AppError::invalid("name", "is invalid"));
        };
        let token = Token::generate(API_KEY_PREFIX)?;
        let prefix: String = token
            .reveal()
            .chars()
            .take(API_KEY_PREFIX.len() + 6)
            .collect();
        let id = ApiKeyId::new();
        let mut tx = self.db.begin().await?;
        let new = NewApiKey {
            id,
            workspace_id: permit.workspace_id(),
            name: name.as_str(),
            role,
            token_hash: &token.hash(),
            prefix: &prefix,
            created_at: Timestamp::now(),
        };
        api_keys::insert(&mut tx, &new).await?;
        let entry = Entry {
            organization_id: None,
            action: "api_key.created",
            target_kind: "api_key",
            target_id: Some(id.as_uuid()),
            target_label: name.as_str(),
            changes: Changes::new().set("role", role).set("prefix", &prefix),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        let row = api_keys::find(&self.db, permit.workspace_id(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok((row.into(), token))
    }

    /// Revokes a key; requests with it fail from now on.
    #[tracing::instrument(skip_all)]
    pub async fn revoke_api_key(
        &self,
        actor: &Actor,
        id: ApiKeyId,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let key = api_keys::find(&self.db, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let resource = Resource::ApiKey {
            workspace_id: key.workspace_id,
            id,
        };
        let permit = authorize(actor, Action::RevokeApiKey, &resource)?;
        let mut tx = self.db.begin().await?;
        if !api_keys::revoke(&mut tx, permit.workspace_id(), id, Timestamp::now()).await? {
            return Err(AppError::NotFound);
        }
        let entry = Entry {
            organization_id: None,
            action: "api_key.revoked",
            target_kind: "api_key",
            target_id: Some(id.as_uuid()),
            target_label: &key.name,
            changes: Changes::new(),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        Ok(())
    }
}
