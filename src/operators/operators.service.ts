import type { TokenSigner } from '../auth/index.ts';
import type { Database } from '../platform/db/database.ts';
import type { RateLimiter } from '../platform/rate-limit.ts';

export class OperatorsService {
  constructor(
    readonly db: Database,
    readonly signer: TokenSigner,
    readonly rateLimiter: RateLimiter,
  ) {}
}
