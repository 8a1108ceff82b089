// What a signed checkpoint signs: one line an auditor can rebuild from the
// listed fields and check with the server's public key (Ed25519).
export function checkpointMessage(tenantId: string, seq: number, hashHex: string, signedAt: string): string {
  return `${tenantId}|${seq}|${hashHex}|${signedAt}`;
}

/** A new checkpoint is due when the head moved past the last one and that one is old enough (or there is none). */
export function checkpointDue(
  headSeq: number,
  last: { readonly seq: number; readonly signedAt: Date } | null,
  now: Date,
  intervalMs: number,
): boolean {
  if (headSeq === 0) return false;
  if (last === null) return true;
  return headSeq > last.seq && now.getTime() - last.signedAt.getTime() >= intervalMs;
}
