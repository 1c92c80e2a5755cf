//! Single-use account links: issuing one (a random token, only its hash stored) and redeeming
//! one, which tells apart the ways a link can be unusable.

use crate::RequestContext;
use crate::error::AppError;
use crate::identity::auth::{SignInStep, link_sign_in};
use crate::identity::tokens::Token;
use crate::workspace::activity::{self, Author, Entry};
use clientele_domain::{AccountTokenId, MemberId, SessionAccount, Timestamp, WorkspaceId};
use clientele_store::identity::account_tokens::{
    self, AccountTokenRow, NewAccountToken, Purpose, Subject,
};
use clientele_store::{Db, Tx};
use std::time::Duration;

/// A link just issued: the token goes into the URL, once.
pub(crate) struct Issued {
    pub id: AccountTokenId,
    pub token: Token,
    pub expires_at: Timestamp,
}

/// Stores a new link for `subject`, voiding the subject's open links of the same purpose.
/// Returns the link and whether an open one was voided.
pub(crate) async fn issue(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    purpose: Purpose,
    subject: &Subject,
    created_by: Option<MemberId>,
    lifetime: Duration,
) -> Result<(Issued, bool), AppError> {
    let now = Timestamp::now();
    let replaced = account_tokens::revoke_open(tx, workspace_id, purpose, subject, now).await? > 0;
    let token = Token::generate("")?;
    let expires_at = now.after(lifetime);
    let id = AccountTokenId::new();
    let new = NewAccountToken {
        id,
        token_hash: &token.hash(),
        purpose,
        workspace_id,
        subject,
        created_by,
        created_at: now,
        expires_at,
    };
    account_tokens::insert(tx, &new).await?;
    Ok((
        Issued {
            id,
            token,
            expires_at,
        },
        replaced,
    ))
}

/// The open link `raw` stands for, or why it cannot be used.
pub(crate) async fn find_open(
    db: &Db,
    purpose: Purpose,
    raw: &str,
) -> Result<AccountTokenRow, AppError> {
    let row = account_tokens::find_by_hash(db, purpose, &Token::from_client(raw.trim()).hash())
        .await?
        .ok_or(AppError::LinkUnusable(
            "This link is not valid. Check that it was copied whole, or ask for a new one.",
        ))?;
    check_open(&row, Timestamp::now())?;
    Ok(row)
}

/// Uses the link inside the change's transaction; of concurrent redemptions only one passes.
pub(crate) async fn consume(tx: &mut Tx, row: &AccountTokenRow) -> Result<(), AppError> {
    if account_tokens::consume(tx, row.id, Timestamp::now()).await? {
        Ok(())
    } else {
        Err(AppError::LinkUnusable(
            "This link was already used. Sign in, or ask for a new one.",
        ))
    }
}

fn check_open(row: &AccountTokenRow, now: Timestamp) -> Result<(), AppError> {
    if row.used_at.is_some() {
        return Err(AppError::LinkUnusable(
            "This link was already used. Sign in, or ask for a new one.",
        ));
    }
    if row.revoked_at.is_some() {
        return Err(AppError::LinkUnusable(
            "This link was replaced by a newer one or withdrawn. Use the latest email, or ask for a new one.",
        ));
    }
    if now >= row.expires_at {
        return Err(AppError::LinkUnusable(
            "This link has expired. Ask for a new one.",
        ));
    }
    Ok(())
}

/// Which account a redeemed link signed in.
#[derive(Debug)]
pub struct Accepted {
    pub signed_in: SignInStep<SessionAccount>,
    pub workspace_id: WorkspaceId,
}

/// Signs in the account a redeemed link proved, records `entry` as done by that account, and
/// commits the change the link made.
pub(crate) async fn sign_in(
    mut tx: Tx,
    workspace_id: WorkspaceId,
    account: SessionAccount,
    label: &str,
    context: &RequestContext,
    entry: Entry<'_>,
) -> Result<Accepted, AppError> {
    let signed_in = link_sign_in(&mut tx, workspace_id, account).await?;
    let (kind, id) = match account {
        SessionAccount::Member(id) => ("member", id.as_uuid()),
        SessionAccount::ClientUser(id) => ("client_user", id.as_uuid()),
    };
    let author = Author {
        kind,
        id: Some(id),
        label,
        real: None,
    };
    activity::record(&mut tx, workspace_id, &author, context, entry).await?;
    tx.commit().await?;
    Ok(Accepted {
        signed_in,
        workspace_id,
    })
}

/// How an expiry reads in an email.
pub(crate) fn describe_expiry(at: Timestamp) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    at.as_offset_date_time().format(&format).unwrap_or_default()
}
