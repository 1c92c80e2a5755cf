//! Adding many users to one organization from a CSV file: every row is checked first, then
//! all are written in one transaction, or none when any row is wrong.

use crate::clients::client_users::{created_changes, email_conflict, grant};
use crate::error::{AppError, FieldError, Validation};
use crate::workspace::activity::Author;
use crate::{App, RequestContext};
use clientele_domain::organization::fold_case;
use clientele_domain::{
    Action, Actor, AgentAccess, ClientUserId, ClientUserName, ClientUserStatus, Email,
    OrganizationId, Permissions, TeamId, TeamRole, Timestamp, may_grant,
};
use clientele_store::clients::client_users::{self, NewClientUser};
use clientele_store::clients::teams::{self, NewMembership};
use clientele_store::workspace::activity::{self, NewActivity};
use std::collections::HashMap;

/// The most users one file may add.
pub const MAX_ROWS: usize = 1000;

/// One valid row of the file.
struct Row {
    line: u64,
    name: ClientUserName,
    email: Email,
    permissions: Permissions,
    teams: Vec<TeamId>,
}

/// The users an import created, in file order.
#[derive(Debug)]
pub struct Imported {
    pub users: Vec<(ClientUserId, String)>,
}

impl App {
    /// Creates the users of a CSV file (columns `name`, `email`, and optionally `permissions`
    /// and `teams`, several values separated by `;`) as invited users of one organization.
    #[tracing::instrument(skip_all)]
    pub async fn import_client_users(
        &self,
        actor: &Actor,
        organization_id: OrganizationId,
        file: &[u8],
        context: &RequestContext,
    ) -> Result<Imported, AppError> {
        let (organization, permit) = self
            .organization_permit(actor, organization_id, Action::CreateClientUser)
            .await?;
        let workspace_id = permit.workspace_id();
        let records = read(file)?;
        let mut tx = self.db.begin().await?;
        let teams: HashMap<String, TeamId> = teams::list_in(&mut tx, workspace_id, organization_id)
            .await?
            .into_iter()
            .map(|t| (t.name_key, t.id))
            .collect();
        let plan = organization.settings().enabled_sections;
        let rows = validate(&records, plan, &teams)?;
        let granted: Permissions = rows.iter().flat_map(|r| r.permissions.iter()).collect();
        may_grant(actor, granted)?;
        let emails: Vec<String> = rows.iter().map(|r| r.email.as_str().to_owned()).collect();
        let taken = client_users::taken_emails(&mut tx, workspace_id, &emails).await?;
        if !taken.is_empty() {
            return Err(AppError::Invalid(
                rows.iter()
                    .filter(|r| taken.iter().any(|t| t == r.email.as_str()))
                    .map(|r| {
                        row_error(
                            r.line,
                            "email",
                            "a user of this workspace already has this email",
                        )
                    })
                    .collect(),
            ));
        }
        let at = Timestamp::now();
        let ids: Vec<ClientUserId> = rows.iter().map(|_| ClientUserId::new()).collect();
        let keys: Vec<String> = rows.iter().map(|r| fold_case(r.name.as_str())).collect();
        let new_users: Vec<NewClientUser<'_>> = rows
            .iter()
            .zip(&ids)
            .zip(&keys)
            .map(|((row, id), key)| NewClientUser {
                id: *id,
                workspace_id,
                organization_id,
                email: &row.email,
                name: row.name.as_str(),
                name_key: key,
                password_hash: None,
                permissions: row.permissions,
                status: ClientUserStatus::Invited,
                image_id: None,
                agent_access: AgentAccess::All,
                created_at: at,
            })
            .collect();
        client_users::insert_many(&mut tx, &new_users)
            .await
            .map_err(email_conflict)?;
        let memberships: Vec<NewMembership> = rows
            .iter()
            .zip(&ids)
            .flat_map(|(row, id)| {
                row.teams.iter().map(move |team| NewMembership {
                    team_id: *team,
                    client_user_id: *id,
                    role: TeamRole::Member,
                    added_at: at,
                })
            })
            .collect();
        teams::put_members(&mut tx, &memberships).await?;
        let author = Author::of(actor);
        let changes: Vec<String> = new_users
            .iter()
            .map(|u| created_changes(u, &[]).set("source", "import").to_json())
            .collect();
        let entries: Vec<NewActivity<'_>> = new_users
            .iter()
            .zip(&changes)
            .map(|(user, changes)| NewActivity {
                workspace_id,
                organization_id: Some(organization_id),
                actor_kind: author.kind,
                actor_id: author.id,
                actor_label: author.label,
                real_actor_id: author.real,
                action: "client_user.created",
                target_kind: "client_user",
                target_id: Some(user.id.as_uuid()),
                target_label: user.name,
                changes,
                ip: context.ip.as_deref(),
                user_agent: context.user_agent.as_deref(),
                created_at: at,
            })
            .collect();
        activity::append_all(&mut tx, workspace_id, &entries).await?;
        tx.commit().await?;
        Ok(Imported {
            users: ids
                .into_iter()
                .zip(rows.into_iter().map(|r| r.email.as_str().to_owned()))
                .collect(),
        })
    }
}

/// A record of the file: its line and its cells by column.
struct Record {
    line: u64,
    name: String,
    email: String,
    permissions: Option<String>,
    teams: Option<String>,
}

/// How many user rows a CSV file holds, or why it is refused: the parser alone, writing
/// nothing (the fuzz target `csv_import` drives it).
pub fn rows_in(file: &[u8]) -> Result<usize, AppError> {
    read(file).map(|records| records.len())
}

