// Reading a record's workflow history (record_history, append-only; written
// by state-entry.ts queueHistory). RLS limits every statement to the
// caller's organisation.

/**
 * One page of a record's history, oldest first. Keyset on (occurred_at, id):
 * entries written in SQL (attach, migrate) may not have time-ordered ids, so
 * the time leads. $1 record id, $2/$3 the last entry's exact UTC time text
 * and id (nulls for the first page), $4 limit.
 */
export const LIST_HISTORY = `
  select h.id, h.kind, h.transition_key, h.from_state, h.to_state, h.workflow_key, h.workflow_version, h.actor_type, h.actor_id,
         h.input, h.guards, h.effects, h.sla, h.occurred_at, (h.occurred_at at time zone 'UTC')::text as occurred_text
  from record_history h
  where h.record_id = $1
    and ($2::text is null or (h.occurred_at, h.id) > (($2::timestamp at time zone 'UTC'), $3::uuid))
  order by h.occurred_at, h.id
  limit $4`;
