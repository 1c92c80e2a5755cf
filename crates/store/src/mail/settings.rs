//! The email_settings table: how a workspace sends its email.

use crate::db::{Db, Tx};
use crate::error::StoreError;
use clientele_domain::{Timestamp, WorkspaceId};
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Query};
use uuid::Uuid;

#[derive(Iden)]
pub(crate) enum EmailSettings {
    Table,
    WorkspaceId,
    SenderName,
    SenderAddress,
    ReplyTo,
    SmtpHost,
    SmtpPort,
    SmtpUsername,
    SmtpPassword,
    SmtpTls,
    UpdatedAt,
}

/// A workspace's sender and SMTP settings; the password is sealed.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct EmailSettingsRow {
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    pub sender_name: String,
    pub sender_address: String,
    pub reply_to: Option<String>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<i64>,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<Vec<u8>>,
    pub smtp_tls: String,
    #[sqlx(try_from = "i64")]
    pub updated_at: Timestamp,
}

fn select_settings(workspace_id: WorkspaceId) -> sea_query::SelectStatement {
    Query::select()
        .columns([
            EmailSettings::WorkspaceId,
            EmailSettings::SenderName,
            EmailSettings::SenderAddress,
            EmailSettings::ReplyTo,
            EmailSettings::SmtpHost,
            EmailSettings::SmtpPort,
            EmailSettings::SmtpUsername,
            EmailSettings::SmtpPassword,
            EmailSettings::SmtpTls,
            EmailSettings::UpdatedAt,
        ])
        .from(EmailSettings::Table)
        .and_where(Expr::col(EmailSettings::WorkspaceId).eq(workspace_id.as_uuid()))
        .to_owned()
}

pub async fn find_settings(
    db: &Db,
    workspace_id: WorkspaceId,
) -> Result<Option<EmailSettingsRow>, StoreError> {
    db.fetch_optional(&select_settings(workspace_id)).await
}

pub async fn find_settings_in(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
) -> Result<Option<EmailSettingsRow>, StoreError> {
    tx.fetch_optional(&select_settings(workspace_id)).await
}

/// Stores the workspace's email settings, replacing the previous ones.
pub async fn put_settings(tx: &mut Tx, row: &EmailSettingsRow) -> Result<(), StoreError> {
    let statement = Query::insert()
        .into_table(EmailSettings::Table)
        .columns([
            EmailSettings::WorkspaceId,
            EmailSettings::SenderName,
            EmailSettings::SenderAddress,
            EmailSettings::ReplyTo,
            EmailSettings::SmtpHost,
            EmailSettings::SmtpPort,
            EmailSettings::SmtpUsername,
            EmailSettings::SmtpPassword,
            EmailSettings::SmtpTls,
            EmailSettings::UpdatedAt,
        ])
        .values_panic([
            row.workspace_id.as_uuid().into(),
            row.sender_name.clone().into(),
            row.sender_address.clone().into(),
            row.reply_to.clone().into(),
            row.smtp_host.clone().into(),
            row.smtp_port.into(),
            row.smtp_username.clone().into(),
            row.smtp_password.clone().into(),
            row.smtp_tls.clone().into(),
            row.updated_at.unix_micros().into(),
        ])
        .on_conflict(
            OnConflict::column(EmailSettings::WorkspaceId)
                .update_columns([
                    EmailSettings::SenderName,
                    EmailSettings::SenderAddress,
                    EmailSettings::ReplyTo,
                    EmailSettings::SmtpHost,
                    EmailSettings::SmtpPort,
                    EmailSettings::SmtpUsername,
                    EmailSettings::SmtpPassword,
                    EmailSettings::SmtpTls,
                    EmailSettings::UpdatedAt,
                ])
                .to_owned(),
        )
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}
