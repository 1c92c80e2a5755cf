//! The authorization policy: one pure function decides whether an actor may take an action on
//! a resource. Services call it first. What it returns on success, a [`Permit`], can be made
//! nowhere else, and the one way a use case commits an actor's change with its activity entry
//! (the app's `activity::commit`) takes it, so such a change cannot be written
//! without the check. Store functions themselves take a plain workspace id: writes that are not
//! an actor's change (sign-in, a redeemed link, the outbox, one's own second factor, a bulk
//! import's single transaction) scope by the account or link that authorizes them. That every
//! route answers every kind of caller as the policy says, in its own workspace and a foreign
//! one, is proven over HTTP by the server's `matrix` test.

use crate::actor::{Actor, Principal};
use crate::id::{AgentId, ApiKeyId, ClientUserId, MemberId, OrganizationId, TeamId, WorkspaceId};
use crate::permission::{Permission, Permissions};
use crate::role::MemberRole;

/// Every product action the policy rules on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Read one's own account (`GET /me`).
    ReadOwnAccount,
    /// End one's own session.
    SignOut,
    /// Turn one's own second factor on or off, or read whether it is on.
    ManageOwnTwoFactor,
    ListMembers,
    /// Add an agency account with the given role.
    AddMember {
        role: MemberRole,
    },
    /// Change a member's role to `to`.
    ChangeMemberRole {
        to: MemberRole,
    },
    RemoveMember,
    /// Hand the owner role to another member (the owner becomes an admin).
    TransferOwnership,
    ListApiKeys,
    /// Create an API key acting with `role`.
    CreateApiKey {
        role: MemberRole,
    },
    RevokeApiKey,
    /// Read the workspace's full activity log.
    ReadActivityLog,
    ListOrganizations,
    CreateOrganization,
    /// Read an organization with its settings.
    ReadOrganization,
    /// Change an organization's name, logo or settings, except its plan.
    UpdateOrganization,
    /// Change the plan of an organization: its enabled sections and billing.
    SetOrganizationPlan,
    /// Require (or stop requiring) a second factor of an organization's users: the agency's
    /// rule, like the plan.
    SetOrganizationSecurity,
    DeleteOrganization,
    /// List the agents assigned to one organization.
    ListOrganizationAgents,
    /// List the workspace's agent pool.
    ListAgents,
    CreateAgent,
    ReadAgent,
    UpdateAgent,
    DeleteAgent,
    /// Assign an agent to an organization, move it to another, or return it to the pool.
    AssignAgent,
    /// Upload an image (a logo or an avatar).
    UploadImage,
    /// List an organization's users.
    ListClientUsers,
    /// Search client users across every organization of the workspace.
    SearchClientUsers,
    /// Add users to an organization, one at a time or from a file.
    CreateClientUser,
    ReadClientUser,
    /// Change a user's profile, permissions, agent access or password; disable or enable them.
    UpdateClientUser,
    /// Change a user's email or password: the person themselves or the agency, never another
    /// user of the organization (that would be a takeover inside it).
    ChangeClientUserCredentials,
    DeleteClientUser,
    /// Read who can open what in an organization.
    ReadAccessReport,
    ListTeams,
    ReadTeam,
    /// Create, rename, describe or delete a team, or change its members.
    ManageTeams,
    /// Read the workspace's brand and dashboard domains.
    ReadBrand,
    /// Change the brand, dashboard domains, email sender, SMTP settings and email templates.
    ManageWorkspaceSettings,
    /// Read an organization's conversations and their transcripts.
    ReadConversations,
    /// Issue, rotate or revoke an agent's runtime key: a credential, so the owner and admins.
    ManageRuntimeConnection,
    /// Set how long conversations are kept, and erase a contact's: both destroy conversations,
    /// so the owner and admins.
    ManageDataRetention,
    /// Set where links to the console point, member invitations and password resets included:
    /// whoever sets it receives those links, so only the owner may.
    SetConsoleUrl,
    /// Read the emails the workspace has queued and sent, with their bodies (links hidden).
    ReadOutbox,
    /// Open the client dashboard as one of its users ("Log in as").
    PreviewClientUser,
    /// Remove someone else's second factor when they lost both their app and their recovery
    /// codes: a member's (owner and admins), or a client user's (the agency).
    ResetTwoFactor,
}

