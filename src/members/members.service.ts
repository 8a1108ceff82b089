import type { SessionIssuer } from '../auth/index.ts';
import type { Database } from '../platform/db/database.ts';
import type { RateLimiter } from '../platform/rate-limit.ts';

export class MembersService {
  constructor(
    readonly db: Database,
    readonly sessions: SessionIssuer,
    readonly rateLimiter: RateLimiter,
  ) {}
}
