//! Realistic demonstration data in bulk, for trying the product and for benchmarks: one
//! workspace with organizations, agents (most of them assigned), client users, and a long
//! activity log whose hash chain verifies like any other.

use crate::error::AppError;
use crate::identity::tokens::Token;
use crate::workspace::setup::NewWorkspaceInput;
use crate::{App, RequestContext};
use clientele_domain::organization::fold_case;
use clientele_domain::{
    AgentAccess, AgentId, AgentKind, ClientUserId, ClientUserStatus, ConversationId,
    ConversationStatus, Email, MessageId, MessageRole, OrganizationId, OrganizationSettings,
    Permission, Permissions, Timestamp, WorkspaceId, WorkspaceSlug,
};
use clientele_store::clients::agents::{self, AgentFields};
use clientele_store::clients::client_users::{self, NewClientUser};
use clientele_store::clients::organizations::{self, NewOrganization};
use clientele_store::conversations;
use clientele_store::conversations::messages::{self, NewMessage};
use clientele_store::workspace;
use clientele_store::workspace::activity::{self, NewActivity};

/// How much to create.
#[derive(Clone, Debug)]
pub struct SeedPlan {
    /// The slug of the workspace to create and fill; it must not exist yet.
    pub workspace_slug: String,
    pub organizations: u32,
    pub agents: u32,
    pub users_per_organization: u32,
    pub activity: u64,
    /// Conversations over the past year, spread over the assigned agents.
    pub conversations: u64,
    pub messages_per_conversation: u32,
}

/// What was created, and how to sign in to a workspace created for the purpose.
#[derive(Debug)]
pub struct SeedReport {
    pub workspace_id: WorkspaceId,
    pub owner_email: String,
    /// The owner's password; the client users share it.
    pub password: String,
    pub organization_ids: Vec<OrganizationId>,
    pub agent_ids: Vec<AgentId>,
    pub users: u64,
}

/// Rows written per transaction: large enough to be fast, small enough to keep locks short.
const BATCH: usize = 1000;

const ADJECTIVES: [&str; 12] = [
    "Bright",
    "Harbor",
    "Summit",
    "Evergreen",
    "Blue",
    "Golden",
    "Northern",
    "Cedar",
    "Silver",
    "Maple",
    "Coastal",
    "Urban",
];
const TRADES: [&str; 10] = [
    "Dental",
    "Realty",
    "Law Group",
    "Fitness",
    "Auto Repair",
    "Veterinary",
    "Plumbing",
    "Insurance",
    "Spa",
    "Clinic",
];
const ROLES: [&str; 8] = [
    "Receptionist",
    "Sales Assistant",
    "Support Agent",
    "Booking Line",
    "After-hours Line",
    "Lead Qualifier",
    "FAQ Bot",
    "Follow-up Caller",
];
const FIRST_NAMES: [&str; 10] = [
    "Ana", "Ben", "Chloé", "Dmitri", "Emma", "Farah", "Goran", "Hana", "Ivan", "Jonas",
];
const LAST_NAMES: [&str; 10] = [
    "Silva", "Okafor", "Müller", "Dubois", "Tanaka", "Rossi", "Nowak", "García", "Berg", "Kim",
];
const ACTIONS: [(&str, &str); 6] = [
    ("organization.settings_changed", "organization"),
    ("agent.assigned", "agent"),
    ("organization.updated", "organization"),
    ("agent.updated", "agent"),
    ("client_user.added", "client_user"),
    ("client_user.permissions_changed", "client_user"),
];