/// What an action is taken on, with the tenant it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    Workspace(WorkspaceId),
    Member {
        workspace_id: WorkspaceId,
        id: MemberId,
        role: MemberRole,
    },
    ApiKey {
        workspace_id: WorkspaceId,
        id: ApiKeyId,
    },
    Organization {
        workspace_id: WorkspaceId,
        id: OrganizationId,
    },
    Agent {
        workspace_id: WorkspaceId,
        id: AgentId,
    },
    ClientUser {
        workspace_id: WorkspaceId,
        organization_id: OrganizationId,
        id: ClientUserId,
    },
    Team {
        workspace_id: WorkspaceId,
        organization_id: OrganizationId,
        id: TeamId,
    },
}

impl Resource {
    pub fn workspace_id(&self) -> WorkspaceId {
        match *self {
            Self::Workspace(id) => id,
            Self::Member { workspace_id, .. }
            | Self::ApiKey { workspace_id, .. }
            | Self::Organization { workspace_id, .. }
            | Self::Agent { workspace_id, .. }
            | Self::ClientUser { workspace_id, .. }
            | Self::Team { workspace_id, .. } => workspace_id,
        }
    }

    /// The organization the resource belongs to, if it belongs to one.
    fn organization_id(&self) -> Option<OrganizationId> {
        match *self {
            Self::Organization { id, .. } => Some(id),
            Self::ClientUser {
                organization_id, ..
            }
            | Self::Team {
                organization_id, ..
            } => Some(organization_id),
            _ => None,
        }
    }

    /// Whether the resource lies outside what the actor can see at all: another workspace, or
    /// for a client user, another organization.
    fn is_foreign_to(&self, actor: &Actor) -> bool {
        if self.workspace_id() != actor.workspace_id {
            return true;
        }
        match (self.organization_id(), &actor.principal) {
            (
                Some(id),
                Principal::ClientUser {
                    organization_id, ..
                },
            ) => id != *organization_id,
            _ => false,
        }
    }
}

/// Why the policy refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The resource belongs to another tenant; answered exactly like a missing one.
    #[error("not found")]
    Foreign,
    /// Inside one's own tenant, a right the actor lacks.
    #[error("{0}")]
    Forbidden(&'static str),
}

/// Proof that the policy allowed an action in a workspace; only [`authorize`] makes one.
#[derive(Debug)]
pub struct Permit {
    workspace_id: WorkspaceId,
    action: Action,
}

impl Permit {
    /// The tenant the permitted action is confined to.
    pub fn workspace_id(&self) -> WorkspaceId {
        self.workspace_id
    }

    pub fn action(&self) -> Action {
        self.action
    }
}

/// Decides whether `actor` may take `action` on `resource`.
pub fn authorize(actor: &Actor, action: Action, resource: &Resource) -> Result<Permit, Denied> {
    if resource.is_foreign_to(actor) {
        return Err(Denied::Foreign);
    }
    rule(actor, action, resource)?;
    Ok(Permit {
        workspace_id: actor.workspace_id,
        action,
    })
}

