// The organisation's chain head: the seq and hash of its latest entry (null before the first).
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { bytes, integer } from './audit-rows.ts';
import { READ_HEAD } from './audit-read.sql.ts';
import type { ChainHead } from './core/verify-chain.ts';

export async function readHead(tx: TenantTx): Promise<ChainHead | null> {
  const { rows } = await tx.query(READ_HEAD);
  const row = rows[0];
  return row === undefined ? null : { seq: integer(row, 'seq'), hash: bytes(row, 'hash') };
}