impl App {
    /// Creates the planned data in the workspace `plan.workspace_slug`.
    pub async fn seed(&self, plan: &SeedPlan) -> Result<SeedReport, AppError> {
        let (workspace_id, owner_email, password) = self.seed_workspace(plan).await?;
        let password_hash = self.passwords.hash(password.clone()).await?;
        let organization_ids = self.seed_organizations(workspace_id, plan).await?;
        let agents = self
            .seed_agents(workspace_id, plan.agents, &organization_ids)
            .await?;
        let agent_ids: Vec<AgentId> = agents.iter().map(|(id, _)| *id).collect();
        let users = self
            .seed_users(workspace_id, plan, &organization_ids, &password_hash)
            .await?;
        self.seed_activity(workspace_id, plan.activity, &organization_ids, &agent_ids)
            .await?;
        let assigned: Vec<(AgentId, OrganizationId)> = agents
            .into_iter()
            .filter_map(|(id, organization)| organization.map(|o| (id, o)))
            .collect();
        self.seed_conversations(workspace_id, plan, &assigned)
            .await?;
        Ok(SeedReport {
            workspace_id,
            owner_email,
            password,
            organization_ids,
            agent_ids,
            users,
        })
    }

    async fn seed_workspace(
        &self,
        plan: &SeedPlan,
    ) -> Result<(WorkspaceId, String, String), AppError> {
        let owner_email = format!("owner@{}.example", plan.workspace_slug);
        let slug = WorkspaceSlug::parse(&plan.workspace_slug)
            .map_err(|error| AppError::invalid("workspace", error.to_string()))?;
        if workspace::find_by_slug(&self.db, &slug).await?.is_some() {
            return Err(AppError::Conflict {
                field: "workspace",
                message: "a workspace with this slug exists; seeding only creates new ones",
            });
        }
        let password = Token::generate("")?.reveal().to_owned();
        let input = NewWorkspaceInput {
            workspace_name: format!("{} Agency", capitalised(&plan.workspace_slug)),
            workspace_slug: Some(plan.workspace_slug.clone()),
            owner_name: "Demo Owner".to_owned(),
            owner_email: owner_email.clone(),
            owner_password: password.clone(),
        };
        let (workspace, _) = self
            .create_workspace(input, "clientele dev seed", &RequestContext::default())
            .await?;
        Ok((workspace.id, owner_email, password))
    }

    async fn seed_organizations(
        &self,
        workspace_id: WorkspaceId,
        plan: &SeedPlan,
    ) -> Result<Vec<OrganizationId>, AppError> {
        let settings = OrganizationSettings::default();
        let now = Timestamp::now();
        let ids: Vec<OrganizationId> = (0..plan.organizations)
            .map(|_| OrganizationId::new())
            .collect();
        for (batch, chunk) in ids.chunks(BATCH).enumerate() {
            let mut tx = self.db.begin().await?;
            for (offset, id) in chunk.iter().enumerate() {
                let n = batch * BATCH + offset;
                let name = format!(
                    "{} {} {}",
                    ADJECTIVES[n % ADJECTIVES.len()],
                    TRADES[(n / ADJECTIVES.len()) % TRADES.len()],
                    n + 1
                );
                let new = NewOrganization {
                    id: *id,
                    workspace_id,
                    name: &name,
                    name_key: &fold_case(&name),
                    logo_image_id: None,
                    settings: &settings,
                    created_at: now,
                };
                organizations::insert(&mut tx, &new).await?;
            }
            tx.commit().await?;
        }
        Ok(ids)
    }

    /// Agents in the pool; four in five are assigned, spread over the organizations.
    async fn seed_agents(
        &self,
        workspace_id: WorkspaceId,
        count: u32,
        organizations: &[OrganizationId],
    ) -> Result<Vec<(AgentId, Option<OrganizationId>)>, AppError> {
        let now = Timestamp::now();
        let ids: Vec<AgentId> = (0..count).map(|_| AgentId::new()).collect();
        let mut seeded = Vec::with_capacity(ids.len());
        for (batch, chunk) in ids.chunks(BATCH).enumerate() {
            let mut tx = self.db.begin().await?;
            for (offset, id) in chunk.iter().enumerate() {
                let n = batch * BATCH + offset;
                let name = format!("{} {}", ROLES[n % ROLES.len()], n + 1);
                let external_ref = format!("seed-agent-{}", id.as_uuid().simple());
                let fields = AgentFields {
                    name: &name,
                    name_key: &fold_case(&name),
                    kind: if n.is_multiple_of(3) {
                        AgentKind::Voice
                    } else {
                        AgentKind::Chat
                    },
                    description: "Answers questions and books appointments.",
                    avatar_image_id: None,
                    external_ref: Some(&external_ref),
                };
                agents::insert(&mut tx, workspace_id, *id, &fields, now).await?;
                let organization = (n % 5 != 4 && !organizations.is_empty())
                    .then(|| organizations[n % organizations.len()]);
                if let Some(organization) = organization {
                    agents::assign(&mut tx, workspace_id, *id, organization, None, now).await?;
                }
                seeded.push((*id, organization));
            }
            tx.commit().await?;
        }
        Ok(seeded)
    }

