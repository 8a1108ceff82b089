// Buffers API key use in memory and writes it in batches: per key, per day,
// per IP counts, and the key's last use and IP. A request never waits for a
// write, and each key costs at most one write per flush interval (a minute by
// default). Losing a process loses at most that interval's counts.
import type { TenantDatabase } from '../platform/db/tenant-database.ts';
import { UPDATE_LAST_USED, UPSERT_USAGE } from './api-keys.sql.ts';

interface KeyUse {
  tenantId: string;
  lastSeen: Date;
  lastIp: string;
  /** `${day}|${ip}` → requests */
  buckets: Map<string, { day: string; ip: string; count: number; seen: Date }>;
}

export interface UsageLogger {
  error(object: unknown, message: string): void;
}

export class UsageRecorder {
  private pending = new Map<string, KeyUse>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: TenantDatabase,
    private readonly logger: UsageLogger,
    flushIntervalMs: number,
  ) {
    this.timer = setInterval(() => void this.flush(), flushIntervalMs);
    this.timer.unref();
  }

  record(tenantId: string, keyId: string, ip: string, at: Date = new Date()): void {
    let use = this.pending.get(keyId);
    if (!use) {
      use = { tenantId, lastSeen: at, lastIp: ip, buckets: new Map() };
      this.pending.set(keyId, use);
    }
    use.lastSeen = at;
    use.lastIp = ip;
    const day = at.toISOString().slice(0, 10);
    const bucketKey = `${day}|${ip}`;
    const bucket = use.buckets.get(bucketKey);
    if (bucket) {
      bucket.count += 1;
      bucket.seen = at;
    } else {
      use.buckets.set(bucketKey, { day, ip, count: 1, seen: at });
    }
  }

  /** Writes everything buffered so far, one transaction per organisation. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    const byTenant = new Map<string, [string, KeyUse][]>();
    for (const entry of batch) {
      const list = byTenant.get(entry[1].tenantId) ?? [];
      list.push(entry);
      byTenant.set(entry[1].tenantId, list);
    }
    for (const [tenantId, uses] of byTenant) {
      const usage = { keys: [] as string[], days: [] as string[], ips: [] as string[], counts: [] as number[], seen: [] as Date[] };
      for (const [keyId, use] of uses) {
        for (const bucket of use.buckets.values()) {
          usage.keys.push(keyId);
          usage.days.push(bucket.day);
          usage.ips.push(bucket.ip);
          usage.counts.push(bucket.count);
          usage.seen.push(bucket.seen);
        }
      }
      try {
        await this.db.transaction({ tenantId, userId: null, requireActive: false }, async (tx) => {
          await tx.query(UPSERT_USAGE, [usage.keys, usage.days, usage.ips, usage.counts, usage.seen]);
          await tx.query(UPDATE_LAST_USED, [
            uses.map(([keyId]) => keyId),
            uses.map(([, use]) => use.lastSeen),
            uses.map(([, use]) => use.lastIp),
          ]);
        });
      } catch (error) {
        this.logger.error({ err: error, tenant_id: tenantId }, 'could not record API key usage');
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
