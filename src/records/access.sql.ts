// Static SQL of the records' access rules (migrations/0007_record_acl.sql).
// Every value is a bind parameter; RLS scopes every statement to the caller's
// organisation (and, on records, to the rows the row ACL lets them see).

/** Whether member $2 may change visible record $1 beyond being its creator: named in a `user` field, or shared with `write`. */
export const CAN_WRITE = `
  select exists (select 1 from record_user_refs where record_id = $1 and user_id = $2)
      or exists (
        select 1 from record_shares s
        where s.record_id = $1 and s.access = 'write'
          and (s.user_id = $2 or s.team_id in (select m.team_id from team_members m where m.user_id = $2))
      ) as writable`;

export const DELETE_USER_REFS = `delete from record_user_refs where record_id = any($1::uuid[])`;

/** The members named in `user` fields; ids that are not (or no longer) members are skipped. */
export const INSERT_USER_REFS = `
  insert into record_user_refs (tenant_id, record_id, user_id)
  select current_setting('app.tenant_id')::uuid, u.record_id, u.user_id
  from unnest($1::uuid[], $2::uuid[]) as u(record_id, user_id)
  join users on users.id = u.user_id
  on conflict do nothing`;

const SHARE_COLUMNS = `id, record_id, principal_kind, principal_id, access, created_at, created_by`;

/** A new share, or the new access of an existing one; `inserted` tells which. */
export const UPSERT_SHARE = `
  insert into record_shares (tenant_id, id, record_id, principal_kind, principal_id, access, created_by)
  values (current_setting('app.tenant_id')::uuid, $1, $2, $3, $4, $5, $6)
  on conflict (tenant_id, record_id, principal_kind, principal_id) do update set access = excluded.access
  returning ${SHARE_COLUMNS}, (xmax = 0) as inserted`;

export const LIST_SHARES = `select ${SHARE_COLUMNS} from record_shares where record_id = $1 order by created_at, id`;

export const DELETE_SHARE = `delete from record_shares where record_id = $1 and id = $2 returning ${SHARE_COLUMNS}`;
