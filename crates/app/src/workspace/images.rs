//! Uploaded images: checked, stored once per content, and referenced by their hash.

use crate::error::AppError;
use crate::workspace::activity::{self, Changes, Entry};
use crate::{App, RequestContext};
use clientele_domain::{Action, Actor, ImageFacts, Resource, Timestamp, authorize, inspect_image};
use clientele_store::Tx;
use clientele_store::workspace::images::{self, ImageRow, NewImage};
use sha2::{Digest, Sha256};

/// An image's bytes and media type, as served.
#[derive(Clone, Debug)]
pub struct Image {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// An image as stored: its id (the hash of its bytes) and what it is.
#[derive(Clone, Debug)]
pub struct StoredImage {
    pub id: String,
    pub facts: ImageFacts,
    pub bytes: usize,
}

impl App {
    /// Checks and stores an uploaded image (agency accounts and organization admins).
    /// `declared` is the content type it was sent with.
    #[tracing::instrument(skip_all)]
    pub async fn upload_image(
        &self,
        actor: &Actor,
        bytes: &[u8],
        declared: Option<&str>,
        context: &RequestContext,
    ) -> Result<StoredImage, AppError> {
        let permit = authorize(
            actor,
            Action::UploadImage,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let facts = inspect_image(bytes, declared)
            .map_err(|error| AppError::invalid("file", error.to_string()))?;
        let id = content_id(bytes);
        let mut tx = self.db.begin().await?;
        let new = NewImage {
            id: &id,
            content_type: facts.format.as_str(),
            width: facts.width,
            height: facts.height,
            bytes,
            created_at: Timestamp::now(),
        };
        images::insert(&mut tx, &new).await?;
        let entry = Entry {
            organization_id: None,
            action: "image.uploaded",
            target_kind: "image",
            target_id: None,
            target_label: &id,
            changes: Changes::new()
                .set("content_type", facts.format.as_str())
                .set("width", facts.width)
                .set("height", facts.height),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        Ok(StoredImage {
            id,
            facts,
            bytes: bytes.len(),
        })
    }

    /// The image stored under `id`, for anyone who knows its hash.
    pub async fn image(&self, id: &str) -> Result<Image, AppError> {
        if !is_content_id(id) {
            return Err(AppError::NotFound);
        }
        let ImageRow {
            content_type,
            bytes,
        } = images::find(&self.db, id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(Image {
            content_type,
            bytes,
        })
    }
}

/// Checks that `id`, given for `field`, names a stored image.
pub(crate) async fn require(tx: &mut Tx, field: &str, id: &str) -> Result<(), AppError> {
    if is_content_id(id) && images::exists_in(tx, id).await? {
        Ok(())
    } else {
        Err(AppError::invalid(field, "no uploaded image has this id"))
    }
}

/// The id of an image: the SHA-256 of its bytes in lowercase hex.
fn content_id(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn is_content_id(id: &str) -> bool {
    id.len() == 64
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