    async fn seed_users(
        &self,
        workspace_id: WorkspaceId,
        plan: &SeedPlan,
        organizations: &[OrganizationId],
        password_hash: &str,
    ) -> Result<u64, AppError> {
        let per = plan.users_per_organization as usize;
        let all: Vec<(usize, OrganizationId)> = organizations
            .iter()
            .enumerate()
            .flat_map(|(o, id)| (0..per).map(move |u| (o * per + u, *id)))
            .collect();
        let everything: Permissions = Permission::ALL.into_iter().collect();
        for chunk in all.chunks(BATCH) {
            // The texts each user borrows: email, name and folded name.
            let mut texts = Vec::with_capacity(chunk.len());
            for (n, _) in chunk {
                let first = FIRST_NAMES[n % FIRST_NAMES.len()];
                let last = LAST_NAMES[(n / FIRST_NAMES.len()) % LAST_NAMES.len()];
                let email = Email::parse(&format!("user{n}@client.example"))
                    .map_err(|e| AppError::invalid("email", e.to_string()))?;
                let name = format!("{first} {last}");
                let key = fold_case(&name);
                texts.push((email, name, key));
            }
            let users: Vec<NewClientUser> = chunk
                .iter()
                .zip(&texts)
                .map(|((n, organization_id), (email, name, key))| NewClientUser {
                    id: ClientUserId::new(),
                    workspace_id,
                    organization_id: *organization_id,
                    email,
                    name,
                    name_key: key,
                    password_hash: Some(password_hash),
                    permissions: if n.is_multiple_of(per.max(1)) {
                        everything
                    } else {
                        Permissions::new_user_default()
                    },
                    status: ClientUserStatus::Active,
                    image_id: None,
                    agent_access: AgentAccess::All,
                    created_at: Timestamp::now(),
                })
                .collect();
            let mut tx = self.db.begin().await?;
            client_users::insert_many(&mut tx, &users).await?;
            tx.commit().await?;
        }
        Ok(all.len() as u64)
    }

    /// A year of changes, oldest first, spread over the organizations and agents.
    async fn seed_activity(
        &self,
        workspace_id: WorkspaceId,
        count: u64,
        organizations: &[OrganizationId],
        agents: &[AgentId],
    ) -> Result<(), AppError> {
        const YEAR_MICROS: i64 = 365 * 24 * 3600 * 1_000_000;
        let start = Timestamp::now().unix_micros() - YEAR_MICROS;
        let step = YEAR_MICROS / i64::try_from(count.max(1)).unwrap_or(i64::MAX);
        let mut n: u64 = 0;
        while n < count {
            let size = (count - n).min(BATCH as u64 * 10);
            // The texts each entry borrows: its changes and its target's label.
            let texts: Vec<(u64, String, String)> = (n..n + size)
                .map(|i| {
                    let changes = format!("{{\"n\":{{\"before\":{i},\"after\":{}}}}}", i + 1);
                    (i, changes, format!("record {i}"))
                })
                .collect();
            let entries: Vec<NewActivity> = texts
                .iter()
                .map(|(i, changes, label)| {
                    let k = usize::try_from(*i).unwrap_or_default();
                    let (action, target_kind) = ACTIONS[k % ACTIONS.len()];
                    let at = start + step * i64::try_from(*i).unwrap_or_default();
                    NewActivity {
                        workspace_id,
                        organization_id: organizations.get(k % organizations.len().max(1)).copied(),
                        actor_kind: "system",
                        actor_id: None,
                        actor_label: "clientele dev seed",
                        real_actor_id: None,
                        action,
                        target_kind,
                        target_id: agents.get(k % agents.len().max(1)).map(|a| a.as_uuid()),
                        target_label: label,
                        changes,
                        ip: Some("203.0.113.7"),
                        user_agent: Some("Mozilla/5.0"),
                        created_at: Timestamp::try_from(at).unwrap_or_else(|_| Timestamp::now()),
                    }
                })
                .collect();
            let mut tx = self.db.begin().await?;
            activity::append_all(&mut tx, workspace_id, &entries).await?;
            tx.commit().await?;
            n += size;
        }
        Ok(())
    }
}

