//! The email_templates table: a workspace's own wording of each email.

use crate::db::{Db, Tx};
use crate::error::StoreError;
use clientele_domain::{Timestamp, WorkspaceId};
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Order, Query};

#[derive(Iden)]
enum EmailTemplates {
    Table,
    WorkspaceId,
    Kind,
    Language,
    Subject,
    Html,
    Text,
    UpdatedAt,
}
/// A workspace's own wording of one email in one language.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct TemplateRow {
    pub kind: String,
    pub language: String,
    pub subject: String,
    pub html: String,
    pub text: String,
    #[sqlx(try_from = "i64")]
    pub updated_at: Timestamp,
}

fn select_templates(workspace_id: WorkspaceId) -> sea_query::SelectStatement {
    Query::select()
        .columns([
            EmailTemplates::Kind,
            EmailTemplates::Language,
            EmailTemplates::Subject,
            EmailTemplates::Html,
            EmailTemplates::Text,
            EmailTemplates::UpdatedAt,
        ])
        .from(EmailTemplates::Table)
        .and_where(Expr::col(EmailTemplates::WorkspaceId).eq(workspace_id.as_uuid()))
        .order_by(EmailTemplates::Kind, Order::Asc)
        .order_by(EmailTemplates::Language, Order::Asc)
        .to_owned()
}

/// The workspace's overridden templates.
pub async fn list(db: &Db, workspace_id: WorkspaceId) -> Result<Vec<TemplateRow>, StoreError> {
    db.fetch_all(&select_templates(workspace_id)).await
}

/// The workspace's own template for `kind` in `language`, read inside a transaction.
pub async fn find_template_in(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    kind: &str,
    language: &str,
) -> Result<Option<TemplateRow>, StoreError> {
    let statement = select_templates(workspace_id)
        .and_where(Expr::col(EmailTemplates::Kind).eq(kind))
        .and_where(Expr::col(EmailTemplates::Language).eq(language))
        .to_owned();
    tx.fetch_optional(&statement).await
}

/// Stores the workspace's template for its kind and language.
pub async fn put_template(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    row: &TemplateRow,
) -> Result<(), StoreError> {
    let statement = Query::insert()
        .into_table(EmailTemplates::Table)
        .columns([
            EmailTemplates::WorkspaceId,
            EmailTemplates::Kind,
            EmailTemplates::Language,
            EmailTemplates::Subject,
            EmailTemplates::Html,
            EmailTemplates::Text,
            EmailTemplates::UpdatedAt,
        ])
        .values_panic([
            workspace_id.as_uuid().into(),
            row.kind.clone().into(),
            row.language.clone().into(),
            row.subject.clone().into(),
            row.html.clone().into(),
            row.text.clone().into(),
            row.updated_at.unix_micros().into(),
        ])
        .on_conflict(
            OnConflict::columns([
                EmailTemplates::WorkspaceId,
                EmailTemplates::Kind,
                EmailTemplates::Language,
            ])
            .update_columns([
                EmailTemplates::Subject,
                EmailTemplates::Html,
                EmailTemplates::Text,
                EmailTemplates::UpdatedAt,
            ])
            .to_owned(),
        )
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}

/// Removes the workspace's template, so the built-in one applies again; false if it had none.
pub async fn delete_template(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    kind: &str,
    language: &str,
) -> Result<bool, StoreError> {
    let statement = Query::delete()
        .from_table(EmailTemplates::Table)
        .and_where(Expr::col(EmailTemplates::WorkspaceId).eq(workspace_id.as_uuid()))
        .and_where(Expr::col(EmailTemplates::Kind).eq(kind))
        .and_where(Expr::col(EmailTemplates::Language).eq(language))
        .to_owned();
    Ok(tx.execute(&statement).await? > 0)
}