/// Reads the file's header and records; a malformed file is refused whole.
fn read(file: &[u8]) -> Result<Vec<Record>, AppError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(file);
    let header = reader
        .headers()
        .map_err(|e| AppError::invalid("file", format!("is not a CSV file: {e}")))?
        .clone();
    let column = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let mut check = Validation::default();
    for cell in header.iter() {
        if !["name", "email", "permissions", "teams"]
            .iter()
            .any(|known| cell.eq_ignore_ascii_case(known))
        {
            check.fail(
                "file",
                format!(
                    "unknown column \"{cell}\"; the columns are name, email, permissions, teams"
                ),
            );
        }
    }
    let (Some(name), Some(email)) = (column("name"), column("email")) else {
        check.fail(
            "file",
            "the first line must name the columns, with at least name and email",
        );
        check.finish()?;
        return Ok(Vec::new());
    };
    check.finish()?;
    let (permissions, teams) = (column("permissions"), column("teams"));
    let mut records = Vec::new();
    for result in reader.records() {
        let record = result.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            row_error_only(line, "file", format!("cannot be read: {e}"))
        })?;
        if records.len() == MAX_ROWS {
            return Err(AppError::invalid(
                "file",
                format!("has more than {MAX_ROWS} users; split it into several files"),
            ));
        }
        let cell = |index: Option<usize>| index.and_then(|i| record.get(i)).map(str::to_owned);
        records.push(Record {
            line: record.position().map_or(0, |p| p.line()),
            name: cell(Some(name)).unwrap_or_default(),
            email: cell(Some(email)).unwrap_or_default(),
            permissions: cell(permissions).filter(|p| !p.is_empty()),
            teams: cell(teams).filter(|t| !t.is_empty()),
        });
    }
    if records.is_empty() {
        return Err(AppError::invalid(
            "file",
            "has no users after its header line",
        ));
    }
    Ok(records)
}

/// Checks every record, reporting every problem of every row at once.
fn validate(
    records: &[Record],
    plan: Permissions,
    teams: &HashMap<String, TeamId>,
) -> Result<Vec<Row>, AppError> {
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut first_line_of: HashMap<String, u64> = HashMap::new();
    for record in records {
        let mut check = Validation::default();
        let name = check.check("name", ClientUserName::parse(&record.name));
        let email = check.check("email", Email::parse(&record.email));
        let names: Option<Vec<String>> = record.permissions.as_deref().map(|p| {
            p.split(';')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        });
        let permissions = grant(&mut check, names.as_deref(), None, plan)
            .unwrap_or_else(Permissions::new_user_default);
        let mut team_ids = Vec::new();
        for team in record
            .teams
            .iter()
            .flat_map(|t| t.split(';'))
            .map(str::trim)
        {
            match teams.get(&fold_case(team)) {
                Some(id) if !team_ids.contains(id) => team_ids.push(*id),
                Some(_) => {}
                None if team.is_empty() => {}
                None => check.fail(
                    "teams",
                    format!("the organization has no team named \"{team}\""),
                ),
            }
        }
        if let Some(email) = &email
            && let Some(first) = first_line_of.insert(email.as_str().to_owned(), record.line)
        {
            check.fail("email", format!("appears already on line {first}"));
        }
        if let Err(AppError::Invalid(fields)) = check.finish() {
            errors.extend(
                fields
                    .into_iter()
                    .map(|f| row_error(record.line, &f.field, f.message)),
            );
            continue;
        }
        if let (Some(name), Some(email)) = (name, email) {
            rows.push(Row {
                line: record.line,
                name,
                email,
                permissions,
                teams: team_ids,
            });
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(AppError::Invalid(errors))
    }
}

/// An error of one cell, named `line N: column` after the file's own line numbers.
fn row_error(line: u64, field: &str, message: impl Into<String>) -> FieldError {
    let field = field.split('[').next().unwrap_or(field);
    FieldError {
        field: format!("line {line}: {field}"),
        message: message.into(),
    }
}

fn row_error_only(line: u64, field: &str, message: String) -> AppError {
    AppError::Invalid(vec![row_error(line, field, message)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_of(file: &str) -> Vec<String> {
        let teams = HashMap::from([("support".to_owned(), TeamId::new())]);
        let plan: Permissions = clientele_domain::Permission::SECTIONS.into_iter().collect();
        match read(file.as_bytes()).and_then(|records| validate(&records, plan, &teams)) {
            Ok(_) => Vec::new(),
            Err(AppError::Invalid(fields)) => fields.into_iter().map(|f| f.field).collect(),
            Err(other) => vec![other.to_string()],
        }
    }

    #[test]
    fn every_bad_row_is_named_by_its_line() {
        let file = "name,email,permissions,teams\n\
                    Ana,ana@example.com,home;analytics,Support\n\
                    ,bob@example.com,,\n\
                    Cy,not-an-email,admin,Sales\n\
                    Di,ANA@example.com,,\n";
        assert_eq!(
            errors_of(file),
            [
                "line 3: name",
                "line 4: email",
                "line 4: permissions",
                "line 4: teams",
                "line 5: email"
            ]
        );
    }

    #[test]
    fn a_file_without_users_or_with_unknown_columns_is_refused() {
        assert_eq!(errors_of("name,email\n"), ["file"]);
        assert_eq!(errors_of("name,email,role\nA,a@example.com,x\n"), ["file"]);
        assert_eq!(
            errors_of("name,email\nA,a@example.com,extra\n"),
            ["line 2: file"]
        );
    }

    #[test]
    fn more_than_a_thousand_rows_are_refused() {
        let mut file = String::from("name,email\n");
        for i in 0..=MAX_ROWS {
            file.push_str(&format!("User {i},user{i}@example.com\n"));
        }
        assert_eq!(errors_of(&file), ["file"]);
    }
}