fn rule(actor: &Actor, action: Action, resource: &Resource) -> Result<(), Denied> {
    use Action::*;
    let role = actor.agency_role();
    let is_member_session = matches!(actor.principal, Principal::Member { .. });
    let manages = role.is_some_and(|r| r.manages_workspace());
    let is_org_admin = matches!(
        &actor.principal,
        Principal::ClientUser { permissions, .. } if permissions.contains(Permission::OrgAdmin)
    );
    match action {
        ChangeClientUserCredentials => match (&actor.principal, resource) {
            (Principal::ClientUser { id, .. }, Resource::ClientUser { id: target, .. })
                if id == target =>
            {
                Ok(())
            }
            _ if role.is_some() => Ok(()),
            _ => Err(Denied::Forbidden(
                "a person's email and password are changed by themselves, by a reset email or by the agency",
            )),
        },
        ListOrganizations
        | CreateOrganization
        | ReadOrganization
        | UpdateOrganization
        | SetOrganizationPlan
        | SetOrganizationSecurity
        | DeleteOrganization
        | ListOrganizationAgents
        | ListAgents
        | CreateAgent
        | ReadAgent
        | UpdateAgent
        | DeleteAgent
        | AssignAgent
        | UploadImage
        | ListClientUsers
        | SearchClientUsers
        | CreateClientUser
        | ReadClientUser
        | UpdateClientUser
        | DeleteClientUser
        | ReadAccessReport
        | ListTeams
        | ReadTeam
        | ManageTeams => client_work(action, role.is_some(), is_org_admin),
        ReadOwnAccount => Ok(()),
        SignOut if matches!(actor.principal, Principal::ApiKey { .. }) => {
            Err(Denied::Forbidden("an API key has no session to end"))
        }
        SignOut => Ok(()),
        ManageOwnTwoFactor
            if matches!(actor.principal, Principal::ApiKey { .. })
                || actor.impersonated_by.is_some() =>
        {
            Err(Denied::Forbidden(
                "a second factor belongs to a person's own sign-in",
            ))
        }
        ManageOwnTwoFactor => Ok(()),
        ReadConversations if role.is_some() => Ok(()),
        ReadConversations => match &actor.principal {
            Principal::ClientUser { permissions, .. }
                if permissions.contains(Permission::Conversations) =>
            {
                Ok(())
            }
            _ => Err(Denied::Forbidden(
                "only users who hold the Conversations section see conversations",
            )),
        },
        ReadBrand if role.is_some() => Ok(()),
        ReadBrand => Err(Denied::Forbidden(
            "only agency accounts see the brand settings",
        )),
        ResetTwoFactor if !is_member_session => Err(Denied::Forbidden(
            "a second factor is reset by a signed-in person of the agency",
        )),
        ResetTwoFactor => match resource {
            Resource::ClientUser { .. } => Ok(()),
            Resource::Member { .. } if targets_owner(resource) => {
                Err(Denied::Forbidden("nobody resets the owner's second factor"))
            }
            Resource::Member { id, .. } if matches!(actor.principal, Principal::Member { id: own, .. } if own == *id) => {
                Err(Denied::Forbidden(
                    "turn your own second factor off on your Account security page",
                ))
            }
            Resource::Member { .. } if manages => Ok(()),
            _ => Err(Denied::Forbidden(
                "only the owner and admins reset a member's second factor",
            )),
        },
        PreviewClientUser if !is_member_session || actor.impersonated_by.is_some() => Err(
            Denied::Forbidden("only a signed-in agency member can open a preview"),
        ),
        PreviewClientUser => Ok(()),
        ListMembers if role.is_some() => Ok(()),
        ListMembers => Err(Denied::Forbidden(
            "only agency accounts see the workspace's members",
        )),
        _ if !manages => Err(Denied::Forbidden(
            "only the owner and admins manage the workspace",
        )),
        AddMember {
            role: MemberRole::Owner,
        }
        | ChangeMemberRole {
            to: MemberRole::Owner,
        } => Err(Denied::Forbidden(
            "the owner role changes hands only by transferring ownership",
        )),
        ChangeMemberRole { .. } | RemoveMember if targets_owner(resource) => {
            Err(Denied::Forbidden("nobody can demote or remove the owner"))
        }
        // A key that could add a person with a password of its choosing could sign in as them
        // and do what keys may not (create keys); people and their roles are managed by people.
        AddMember { .. } | ChangeMemberRole { .. } if !is_member_session => Err(Denied::Forbidden(
            "members and their roles are managed by people, not by API keys",
        )),
        AddMember { .. }
        | ChangeMemberRole { .. }
        | RemoveMember
        | ListApiKeys
        | ReadActivityLog
        | ManageWorkspaceSettings
        | ManageRuntimeConnection
        | ManageDataRetention
        | ReadOutbox => Ok(()),
        CreateApiKey { .. } | RevokeApiKey if !is_member_session => Err(Denied::Forbidden(
            "API keys are managed by people, not by other keys",
        )),
        CreateApiKey {
            role: MemberRole::Owner,
        } => Err(Denied::Forbidden(
            "an API key can act as admin or member, never owner",
        )),
        CreateApiKey { .. } | RevokeApiKey => Ok(()),
        SetConsoleUrl if role != Some(MemberRole::Owner) || !is_member_session => Err(
            Denied::Forbidden("only the owner can change where console links point"),
        ),
        SetConsoleUrl => Ok(()),
        TransferOwnership if role != Some(MemberRole::Owner) || !is_member_session => {
            Err(Denied::Forbidden("only the owner can transfer ownership"))
        }
        TransferOwnership if actor.impersonated_by.is_some() => Err(Denied::Forbidden(
            "ownership cannot be transferred during a preview",
        )),
        TransferOwnership if targets_owner(resource) => Err(Denied::Forbidden(
            "choose another member to become the owner",
        )),
        TransferOwnership => Ok(()),
    }
}

