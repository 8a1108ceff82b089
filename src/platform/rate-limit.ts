// Fixed-window rate limiting shared by all server processes through
// PostgreSQL (one upsert per attempt), so limits hold behind a load balancer
// without a separate store. Used for sign-in and sign-up, which are rare
// enough that one write each is cheap.
import { createHash } from 'node:crypto';
import type { GlobalQueries } from './db/database.ts';
import { AppError, PlatformErrors } from './http/errors.ts';

const HIT = `
  insert into rate_limit_windows (bucket, window_start, hits)
  values ($1, to_timestamp(floor(extract(epoch from now()) / $2) * $2), 1)
  on conflict (bucket, window_start) do update set hits = rate_limit_windows.hits + 1
  returning hits, extract(epoch from (window_start + make_interval(secs => $2) - now()))::int as retry_after`;
const PRUNE = `delete from rate_limit_windows where window_start < now() - interval '1 day'`;

export interface Limit {
  /** What is limited, e.g. `login:ip:203.0.113.9`. Hashed before storage. */
  readonly key: string;
  readonly max: number;
  readonly windowSeconds: number;
}

export class RateLimiter {
  private hitsSincePrune = 0;
  constructor(private readonly db: GlobalQueries) {}

  /** Counts one attempt against each limit; throws 429 when any is exceeded. */
  async hit(...limits: readonly Limit[]): Promise<void> {
    for (const limit of limits) {
      const bucket = createHash('sha256').update(limit.key).digest('base64url');
      const { rows } = await this.db.query<{ hits: number; retry_after: number }>(HIT, [bucket, limit.windowSeconds]);
      const row = rows[0];
      if (row && row.hits > limit.max) {
        throw new AppError(PlatformErrors['rate-limited'], `Too many attempts; retry in ${row.retry_after} s.`, [], {
          retry_after: Math.max(1, row.retry_after),
        });
      }
    }
    if (++this.hitsSincePrune >= 1000) {
      this.hitsSincePrune = 0;
      await this.db.query(PRUNE);
    }
  }
}
