// Shared by the timer tests: a `ticket` type whose workflow has an SLA, an
// `after` timeout, an `at` timeout and a start_timer effect; and a timer
// worker driven by a fake clock on an app's database (the app's own worker
// is off: TESSERA_TIMER_WORKER=false).
import assert from 'node:assert/strict';
import type { Database } from '../../src/platform/db/database.ts';
import type { TenantCall } from '../../src/platform/context.ts';
import { RecordsService } from '../../src/records/index.ts';
import { TimerWorker, type TimerOutcome } from '../../src/workflows/index.ts';
import { TransitionsService } from '../../src/workflows/transitions.service.ts';
import { defineType } from '../helpers/entities.ts';
import type { SignedUp, TestApp } from '../helpers/test-app.ts';

export const HOUR = 3_600_000;

/** The workers' environment: the app's own workers stay off, tests drive a worker themselves. */
export const NO_WORKERS = { TESSERA_TIMER_WORKER: 'false', TESSERA_INDEX_BUILD_WORKER: 'false' };

export const TICKET = {
  key: 'ticket',
  label: 'Ticket',
  fields: [
    { key: 'title', type: 'text' },
    { key: 'deadline', type: 'datetime' },
    { key: 'priority', type: 'enum', values: ['low', 'high', 'blocked'] },
  ],
};

/**
 * open (SLA 4h, 24x7) ─park→ waiting (after 2h: wake → open)
 *      └─schedule→ scheduled (at deadline: expire → expired; start_timer: event after 1h)
 * finish from any non-final state → done.
 */
export const TICKET_FLOW = {
  key: 'ticket-flow',
  entity_type: 'ticket',
  initial: 'open',
  states: [
    { key: 'open', category: 'new', sla: { within: '4h' } },
    { key: 'waiting', category: 'waiting', timeouts: [{ key: 'wake_up', transition: 'wake', after: '2h' }] },
    { key: 'scheduled', category: 'waiting', timeouts: [{ key: 'deadline', transition: 'expire', at: 'deadline' }] },
    { key: 'expired', category: 'cancelled', final: true },
    { key: 'done', category: 'closed', final: true },
  ],
  transitions: [
    { key: 'park', from: ['open'], to: 'waiting' },
    { key: 'wake', from: ['waiting'], to: 'open', guards: [{ condition: { field: 'priority', op: 'neq', value: 'blocked' } }] },
    { key: 'schedule', from: ['open'], to: 'scheduled', effects: [{ start_timer: { key: 'remind', after: '1h', event: 'ticket.reminder' } }] },
    { key: 'expire', from: ['scheduled'], to: 'expired' },
    { key: 'finish', from: ['open', 'waiting', 'scheduled'], to: 'done' },
  ],
};

/** Defines a type and its workflow through the API and publishes it. */
export async function publishWorkflow(app: TestApp, owner: SignedUp, type: unknown, workflow: { key: string }): Promise<void> {
  await defineType(app, owner.token, type);
  const created = await app.request({ method: 'POST', url: '/api/workflows', token: owner.token, body: workflow });
  assert.equal(created.statusCode, 201, created.body);
  const published = await app.request({ method: 'POST', url: `/api/workflows/${workflow.key}/publish`, token: owner.token });
  assert.equal(published.statusCode, 200, published.body);
}

export async function createRecord(app: TestApp, owner: SignedUp, type: string, body: Record<string, unknown>): Promise<{ id: string; version: number; state: string }> {
  const response = await app.request({ method: 'POST', url: `/api/records/${type}`, token: owner.token, body });
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

export async function transition(app: TestApp, owner: SignedUp, type: string, id: string, key: string, input: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const response = await app.request({ method: 'POST', url: `/api/records/${type}/${id}/transitions/${key}`, token: owner.token, body: { input } });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

export async function getRecord(app: TestApp, owner: SignedUp, type: string, id: string): Promise<Record<string, unknown>> {
  const response = await app.request({ method: 'GET', url: `/api/records/${type}/${id}`, token: owner.token });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

/** The owner acting through the services directly (for transitions at a fake instant). */
export function ownerCall(owner: SignedUp): TenantCall {
  return {
    scope: { tenantId: owner.tenantId, userId: owner.userId, role: 'gestor' },
    actor: { type: 'user', id: owner.userId },
    origin: { requestId: null, ip: null },
    role: 'gestor',
  };
}

const silent = { info: () => undefined, warn: () => undefined };

export interface FakeClock {
  now: Date;
  readonly read: () => Date;
}

export function fakeClock(start: Date): FakeClock {
  const clock = { now: start, read: () => clock.now };
  return clock;
}

/** The transitions service on a database, with its own clock (the instant transitions happen at). */
export function transitionsOn(db: Database, clock?: () => Date): TransitionsService {
  return new TransitionsService(db, new RecordsService(db, clock ? { clock } : {}), { secret: 'test-api-key-secret-0123456789abcdef', ...(clock ? { clock } : {}) });
}

/** A timer worker on `db` reading the fake clock; outcomes are collected in `seen`. */
export function timerWorker(db: Database, clock: FakeClock, options: { batch?: number; maxAttempts?: number } = {}) {
  const seen: { timerId: string; outcome: TimerOutcome }[] = [];
  const worker = new TimerWorker(
    db,
    transitionsOn(db),
    { pollMs: 10, batch: options.batch ?? 100, clock: clock.read, ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}), onTimer: (timer) => seen.push(timer) },
    silent,
  );
  return { worker, seen };
}