/// Work on clients and agents: every agency account may do it whatever its role; an
/// organization's admins may look after their own organization: its details and settings,
/// its users and its teams.
fn client_work(action: Action, is_agency: bool, is_org_admin: bool) -> Result<(), Denied> {
    use Action::*;
    let org_admin_may = matches!(
        action,
        ReadOrganization
            | UpdateOrganization
            | ListOrganizationAgents
            | UploadImage
            | ListClientUsers
            | CreateClientUser
            | ReadClientUser
            | UpdateClientUser
            | DeleteClientUser
            | ReadAccessReport
            | ListTeams
            | ReadTeam
            | ManageTeams
    );
    if is_agency || (is_org_admin && org_admin_may) {
        Ok(())
    } else if org_admin_may {
        Err(Denied::Forbidden(
            "only the organization's admins can do this",
        ))
    } else {
        Err(Denied::Forbidden("only the agency can do this"))
    }
}

/// Whether `actor` may give a user the sections in `added` (those the user did not hold): the
/// agency grants anything within the plan; a client user only what they hold themselves.
pub fn may_grant(actor: &Actor, added: Permissions) -> Result<(), Denied> {
    match &actor.principal {
        Principal::ClientUser { permissions, .. } if !added.without(*permissions).is_empty() => {
            Err(Denied::Forbidden(
                "you can grant only the sections you hold yourself",
            ))
        }
        _ => Ok(()),
    }
}

