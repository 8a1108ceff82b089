export const INSERT_AUDIT_ENTRY = `
  insert into audit_log (tenant_id, id, actor_type, actor_id, action, target_type, target_id, before, after, request_id, ip)
  values (current_setting('app.tenant_id')::uuid, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;
