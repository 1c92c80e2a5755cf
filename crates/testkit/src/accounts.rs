//! Accounts for tests: a workspace with an owner, admins, members and API keys, and HTTP
//! clients that act as each of them.

use crate::app::TestApp;
use clientele_app::RequestContext;
use clientele_app::clients::organizations::NewOrganizationInput;
use clientele_app::identity::members::NewMemberInput;
use clientele_app::workspace::setup::NewWorkspaceInput;
use clientele_domain::{
    Actor, AgentAccess, ClientUserId, ClientUserStatus, Email, MemberId, MemberRole,
    OrganizationId, Permission, Principal, Timestamp, WorkspaceId,
};
use clientele_store::clients::client_users::{self, NewClientUser};
use reqwest::{Method, RequestBuilder};

/// A password every test account uses; strong enough for the password policy.
pub const PASSWORD: &str = "violet-kettle-harbour-93";

/// A workspace and the owner it was created with.
pub struct Workspace {
    pub id: WorkspaceId,
    pub slug: String,
    pub owner: Account,
}

/// An agency account of a test workspace.
#[derive(Clone)]
pub struct Account {
    pub id: MemberId,
    pub email: String,
    pub role: MemberRole,
    pub workspace_id: WorkspaceId,
}

impl Account {
    /// The actor this account acts as, for arranging a test through the use cases.
    pub fn actor(&self) -> Actor {
        Actor {
            workspace_id: self.workspace_id,
            label: self.email.clone(),
            principal: Principal::Member {
                id: self.id,
                role: self.role,
            },
            impersonated_by: None,
        }
    }
}

/// How a test calls the API: as nobody, with a session cookie, or with an API key.
#[derive(Clone)]
pub enum Credentials {
    Anonymous,
    Session {
        cookie: String,
        csrf_token: String,
    },
    ApiKey(String),
    /// An agent's runtime key, for the runtime API.
    RuntimeKey(String),
}

impl TestApp {
    /// Creates a workspace `slug` with an owner `owner@<slug>.test`.
    pub async fn workspace(&self, slug: &str) -> Workspace {
        let email = format!("owner@{slug}.test");
        let input = NewWorkspaceInput {
            workspace_name: format!("Agency {slug}"),
            workspace_slug: Some(slug.to_owned()),
            owner_name: format!("Owner of {slug}"),
            owner_email: email.clone(),
            owner_password: PASSWORD.to_owned(),
        };
        let (workspace, owner) = self
            .app
            .create_workspace(input, "test", &RequestContext::default())
            .await
            .expect("a workspace");
        Workspace {
            id: workspace.id,
            slug: workspace.slug,
            owner: Account {
                id: owner.id,
                email,
                role: MemberRole::Owner,
                workspace_id: workspace.id,
            },
        }
    }

    /// Adds an account with `role` (named `name@<slug>.test`) to `workspace`, as its owner.
    pub async fn member(&self, workspace: &Workspace, name: &str, role: MemberRole) -> Account {
        let email = format!("{name}@{}.test", workspace.slug);
        let input = NewMemberInput {
            name: name.to_owned(),
            email: email.clone(),
            role,
            password: PASSWORD.to_owned(),
        };
        let row = self
            .app
            .add_member(&workspace.owner.actor(), input, &RequestContext::default())
            .await
            .expect("a member");
        Account {
            id: row.id,
            email,
            role,
            workspace_id: workspace.id,
        }
    }

    /// An API key of `workspace` acting with `role`.
    pub async fn api_key(&self, workspace: &Workspace, role: MemberRole) -> Credentials {
        let (_, token) = self
            .app
            .create_api_key(
                &workspace.owner.actor(),
                "test key",
                role,
                &RequestContext::default(),
            )
            .await
            .expect("an API key");
        Credentials::ApiKey(token.reveal().to_owned())
    }

    /// Signs `account` in over HTTP and returns its session credentials.
    pub async fn sign_in(&self, account: &Account) -> Credentials {
        self.sign_in_with(&account.email, PASSWORD).await
    }