impl App {
    /// A year of conversations, oldest first, each with its messages, as the agents' runtimes
    /// would have reported them; the last few are still open. Written whole, a batch per
    /// statement, so a million conversations take minutes rather than hours.
    async fn seed_conversations(
        &self,
        workspace_id: WorkspaceId,
        plan: &SeedPlan,
        agents: &[(AgentId, OrganizationId)],
    ) -> Result<(), AppError> {
        const YEAR_MICROS: i64 = 365 * 24 * 3600 * 1_000_000;
        if agents.is_empty() {
            return Ok(());
        }
        let start = Timestamp::now().unix_micros() - YEAR_MICROS;
        let step = YEAR_MICROS / i64::try_from(plan.conversations.max(1)).unwrap_or(i64::MAX);
        let messages_per = usize::try_from(plan.messages_per_conversation).unwrap_or(0);
        let mut n: u64 = 0;
        while n < plan.conversations {
            let size = (plan.conversations - n).min(CONVERSATION_BATCH);
            let drafts: Vec<Draft> = (n..n + size)
                .map(|i| {
                    Draft::new(
                        i,
                        start + step * i64::try_from(i).unwrap_or_default(),
                        messages_per,
                    )
                })
                .collect();
            let complete: Vec<conversations::Complete> = drafts
                .iter()
                .map(|d| d.complete(workspace_id, agents, plan.conversations))
                .collect();
            let messages: Vec<NewMessage> = drafts
                .iter()
                .zip(&complete)
                .flat_map(|(d, c)| d.messages(workspace_id, c.id))
                .collect();
            let mut tx = self.db.begin().await?;
            conversations::insert_complete(&mut tx, &complete).await?;
            for chunk in messages.chunks(MESSAGE_BATCH) {
                messages::insert_all(&mut tx, chunk).await?;
            }
            tx.commit().await?;
            n += size;
        }
        Ok(())
    }
}

/// Conversations per statement (15 values each), and messages (7 each): both under SQLite's
/// 32,766 variables per statement.
const CONVERSATION_BATCH: u64 = 1000;
const MESSAGE_BATCH: usize = 4000;

/// One seeded conversation's texts, which its rows borrow.
struct Draft {
    i: u64,
    at: i64,
    external_id: String,
    email: String,
    message_ids: Vec<String>,
    texts: Vec<String>,
}

impl Draft {
    fn new(i: u64, at: i64, messages_per: usize) -> Self {
        let k = usize::try_from(i).unwrap_or_default();
        let name = CONTACTS[k % CONTACTS.len()];
        let external_id = format!("seed-{i}");
        let topic = TOPICS[k % TOPICS.len()];
        Self {
            i,
            at,
            email: format!("{}@example.net", name.to_lowercase().replace(' ', ".")),
            message_ids: (0..messages_per)
                .map(|m| format!("{external_id}-{m}"))
                .collect(),
            texts: (0..messages_per)
                .map(|m| {
                    SCRIPT[m % SCRIPT.len()]
                        .replace("{topic}", topic)
                        .replace("{reference}", &format!("R{i}"))
                })
                .collect(),
            external_id,
        }
    }

