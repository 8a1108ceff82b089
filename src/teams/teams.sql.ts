// Every statement runs inside a tenant transaction: RLS limits it to the
// caller's organisation, so no statement filters by tenant_id itself.

const TEAM_COLUMNS = `t.id, t.name, t.description, t.created_at, t.updated_at`;

/** Each team with its size and whether the caller ($1, null for none) is in it. */
export const LIST_TEAMS = `
  select ${TEAM_COLUMNS},
         (select count(*)::int from team_members m where m.tenant_id = t.tenant_id and m.team_id = t.id) as member_count,
         exists (select 1 from team_members m where m.tenant_id = t.tenant_id and m.team_id = t.id and m.user_id = $1) as is_member
  from teams t order by lower(t.name), t.id`;

export const SELECT_TEAM = `
  select ${TEAM_COLUMNS},
         (select count(*)::int from team_members m where m.tenant_id = t.tenant_id and m.team_id = t.id) as member_count,
         exists (select 1 from team_members m where m.tenant_id = t.tenant_id and m.team_id = t.id and m.user_id = $2) as is_member
  from teams t where t.id = $1`;

/** Locks the team: membership changes and deletion of one team happen one at a time. */
export const LOCK_TEAM = `select t.id from teams t where t.id = $1 for update`;

export const SELECT_MEMBERS = `
  select m.user_id, u.email, u.nome, u.role, m.added_at
  from team_members m join users u on u.tenant_id = m.tenant_id and u.id = m.user_id
  where m.team_id = $1 order by m.added_at, m.user_id`;

export const INSERT_TEAM = `
  insert into teams (tenant_id, id, name, description, created_by)
  values (current_setting('app.tenant_id')::uuid, $1, $2, $3, $4)`;

export const UPDATE_TEAM = `update teams set name = $2, description = $3, updated_at = now() where id = $1`;

/** Memberships go with the team, and so do record shares naming it (on delete cascade). */
export const DELETE_TEAM = `delete from teams where id = $1`;

/** Nothing is inserted when the member is already in the team. */
export const INSERT_MEMBER = `
  insert into team_members (tenant_id, team_id, user_id, added_by)
  values (current_setting('app.tenant_id')::uuid, $1, $2, $3)
  on conflict (tenant_id, team_id, user_id) do nothing
  returning user_id`;

export const DELETE_MEMBER = `delete from team_members where team_id = $1 and user_id = $2 returning user_id`;
