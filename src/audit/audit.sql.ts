export const INSERT_AUDIT_ENTRY = `
  insert into audit_log (tenant_id, id, actor_type, actor_id, action, target_type, target_id, before, after, request_id, ip)
  values (current_setting('app.tenant_id')::uuid, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;

/**
 * Many entries in one statement (queueAudit): $1 is a JSON array of entries,
 * one object each with the columns below (an absent key is NULL), so a bulk
 * write's entries travel as one document.
 */
export const INSERT_AUDIT_ENTRIES = `
  insert into audit_log (tenant_id, id, actor_type, actor_id, action, target_type, target_id, before, after, request_id, ip)
  select current_setting('app.tenant_id')::uuid, u.id, u.actor_type, u.actor_id, u.action, u.target_type, u.target_id, u.before, u.after, u.request_id, u.ip
  from jsonb_to_recordset($1::jsonb)
    as u(id uuid, actor_type text, actor_id uuid, action text, target_type text, target_id text, before jsonb, after jsonb, request_id text, ip inet)`;
