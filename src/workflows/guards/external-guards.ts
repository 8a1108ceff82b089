// External guards (docs/workflows.md, "Guards"): an HTTP POST to a URL the
// definition names, signed per Standard Webhooks with the organisation's
// guard key (guard-secret.ts), answered `{ "allow": boolean, "reason"?: string }`.
//
// Called by the transitions service BEFORE its transaction opens, so no row
// lock is ever held while waiting on the network. Every failure (timeout,
// refused connection, redirect, non-2xx, a body that is not the expected
// JSON, a body over 64 KiB) becomes an answer `{ ok: false, error }` that
// the engine turns into a failing guard with that reason: never a hang (the
// request and the body read share one AbortSignal.timeout) and never a 500.
//
// Answers that were given (allow or deny) are cached in-process for the
// guard's `cache_seconds` (default 0: not cached), keyed by everything the
// request says: organisation, URL, record id and version, transition, actor
// and a hash of the input. A new record version is a new key, so a cached
// answer never outlives the record state it was given for. Failures are not
// cached. Identical requests in flight at the same moment share one call.
import { createHash } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { newId } from '../../platform/ids.ts';
import type { ExternalAnswer } from '../core/decision.ts';
import { refusedAddress } from './guard-address.ts';
import { guardKey } from './guard-secret.ts';

/** What the guard's URL receives (JSON). */
export interface ExternalGuardPayload {
  readonly record: { readonly id: string; readonly type: string; readonly version: number; readonly state: string };
  readonly transition: string;
  readonly input: unknown;
  readonly actor: { readonly type: string; readonly id: string | null };
}

export interface ExternalGuardCall {
  readonly tenantId: string;
  readonly url: string;
  readonly timeoutMs: number;
  /** 0: do not cache. */
  readonly cacheSeconds: number;
  readonly payload: ExternalGuardPayload;
}

export interface ExternalGuardsOptions {
  /** The server secret the organisations' guard keys are derived from. */
  readonly secret: string;
  /** Milliseconds since the epoch (tests move it). */
  readonly clock?: () => number;
  /** Cached answers kept at most (least recently used go first). */
  readonly capacity?: number;
  /** Call hosts on loopback and private networks (guard-address.ts); default false. */
  readonly allowPrivateAddresses?: boolean;
}

/** The largest answer body read. */
export const MAX_ANSWER_BYTES = 64 * 1024;
const MAX_REASON = 500;

interface Cached {
  readonly answer: ExternalAnswer;
  readonly expires: number;
}

/** JSON with object keys sorted, so equal inputs hash equally whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function cacheKeyOf(call: ExternalGuardCall): string {
  const { record, transition, actor, input } = call.payload;
  const inputHash = createHash('sha256').update(canonical(input)).digest('base64url');
  return JSON.stringify([call.tenantId, call.url, record.id, record.version, transition, actor.type, actor.id, inputHash]);
}

/** The answer's body, read up to MAX_ANSWER_BYTES (the signal bounds the wait). */
async function readBody(response: Response): Promise<string | null> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `{ allow: boolean, reason?: string }` or why not. */
export function parseAnswer(text: string): ExternalAnswer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, error: 'answered with a body that is not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, error: 'answered with JSON that is not an object' };
  const { allow, reason } = parsed as { allow?: unknown; reason?: unknown };
  if (typeof allow !== 'boolean') return { ok: false, error: 'answered without a boolean "allow"' };
  if (reason !== undefined && reason !== null && typeof reason !== 'string') return { ok: false, error: 'answered with a "reason" that is not a string' };
  return typeof reason === 'string' && reason.length > 0 ? { ok: true, allow, reason: reason.slice(0, MAX_REASON) } : { ok: true, allow };
}

function failureOf(error: unknown, timeoutMs: number): ExternalAnswer {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return { ok: false, error: `did not answer within ${timeoutMs} ms` };
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : 'network error';
  return { ok: false, error: `could not be reached (${detail})` };
}

export class ExternalGuards {
  private readonly cache = new Map<string, Cached>();
  private readonly inFlight = new Map<string, Promise<ExternalAnswer>>();
  private readonly clock: () => number;
  private readonly capacity: number;
  /** Calls actually sent (tests check that cached answers are not fetched again). */
  sent = 0;

  constructor(private readonly options: ExternalGuardsOptions) {
    this.clock = options.clock ?? Date.now;
    this.capacity = options.capacity ?? 10_000;
  }

  /** The guard's answer: cached, shared with an identical call in flight, or asked now. Never throws. */
  async ask(call: ExternalGuardCall): Promise<ExternalAnswer> {
    const key = cacheKeyOf(call);
    const cached = this.cache.get(key);
    if (cached && cached.expires > this.clock()) return cached.answer;
    if (cached) this.cache.delete(key);
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const asked = this.send(call).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, asked);
    const answer = await asked;
    if (answer.ok && call.cacheSeconds > 0) this.remember(key, { answer, expires: this.clock() + call.cacheSeconds * 1000 });
    return answer;
  }

  private remember(key: string, entry: Cached): void {
    this.cache.delete(key);
    this.cache.set(key, entry);
    if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value as string);
  }

  private async send(call: ExternalGuardCall): Promise<ExternalAnswer> {
    const body = JSON.stringify(call.payload);
    const id = `guard_${newId()}`;
    // Real time, not the cache's clock: the receiver checks the timestamp against its own clock.
    const timestamp = new Date();
    const signature = new Webhook(guardKey(this.options.secret, call.tenantId), { format: 'raw' }).sign(id, timestamp, body);
    if (this.options.allowPrivateAddresses !== true) {
      const refused = await refusedAddress(call.url);
      if (refused !== null) return { ok: false, error: refused };
    }
    this.sent += 1;
    try {
      const response = await fetch(call.url, {
        method: 'POST',
        // A redirect is answered as a failure: the signed request goes only where the definition says.
        redirect: 'manual',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'user-agent': 'tessera-workflow-guard',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body,
        signal: AbortSignal.timeout(call.timeoutMs),
      });
      const text = await readBody(response);
      if (response.status < 200 || response.status > 299) return { ok: false, error: `answered HTTP ${response.status}` };
      if (text === null) return { ok: false, error: `answered with a body over ${MAX_ANSWER_BYTES} bytes` };
      return parseAnswer(text);
    } catch (error) {
      return failureOf(error, call.timeoutMs);
    }
  }
}
