// Static SQL of the query service. The query statements themselves are
// compiled by src/query/core/compile.ts (identifiers from the registry, every
// value a parameter); these are what runs around them. RLS scopes every
// statement to the caller's organisation (and records to the row ACL).

/**
 * What a query depends on besides the registry: the organisation's plan (its
 * limits), its time zone (relative times, `start_of`) and the fields whose
 * typed index entries are complete, as [type_key, field_key] pairs.
 */
export const QUERY_CONTEXT = `
  select t.plano as plan,
         coalesce((select s.time_zone from tenant_settings s), 'UTC') as time_zone,
         coalesce((select jsonb_agg(jsonb_build_array(f.type_key, f.field_key)) from record_index_fields f), '[]'::jsonb) as indexed
  from tenants t`;

/**
 * The plan's statement timeout for the rest of the transaction ($1:
 * milliseconds as text; '0' for streams, which time each batch themselves),
 * and this connection's backend, so a stream's batch can be cancelled when it
 * is late or its client goes away.
 */
export const SET_STATEMENT_TIMEOUT = `select set_config('statement_timeout', $1, true) as statement_timeout, pg_backend_pid() as pid`;

/**
 * Cancels the statement running on a backend of the same role (a stream whose
 * client disconnected while a batch was being computed). Sent on another
 * connection; cancels nothing when the backend is idle.
 */
export const CANCEL_BACKEND = `select pg_cancel_backend($1)`;

/** EXPLAIN of a compiled statement: the text is the compiler's, never input. */
export const explainStatement = (text: string, analyze: boolean): string => `explain (${analyze ? 'analyze, ' : ''}format json) ${text}`;