fn targets_owner(resource: &Resource) -> bool {
    matches!(
        resource,
        Resource::Member {
            role: MemberRole::Owner,
            ..
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::permission::{Permission, Permissions};
    use Action::*;
    use proptest::prelude::*;

    fn member(workspace_id: WorkspaceId, role: MemberRole) -> Actor {
        Actor {
            workspace_id,
            label: String::new(),
            principal: Principal::Member {
                id: MemberId::new(),
                role,
            },
            impersonated_by: None,
        }
    }

    fn api_key(workspace_id: WorkspaceId, role: MemberRole) -> Actor {
        Actor {
            workspace_id,
            label: String::new(),
            principal: Principal::ApiKey {
                id: ApiKeyId::new(),
                role,
            },
            impersonated_by: None,
        }
    }

    fn client_user(workspace_id: WorkspaceId) -> Actor {
        client_of(workspace_id, OrganizationId::new(), &Permission::ALL)
    }

    fn client_of(
        workspace_id: WorkspaceId,
        organization_id: OrganizationId,
        permissions: &[Permission],
    ) -> Actor {
        Actor {
            workspace_id,
            label: String::new(),
            principal: Principal::ClientUser {
                id: ClientUserId::new(),
                organization_id,
                permissions: permissions.iter().copied().collect::<Permissions>(),
            },
            impersonated_by: None,
        }
    }

    fn organization_of(actor: &Actor) -> Resource {
        let Principal::ClientUser {
            organization_id, ..
        } = actor.principal
        else {
            unreachable!()
        };
        Resource::Organization {
            workspace_id: actor.workspace_id,
            id: organization_id,
        }
    }

    fn user_of(organization: &Resource) -> Resource {
        Resource::ClientUser {
            workspace_id: organization.workspace_id(),
            organization_id: organization.organization_id().unwrap(),
            id: ClientUserId::new(),
        }
    }

    fn team_of(organization: &Resource) -> Resource {
        Resource::Team {
            workspace_id: organization.workspace_id(),
            organization_id: organization.organization_id().unwrap(),
            id: TeamId::new(),
        }
    }

    fn a_member(workspace_id: WorkspaceId, role: MemberRole) -> Resource {
        Resource::Member {
            workspace_id,
            id: MemberId::new(),
            role,
        }
    }

    const ALL_ACTIONS: [Action; 51] = [
        ReadOwnAccount,
        SignOut,
        ManageOwnTwoFactor,
        ListMembers,
        AddMember {
            role: MemberRole::Admin,
        },
        AddMember {
            role: MemberRole::Member,
        },
        AddMember {
            role: MemberRole::Owner,
        },
        ChangeMemberRole {
            to: MemberRole::Admin,
        },
        ChangeMemberRole {
            to: MemberRole::Member,
        },
        ChangeMemberRole {
            to: MemberRole::Owner,
        },
        RemoveMember,
        TransferOwnership,
        ListApiKeys,
        CreateApiKey {
            role: MemberRole::Admin,
        },
        RevokeApiKey,
        ReadActivityLog,
        ListOrganizations,
        CreateOrganization,
        ReadOrganization,
        UpdateOrganization,
        SetOrganizationPlan,
        SetOrganizationSecurity,
        DeleteOrganization,
        ListOrganizationAgents,
        ListAgents,
        CreateAgent,
        ReadAgent,
        UpdateAgent,
        DeleteAgent,
        AssignAgent,
        UploadImage,
        ListClientUsers,
        SearchClientUsers,
        CreateClientUser,
        ReadClientUser,
        UpdateClientUser,
        ChangeClientUserCredentials,
        DeleteClientUser,
        ReadAccessReport,
        ListTeams,
        ReadTeam,
        ManageTeams,
        ReadBrand,
        ManageWorkspaceSettings,
        ManageRuntimeConnection,
        ManageDataRetention,
        ReadConversations,
        SetConsoleUrl,
        ReadOutbox,
        PreviewClientUser,
        ResetTwoFactor,
    ];

    /// The expected answer for every action and actor kind, on a member (role `member`) of the
    /// actor's own workspace: `A` allowed, `F` forbidden.
    #[test]
    fn every_action_for_every_actor_kind_matches_the_table() {
        let ws = WorkspaceId::new();
        let actors = [
            ("owner", member(ws, MemberRole::Owner)),
            ("admin", member(ws, MemberRole::Admin)),
            ("member", member(ws, MemberRole::Member)),
            ("admin key", api_key(ws, MemberRole::Admin)),
            ("member key", api_key(ws, MemberRole::Member)),
            ("client user", client_user(ws)),
        ];
        #[rustfmt::skip]
        let table: [(Action, &str); 51] = [
            //                                           owner admin member akey mkey client
            (ReadOwnAccount,                             "A A A A A A"),
            (SignOut,                                    "A A A F F A"),
            (ManageOwnTwoFactor,                         "A A A F F A"),
            (ListMembers,                                "A A A A A F"),
            (AddMember { role: MemberRole::Admin },      "A A F F F F"),
            (AddMember { role: MemberRole::Member },     "A A F F F F"),
            (AddMember { role: MemberRole::Owner },      "F F F F F F"),
            (ChangeMemberRole { to: MemberRole::Admin }, "A A F F F F"),
            (ChangeMemberRole { to: MemberRole::Member },"A A F F F F"),
            (ChangeMemberRole { to: MemberRole::Owner }, "F F F F F F"),
            (RemoveMember,                               "A A F A F F"),
            (TransferOwnership,                          "A F F F F F"),
            (ListApiKeys,                                "A A F A F F"),
            (CreateApiKey { role: MemberRole::Admin },   "A A F F F F"),
            (RevokeApiKey,                               "A A F F F F"),
            (ReadActivityLog,                            "A A F A F F"),
            (ListOrganizations,                          "A A A A A F"),
            (CreateOrganization,                         "A A A A A F"),
            (ReadOrganization,                           "A A A A A A"),
            (UpdateOrganization,                         "A A A A A A"),
            (SetOrganizationPlan,                        "A A A A A F"),
            (SetOrganizationSecurity,                    "A A A A A F"),
            (DeleteOrganization,                         "A A A A A F"),
            (ListOrganizationAgents,                     "A A A A A A"),
            (ListAgents,                                 "A A A A A F"),
            (CreateAgent,                                "A A A A A F"),
            (ReadAgent,                                  "A A A A A F"),
            (UpdateAgent,                                "A A A A A F"),
            (DeleteAgent,                                "A A A A A F"),
            (AssignAgent,                                "A A A A A F"),
            (UploadImage,                                "A A A A A A"),
            (ListClientUsers,                            "A A A A A A"),
            (SearchClientUsers,                          "A A A A A F"),
            (CreateClientUser,                           "A A A A A A"),
            (ReadClientUser,                             "A A A A A A"),
            (UpdateClientUser,                           "A A A A A A"),
            (ChangeClientUserCredentials,                "A A A A A F"),
            (DeleteClientUser,                           "A A A A A A"),
            (ReadAccessReport,                           "A A A A A A"),
            (ListTeams,                                  "A A A A A A"),
            (ReadTeam,                                   "A A A A A A"),
            (ManageTeams,                                "A A A A A A"),
            (ReadBrand,                                  "A A A A A F"),
            (ManageWorkspaceSettings,                    "A A F A F F"),
            (ManageRuntimeConnection,                    "A A F A F F"),
            (ManageDataRetention,                        "A A F A F F"),
            (ReadConversations,                          "A A A A A A"),
            (SetConsoleUrl,                              "A F F F F F"),
            (ReadOutbox,                                 "A A F A F F"),
            (PreviewClientUser,                          "A A A F F F"),
            (ResetTwoFactor,                             "A A F F F F"),
        ];
        assert_eq!(table.len(), ALL_ACTIONS.len());
        for (action, expected) in table {
            let target = match action {
                RevokeApiKey => Resource::ApiKey {
                    workspace_id: ws,
                    id: ApiKeyId::new(),
                },
                ReadOrganization
                | UpdateOrganization
                | SetOrganizationPlan
                | SetOrganizationSecurity
                | DeleteOrganization
                | ListOrganizationAgents
                | ListClientUsers
                | CreateClientUser
                | ReadAccessReport
                | ListTeams => organization_of(&actors[5].1),
                ReadClientUser
                | UpdateClientUser
                | ChangeClientUserCredentials
                | DeleteClientUser => user_of(&organization_of(&actors[5].1)),
                ReadTeam | ManageTeams => team_of(&organization_of(&actors[5].1)),
                ReadAgent | UpdateAgent | DeleteAgent | AssignAgent => Resource::Agent {
                    workspace_id: ws,
                    id: AgentId::new(),
                },
                _ => a_member(ws, MemberRole::Member),
            };
            for ((name, actor), want) in actors.iter().zip(expected.split(' ')) {
                let got = if authorize(actor, action, &target).is_ok() {
                    "A"
                } else {
                    "F"
                };
                assert_eq!(got, want, "{name} doing {action:?}");
            }
        }
    }

    #[test]
    fn nobody_demotes_or_removes_the_owner() {
        let ws = WorkspaceId::new();
        let owner_target = a_member(ws, MemberRole::Owner);
        for actor in [
            member(ws, MemberRole::Owner),
            member(ws, MemberRole::Admin),
            api_key(ws, MemberRole::Admin),
        ] {
            for action in [
                ChangeMemberRole {
                    to: MemberRole::Admin,
                },
                ChangeMemberRole {
                    to: MemberRole::Member,
                },
                RemoveMember,
            ] {
                assert!(matches!(
                    authorize(&actor, action, &owner_target),
                    Err(Denied::Forbidden(_))
                ));
            }
        }
    }

    #[test]
    fn an_owner_previewing_as_someone_cannot_transfer_ownership() {
        let ws = WorkspaceId::new();
        let mut actor = member(ws, MemberRole::Owner);
        actor.impersonated_by = Some(MemberId::new());
        assert!(authorize(&actor, TransferOwnership, &a_member(ws, MemberRole::Admin)).is_err());
    }

    #[test]
    fn a_client_user_sees_no_other_organization_and_edits_its_own_only_as_admin() {
        let ws = WorkspaceId::new();
        let own = OrganizationId::new();
        let admin = client_of(ws, own, &[Permission::OrgAdmin]);
        let user = client_of(ws, own, &Permission::SECTIONS);
        let other = Resource::Organization {
            workspace_id: ws,
            id: OrganizationId::new(),
        };
        for action in [ReadOrganization, UpdateOrganization, ListOrganizationAgents] {
            assert_eq!(
                authorize(&admin, action, &other).unwrap_err(),
                Denied::Foreign
            );
            assert!(authorize(&admin, action, &organization_of(&admin)).is_ok());
            assert!(matches!(
                authorize(&user, action, &organization_of(&user)),
                Err(Denied::Forbidden(_))
            ));
        }
        assert!(authorize(&admin, SetOrganizationPlan, &organization_of(&admin)).is_err());
    }

    #[test]
    fn an_org_admin_manages_the_users_and_teams_of_its_own_organization_only() {
        let ws = WorkspaceId::new();
        let own = OrganizationId::new();
        let admin = client_of(ws, own, &[Permission::OrgAdmin]);
        let user = client_of(ws, own, &Permission::SECTIONS);
        let other = Resource::Organization {
            workspace_id: ws,
            id: OrganizationId::new(),
        };
        let mine = organization_of(&admin);
        for (action, target) in [
            (ListClientUsers, mine),
            (UpdateClientUser, user_of(&mine)),
            (DeleteClientUser, user_of(&mine)),
            (ManageTeams, team_of(&mine)),
        ] {
            assert!(authorize(&admin, action, &target).is_ok(), "{action:?}");
            assert!(matches!(
                authorize(&user, action, &target),
                Err(Denied::Forbidden(_))
            ));
        }
        for target in [other, user_of(&other), team_of(&other)] {
            for action in [ListClientUsers, ReadClientUser, ReadTeam, ManageTeams] {
                assert_eq!(
                    authorize(&admin, action, &target).unwrap_err(),
                    Denied::Foreign
                );
            }
        }
        assert!(authorize(&admin, SearchClientUsers, &Resource::Workspace(ws)).is_err());
    }

    #[test]
    fn a_permit_is_confined_to_the_actors_workspace() {
        let ws = WorkspaceId::new();
        let permit = authorize(
            &member(ws, MemberRole::Admin),
            ListApiKeys,
            &Resource::Workspace(ws),
        )
        .unwrap();
        assert_eq!(permit.workspace_id(), ws);
    }

    fn any_role() -> impl Strategy<Value = MemberRole> {
        prop_oneof![
            Just(MemberRole::Owner),
            Just(MemberRole::Admin),
            Just(MemberRole::Member)
        ]
    }

    fn any_action() -> impl Strategy<Value = Action> {
        (0..ALL_ACTIONS.len()).prop_map(|i| ALL_ACTIONS[i])
    }

    proptest! {
        #[test]
        fn no_action_touches_a_foreign_tenant(role in any_role(), action in any_action(), target_role in any_role(), key in any::<bool>()) {
            let (own, foreign) = (WorkspaceId::new(), WorkspaceId::new());
            let actor = if key { api_key(own, role) } else { member(own, role) };
            for resource in [Resource::Workspace(foreign), a_member(foreign, target_role), Resource::ApiKey { workspace_id: foreign, id: ApiKeyId::new() }, Resource::Organization { workspace_id: foreign, id: OrganizationId::new() }, Resource::Agent { workspace_id: foreign, id: AgentId::new() }, Resource::ClientUser { workspace_id: foreign, organization_id: OrganizationId::new(), id: ClientUserId::new() }, Resource::Team { workspace_id: foreign, organization_id: OrganizationId::new(), id: TeamId::new() }] {
                prop_assert_eq!(authorize(&actor, action, &resource).unwrap_err(), Denied::Foreign);
            }
        }

        #[test]
        fn nobody_grants_beyond_what_they_hold(held in any::<u16>(), added in any::<u16>()) {
            let (held, added) = (Permissions::from_bits(held), Permissions::from_bits(added));
            let ws = WorkspaceId::new();
            let actor = client_of(ws, OrganizationId::new(), &held.iter().collect::<Vec<_>>());
            prop_assert_eq!(may_grant(&actor, added).is_ok(), added.without(held).is_empty());
            prop_assert!(may_grant(&member(ws, MemberRole::Member), added).is_ok(), "the agency grants within the plan");
        }

        #[test]
        fn nobody_raises_their_own_role(role in any_role(), to in any_role()) {
            let ws = WorkspaceId::new();
            let actor = member(ws, role);
            let Principal::Member { id, .. } = actor.principal else { unreachable!() };
            let myself = Resource::Member { workspace_id: ws, id, role };
            let rank = |r: MemberRole| match r { MemberRole::Owner => 2, MemberRole::Admin => 1, MemberRole::Member => 0 };
            if rank(to) > rank(role) {
                let raise = ChangeMemberRole { to };
                prop_assert!(authorize(&actor, raise, &myself).is_err());
            }
        }

        #[test]
        fn a_member_manages_no_accounts_keys_or_log(index in 0..15_usize, key in any::<bool>()) {
            let action = ALL_ACTIONS[index];
            let ws = WorkspaceId::new();
            let actor = if key { api_key(ws, MemberRole::Member) } else { member(ws, MemberRole::Member) };
            let allowed = authorize(&actor, action, &a_member(ws, MemberRole::Member)).is_ok();
            prop_assert_eq!(allowed, matches!(action, ReadOwnAccount | ListMembers) || (matches!(action, SignOut | ManageOwnTwoFactor) && !key));
        }
    }
}
