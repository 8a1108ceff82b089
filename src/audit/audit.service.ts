// The organisation's audit log as an auditor sees it: entries (filtered,
// keyset-paged by seq), chain verification and signed checkpoints. Writing
// entries stays with recordAudit/queueAudit, in the caller's transaction.
import type { TenantCall } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { AppError } from '../platform/http/errors.ts';
import { AuditErrors } from './audit.errors.ts';
import { boolean, bytes, chainEntryOf, hex, integer, nullableText, text, time } from './audit-rows.ts';
import { LIST_AUDIT_ASC, LIST_AUDIT_DESC, READ_CHAIN, READ_HASH_AT } from './audit-read.sql.ts';
import { readHead } from './chain-head.ts';
import type { AuditEntryView, AuditListQuery, AuditPage, VerifyBody, VerifyResult } from './audit.schemas.ts';
import { CheckpointSigner } from './checkpoint-signer.ts';
import { ChainVerifier } from './core/verify-chain.ts';

/** Entries read per statement while verifying: memory stays constant however long the chain. */
const VERIFY_BATCH = 1000;

const ACTOR_TYPES = ['user', 'api_key', 'operator', 'system', 'anonymous'] as const;
type ActorType = (typeof ACTOR_TYPES)[number];

function actorType(value: string): ActorType {
  const found = ACTOR_TYPES.find((type) => type === value);
  if (found === undefined) throw new Error(`audit row: unknown actor_type ${value}`);
  return found;
}

function viewOf(row: Readonly<Record<string, unknown>>): AuditEntryView {
  return {
    seq: integer(row, 'seq'),
    id: text(row, 'id'),
    occurred_at: time(row, 'occurred_at').toISOString(),
    actor: { type: actorType(text(row, 'actor_type')), id: nullableText(row, 'actor_id') },
    action: text(row, 'action'),
    target: { type: text(row, 'target_type'), id: nullableText(row, 'target_id') },
    request_id: nullableText(row, 'request_id'),
    ip: nullableText(row, 'ip'),
    before: row.before ?? null,
    after: row.after ?? null,
    erased: boolean(row, 'erased'),
    prev_hash: hex(bytes(row, 'prev_hash')),
    hash: hex(bytes(row, 'hash')),
  };
}

export interface AuditServiceOptions {
  /** The server's Ed25519 private key (PEM): the JWT signing key. */
  readonly signingKeyPem: string;
  /** A new checkpoint at most this often per organisation (default 10 minutes). */
  readonly checkpointIntervalMs?: number;
  readonly now?: () => Date;
}

export class AuditService {
  readonly checkpoints: CheckpointSigner;

  constructor(
    private readonly db: Database,
    options: AuditServiceOptions,
  ) {
    this.checkpoints = new CheckpointSigner(db, options);
  }

  async list(call: TenantCall, query: AuditListQuery): Promise<AuditPage> {
    const limit = query.limit ?? 50;
    const statement = query.order === 'asc' ? LIST_AUDIT_ASC : LIST_AUDIT_DESC;
    const { rows } = await this.db.tenant.query(call.scope, statement, [
      query.actor_type ?? null,
      query.actor_id ?? null,
      query.action ?? null,
      query.target_type ?? null,
      query.target_id ?? null,
      query.from ?? null,
      query.to ?? null,
      query.cursor ?? null,
      limit + 1,
    ]);
    const data = rows.slice(0, limit).map(viewOf);
    const last = data.at(-1);
    return { data, next_cursor: rows.length > limit && last !== undefined ? String(last.seq) : null };
  }

  /** Recomputes every hash from `from_seq` to `to_seq` (default: the whole chain, up to the head as it was when verification began). */
  async verify(call: TenantCall, body: VerifyBody): Promise<VerifyResult> {
    const fromSeq = body.from_seq ?? 1;
    if (body.to_seq !== undefined && body.to_seq < fromSeq) {
      throw new AppError(AuditErrors['audit-range-invalid'], `from_seq ${fromSeq} is after to_seq ${body.to_seq}`);
    }
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const head = await readHead(tx);
      const headView = head === null ? null : { seq: head.seq, hash: hex(head.hash) };
      const toSeq = Math.min(body.to_seq ?? Number.MAX_SAFE_INTEGER, head?.seq ?? 0);
      const verifier = new ChainVerifier(fromSeq, fromSeq > 1 ? await this.hashAt(tx, fromSeq - 1) : null);
      let next = fromSeq;
      while (next <= toSeq) {
        const { rows } = await tx.query(READ_CHAIN, [next, toSeq, VERIFY_BATCH]);
        const entries = rows.map(chainEntryOf);
        const last = entries.at(-1);
        if (!verifier.feed(entries) || last === undefined || rows.length < VERIFY_BATCH) break;
        next = last.seq + 1;
      }
      const broken = verifier.finish(toSeq, head);
      if (broken === null) return { ok: true as const, checked: verifier.checked, head: headView };
      return { ok: false as const, checked: verifier.checked, broken_seq: broken.seq, kind: broken.kind, reason: broken.reason, head: headView };
    });
  }

  private async hashAt(tx: TenantTx, seq: number): Promise<Uint8Array | null> {
    const { rows } = await tx.query(READ_HASH_AT, [seq]);
    const row = rows[0];
    return row === undefined ? null : bytes(row, 'hash');
  }
}