    /// Signs an agency account in over HTTP with its email and password.
    pub async fn sign_in_with(&self, email: &str, password: &str) -> Credentials {
        let response = self
            .client()
            .post(self.url("/api/v1/sessions"))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("the server answers");
        assert_eq!(response.status(), 201, "signing in {email} failed");
        session_credentials(response).await
    }

    /// A request to `path` carrying `credentials` (and the CSRF token with a session).
    pub fn request(&self, credentials: &Credentials, method: Method, path: &str) -> RequestBuilder {
        credentials.attach(self.client().request(method, self.url(path)))
    }
}

impl Credentials {
    /// `request`, sent with these credentials.
    pub fn attach(&self, request: RequestBuilder) -> RequestBuilder {
        match self {
            Credentials::Anonymous => request,
            Credentials::Session { cookie, csrf_token } => request
                .header("cookie", cookie)
                .header("x-csrf-token", csrf_token),
            Credentials::ApiKey(token) | Credentials::RuntimeKey(token) => {
                request.bearer_auth(token)
            }
        }
    }
}

/// A client user of a test workspace.
#[derive(Clone)]
pub struct ClientAccount {
    pub id: ClientUserId,
    pub email: String,
    pub organization_id: OrganizationId,
    pub workspace_slug: String,
}

impl TestApp {
    /// Creates a client organization in `workspace`.
    /// Names must be unique in the workspace, so `name` gets a unique suffix.
    pub async fn organization(&self, workspace: &Workspace, name: &str) -> OrganizationId {
        let input = NewOrganizationInput {
            name: format!("{name} {}", OrganizationId::new()),
            logo_image_id: None,
        };
        self.app
            .create_organization(&workspace.owner.actor(), input, &RequestContext::default())
            .await
            .expect("an organization")
            .id
    }

    /// Creates an active client user `name@client.<slug>.test` of `organization` holding
    /// `permissions`, with the test password.
    pub async fn client_user(
        &self,
        workspace: &Workspace,
        organization: OrganizationId,
        name: &str,
        permissions: &[Permission],
    ) -> ClientAccount {
        let email = format!("{name}@client.{}.test", workspace.slug);
        let parsed = Email::parse(&email).expect("a valid email");
        let hash = self
            .app
            .passwords
            .hash(PASSWORD.to_owned())
            .await
            .expect("a hash");
        let id = ClientUserId::new();
        let new = NewClientUser {
            id,
            workspace_id: workspace.id,
            organization_id: organization,
            email: &parsed,
            name,
            name_key: &name.to_lowercase(),
            password_hash: Some(&hash),
            permissions: permissions.iter().copied().collect(),
            status: ClientUserStatus::Active,
            image_id: None,
            agent_access: AgentAccess::All,
            created_at: Timestamp::now(),
        };
        let mut tx = self.db.begin().await.expect("a transaction");
        client_users::insert(&mut tx, &new)
            .await
            .expect("a client user");
        tx.commit().await.expect("a commit");
        ClientAccount {
            id,
            email,
            organization_id: organization,
            workspace_slug: workspace.slug.clone(),
        }
    }

    /// Signs a client user in to the dashboard over HTTP and returns the session credentials.
    pub async fn sign_in_client(&self, user: &ClientAccount) -> Credentials {
        let response = self
            .client()
            .post(self.url("/api/v1/dashboard/sessions"))
            .json(&serde_json::json!({ "workspace": user.workspace_slug, "email": user.email, "password": PASSWORD }))
            .send()
            .await
            .expect("the server answers");
        assert_eq!(response.status(), 201, "signing in {} failed", user.email);
        session_credentials(response).await
    }
}

/// The session cookie and CSRF token a sign-in response carries.
async fn session_credentials(response: reqwest::Response) -> Credentials {
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let body: serde_json::Value = response.json().await.expect("a JSON body");
    let csrf_token = body["csrf_token"]
        .as_str()
        .expect("a CSRF token")
        .to_owned();
    Credentials::Session { cookie, csrf_token }
}
