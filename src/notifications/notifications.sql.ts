// Static SQL of in-app notifications (migrations/0011_workflows.sql). Every
// statement runs inside a tenant transaction: RLS limits it to the caller's
// organisation; the caller's own notifications are selected by user_id.

const COLUMNS = `n.id, n.record_type, n.record_id, n.title, n.body, n.created_at, n.read_at`;

/** The caller's ($1) notifications, newest first (ids are UUIDv7: id order is creation order); $2: only unread; $3: before this id; $4: limit. */
export const LIST_NOTIFICATIONS = `
  select ${COLUMNS} from notifications n
  where n.user_id = $1 and (not $2::boolean or n.read_at is null) and ($3::uuid is null or n.id < $3::uuid)
  order by n.id desc limit $4`;

/** Marks one of the caller's notifications read; a second call keeps the first read_at. No row: not theirs (or no such id). */
export const MARK_READ = `
  update notifications n set read_at = coalesce(n.read_at, now())
  where n.id = $1 and n.user_id = $2
  returning ${COLUMNS}`;

/**
 * The members a notification reaches, deduplicated: the users given ($1),
 * every member with one of the roles ($2), every member of the teams named
 * ($3, lower-cased names). Ids that are no member of the organisation are
 * dropped (a user field may name someone who has left).
 */
const RECIPIENTS = `
  select u.id, u.email from users u
  where u.id = any($1::uuid[]) or u.role = any($2::text[])
     or u.id in (select m.user_id from team_members m join teams t on t.tenant_id = m.tenant_id and t.id = m.team_id
                 where lower(t.name) = any($3::text[]))`;

/**
 * A UUIDv7 made in SQL (PostgreSQL 15 has no uuidv7()): the millisecond clock
 * over a random v4's first 48 bits, version bits set to 7. Notification ids
 * are made here because the recipients are known only here, and they must
 * be time-ordered like every other id (the listing pages by id).
 */
const UUID_V7 = `encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
  placing substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid`;

/**
 * Inserts one notification per recipient ($1..$3 as RECIPIENTS; $4 record
 * type, $5 record id, $6 title, $7 body); answers each recipient with the
 * id of their notification and their email (for email notifications).
 * Without emails the statement is queued and its answer not read.
 */
export const INSERT_NOTIFICATIONS = `
  with recipients as (${RECIPIENTS}),
  inserted as (
    insert into notifications (tenant_id, id, user_id, record_type, record_id, title, body)
    select current_setting('app.tenant_id')::uuid, ${UUID_V7}, r.id, $4, $5, $6, $7 from recipients r
    returning id, user_id)
  select i.id, i.user_id, r.email from inserted i join recipients r on r.id = i.user_id order by i.user_id`;
