// The key external guard calls are signed with (Standard Webhooks), one per
// organisation: HMAC-SHA256(server secret, "workflow-guard:" + tenant id).
// Derived, never stored: every process holding the same server secret (the
// API key secret, shared by all processes) signs with the same key, and one
// organisation's key tells nothing about another's. The organisation reads it
// as `whsec_<base64>` (GET /api/workflow-guards/secret, gestores), the form the Standard
// Webhooks libraries take to verify.
import { createHmac } from 'node:crypto';

export function guardKey(serverSecret: string, tenantId: string): Buffer {
  return createHmac('sha256', serverSecret).update(`workflow-guard:${tenantId}`).digest();
}

/** The key as Standard Webhooks libraries take it. */
export function guardSecretText(key: Buffer): string {
  return `whsec_${key.toString('base64')}`;
}
