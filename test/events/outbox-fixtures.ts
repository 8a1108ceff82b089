// Shared by the events tests: an app with every background worker off, a way
// to write events as a tenant, and a sink that records what it is given.
import pg from 'pg';
import { emitEvent } from '../../src/events/index.ts';
import type { EventSink, OutboxEvent } from '../../src/events/sink.ts';
import type { TenantTx } from '../../src/platform/db/tenant-database.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

export function startQuietApp(): Promise<TestApp> {
  return startTestApp({ TESSERA_DISPATCHER: 'false', TESSERA_TIMER_WORKER: 'false', TESSERA_INDEX_BUILD_WORKER: 'false' });
}

/** Writes `count` events for `tenantId` in one transaction, as its system; answers their ids in order. */
export async function writeEvents(app: TestApp, tenantId: string, count: number, subjectId = 'r1'): Promise<string[]> {
  return app.db.tenant.transaction({ tenantId, userId: null }, async (tx: TenantTx) => {
    const ids: string[] = [];
    for (let index = 0; index < count; index += 1) {
      ids.push(await emitEvent(tx, { type: 'record.updated', subject: { type: 'record', id: subjectId }, payload: { n: index } }));
    }
    return ids;
  });
}

/** The tenant's pending (unpublished) event ids, read as the tenant. */
export async function pendingIds(app: TestApp, tenantId: string): Promise<string[]> {
  const { rows } = await app.db.tenant.query<{ id: string }>(
    { tenantId, userId: null },
    'select id from outbox where published_at is null order by id',
  );
  return rows.map((row) => row.id);
}

export class RecordingSink implements EventSink {
  readonly name = 'recording';
  /** Every call of inTransaction, in call order. */
  readonly calls: OutboxEvent[][] = [];
  /** Throw from inTransaction while this is above zero (counting down). */
  failNext = 0;

  async inTransaction(_tx: TenantTx, events: readonly OutboxEvent[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('sink down');
    }
    this.calls.push([...events]);
  }

  ids(tenantId?: string): string[] {
    return this.calls.flat().filter((event) => tenantId === undefined || event.tenantId === tenantId).map((event) => event.id);
  }
}

/** Polls until the dispatcher says nothing more is waiting (at most `rounds` times). */
export async function drain(poll: () => Promise<boolean>, rounds = 50): Promise<void> {
  for (let round = 0; round < rounds; round += 1) {
    if (!(await poll())) return;
  }
}

/** Waits for a condition driven by background work; fails after `tries` checks (no timing assertion). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, tries = 200): Promise<void> {
  for (let attempt = 0; attempt < tries; attempt += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting: ${what}`);
}

/** One statement as the database owner (bypasses nothing: tests set up state the API would refuse). */
export async function asOwner(app: TestApp, text: string, values: unknown[] = []): Promise<void> {
  const client = new pg.Client({ connectionString: app.database.adminUrl });
  await client.connect();
  try {
    await client.query(text, values);
  } finally {
    await client.end();
  }
}
