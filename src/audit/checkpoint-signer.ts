// Signed checkpoints (GET /api/audit/checkpoints): the organisation's chain
// head signed with the server's Ed25519 key. Taken on demand when listed,
// if the head moved since the last one and that one is at least the interval
// old: an organisation nobody audits costs nothing, and one that is audited
// gets a fresh checkpoint at most once per interval. An auditor keeps the
// checkpoints they fetched; a log rewritten afterwards can no longer reach
// the signed hash at that seq.
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import type { TenantCall } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import { bytes, hex, integer, text, time } from './audit-rows.ts';
import { INSERT_CHECKPOINT, LATEST_CHECKPOINT, LIST_CHECKPOINTS } from './audit-read.sql.ts';
import type { CheckpointList, CheckpointView } from './audit.schemas.ts';
import { readHead } from './chain-head.ts';
import { checkpointDue, checkpointMessage } from './core/checkpoint.ts';

const DEFAULT_INTERVAL_MS = 10 * 60_000;
const LISTED = 100;

interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
}

export class CheckpointSigner {
  private readonly privateKey: KeyObject;
  private readonly intervalMs: number;
  private readonly now: () => Date;
  private publicJwk: PublicJwk | null = null;

  constructor(
    private readonly db: Database,
    options: { readonly signingKeyPem: string; readonly checkpointIntervalMs?: number; readonly now?: () => Date },
  ) {
    this.privateKey = createPrivateKey(options.signingKeyPem);
    if (this.privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the audit checkpoint key must be Ed25519');
    this.intervalMs = options.checkpointIntervalMs ?? DEFAULT_INTERVAL_MS;
    this.now = options.now ?? (() => new Date());
  }

  /** The public half as a JWK with its RFC 7638 thumbprint as kid. */
  async publicKey(): Promise<PublicJwk> {
    if (this.publicJwk !== null) return this.publicJwk;
    const jwk = createPublicKey(this.privateKey).export({ format: 'jwk' });
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('unexpected Ed25519 JWK');
    const kid = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: jwk.x });
    this.publicJwk = { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid };
    return this.publicJwk;
  }

  async list(call: TenantCall): Promise<CheckpointList> {
    const publicKey = await this.publicKey();
    const tenantId = call.scope.tenantId;
    const rows = await this.db.tenant.transaction(call.scope, async (tx) => {
      const head = await readHead(tx);
      const latest = (await tx.query(LATEST_CHECKPOINT)).rows[0];
      const last = latest === undefined ? null : { seq: integer(latest, 'seq'), signedAt: time(latest, 'signed_at') };
      const now = this.now();
      if (head !== null && checkpointDue(head.seq, last, now, this.intervalMs)) {
        const signedAt = now.toISOString();
        const message = checkpointMessage(tenantId, head.seq, hex(head.hash), signedAt);
        const signature = sign(null, Buffer.from(message, 'utf8'), this.privateKey);
        tx.queue(INSERT_CHECKPOINT, [head.seq, head.hash, signedAt, publicKey.kid, signature]);
      }
      return (await tx.query(LIST_CHECKPOINTS, [LISTED])).rows;
    });
    return { public_key: publicKey, data: rows.map((row) => this.viewOf(tenantId, row)) };
  }

  private viewOf(tenantId: string, row: Readonly<Record<string, unknown>>): CheckpointView {
    const seq = integer(row, 'seq');
    const hash = hex(bytes(row, 'hash'));
    const signedAt = time(row, 'signed_at').toISOString();
    return {
      seq,
      hash,
      signed_at: signedAt,
      key_id: text(row, 'key_id'),
      message: checkpointMessage(tenantId, seq, hash, signedAt),
      signature: Buffer.from(bytes(row, 'signature')).toString('base64url'),
    };
  }
}