    fn time(&self, offset: usize) -> Timestamp {
        let micros = self.at + 20_000_000 * i64::try_from(offset).unwrap_or_default();
        Timestamp::try_from(micros).unwrap_or_else(|_| Timestamp::now())
    }

    fn complete<'a>(
        &'a self,
        workspace_id: WorkspaceId,
        agents: &[(AgentId, OrganizationId)],
        total: u64,
    ) -> conversations::Complete<'a> {
        let k = usize::try_from(self.i).unwrap_or_default();
        let (agent_id, organization_id) = agents[k % agents.len()];
        let open = total - self.i <= 20;
        let count = self.texts.len();
        conversations::Complete {
            id: ConversationId::new(),
            workspace_id,
            agent_id,
            organization_id: Some(organization_id),
            external_id: &self.external_id,
            channel: CHANNELS[k % CHANNELS.len()],
            contact_name: Some(CONTACTS[k % CONTACTS.len()]),
            contact_email: Some(&self.email),
            status: if open {
                ConversationStatus::Ai
            } else {
                ConversationStatus::Closed
            },
            outcome: (!open).then_some("resolved"),
            started_at: self.time(0),
            ended_at: (!open).then(|| self.time(count + 1)),
            last_message_at: self.time(count),
            last_message_text: self.texts.last().map_or("", String::as_str),
            message_count: i64::try_from(count).unwrap_or(i64::MAX),
        }
    }

    fn messages(
        &self,
        workspace_id: WorkspaceId,
        conversation_id: ConversationId,
    ) -> Vec<NewMessage<'_>> {
        self.message_ids
            .iter()
            .zip(&self.texts)
            .enumerate()
            .map(|(m, (external_id, text))| NewMessage {
                id: MessageId::new(),
                workspace_id,
                conversation_id,
                external_id,
                role: if m % 2 == 0 {
                    MessageRole::Contact
                } else {
                    MessageRole::Agent
                },
                text,
                sent_at: self.time(m + 1),
            })
            .collect()
    }
}

/// Who the seeded conversations are with, where, and what they say.
const CONTACTS: [&str; 8] = [
    "Dana Scott",
    "Omar Haddad",
    "Mei Lin",
    "Lucas Ferreira",
    "Priya Nair",
    "Tom Becker",
    "Amara Okafor",
    "Sofia Rossi",
];
const CHANNELS: [&str; 4] = ["web", "whatsapp", "phone", "web"];
/// What the conversations are about: a search for one finds about one in forty.
const TOPICS: [&str; 40] = [
    "cleaning",
    "whitening",
    "checkup",
    "filling",
    "implant",
    "crown",
    "braces",
    "extraction",
    "xray",
    "veneers",
    "denture",
    "bridge",
    "retainer",
    "sealant",
    "scaling",
    "polish",
    "consultation",
    "emergency",
    "toothache",
    "gumcare",
    "orthodontic",
    "aligner",
    "fluoride",
    "rootcanal",
    "wisdomtooth",
    "bonding",
    "inlay",
    "onlay",
    "mouthguard",
    "nightguard",
    "periodontal",
    "pediatric",
    "sedation",
    "invisalign",
    "bleaching",
    "repair",
    "followup",
    "hygiene",
    "screening",
    "cosmetic",
];
/// A conversation's messages, in turn; `{reference}` makes one word unique to it.
const SCRIPT: [&str; 6] = [
    "Hi, can I book a {topic} appointment for next week? My reference is {reference}.",
    "Of course. Which day suits you best?",
    "Tuesday morning, if possible.",
    "Tuesday at 9:30 is free. Shall I book it?",
    "Yes please, thank you!",
    "Done: you are booked for Tuesday at 9:30. See you then.",
];

fn capitalised(slug: &str) -> String {
    let mut chars = slug.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}
