// Streamed answers through a real HTTP listener (app.listen + fetch/http):
// NDJSON and CSV of every row (formats, quoting, formula neutralisation,
// headers and trailers), the plan's row limit with truncation reported, and
// what happens to the database when a client stops reading or goes away:
// the stream waits (backpressure), then closes its cursor, rolls back and
// gives the connection back to the pool; a statement still computing its
// first batch is cancelled. The RowStream itself is also driven directly
// over a real cursor: it stops fetching when nobody reads, and reports an
// error after the first rows in-band.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { rowEncoder } from '../../src/query/stream-format.ts';
import { RowStream, STREAM_BATCH, StreamAborted } from '../../src/query/stream-rows.ts';
import { defineType } from '../helpers/entities.ts';
import { assertProblem } from '../helpers/problem.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { AdminDb } from '../members/helpers.ts';

const ITEM = {
  key: 'item',
  label: 'Item',
  fields: [{ key: 'title', type: 'text' }, { key: 'n', type: 'integer' }, { key: 'amount', type: 'decimal' }, { key: 'note', type: 'text' }],
};
const SMALL = 2_500;
const STARTER_STREAM_ROWS = 100_000;
const SPECIAL_TITLES = ['Comma, inside', 'Quote " inside', 'Line\nbreak', '=SUM(A1:A2)', '+1', '-2', '@cmd', '\tTab', 'plain'];

/** RFC 4180 records of a CSV text (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] as string;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 1;
    } else field += char;
  }
  assert.equal(field, '', 'the CSV ends with CRLF');
  return records;
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  trailers: NodeJS.Dict<string>;
}

describe('streamed query answers', () => {
  let app: TestApp;
  let admin: AdminDb;
  let base: string;
  let small: SignedUp;
  let big: SignedUp;
  let pool: pg.Pool;

  /** A whole response with its trailers (fetch does not expose trailers). */
  function post(token: string, body: unknown, accept: string): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const request = http.request(`${base}/api/query`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept },
      });
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8'), trailers: response.trailers }));
        response.on('error', reject);
      });
      request.on('error', reject);
      request.end(JSON.stringify(body));
    });
  }

  /** Starts a streamed request; resolves with the response once its first chunk arrived, then paused. */
  function startPaused(token: string, body: unknown): { request: http.ClientRequest; response: Promise<http.IncomingMessage> } {
    const request = http.request(`${base}/api/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/x-ndjson' },
    });
    request.on('error', () => undefined);
    const response = new Promise<http.IncomingMessage>((resolve, reject) => {
      request.on('response', (incoming) => {
        incoming.once('data', () => {
          incoming.pause();
          resolve(incoming);
        });
        incoming.on('error', () => undefined);
      });
      request.on('error', reject);
    });
    // Destroying the request rejects it: the tests that do so do not wait for a response.
    response.catch(() => undefined);
    request.end(JSON.stringify(body));
    return { request, response };
  }

  interface Backend {
    state: string | null;
    wait_event: string | null;
    wait_event_type: string | null;
    in_transaction: boolean;
  }

  /**
   * The runtime role's connections to this test database serving queries, as
   * PostgreSQL sees them (the index builder's polling is left out). A cursor
   * between two batches is `active` waiting for ClientRead: pg-cursor sends
   * no Sync until it closes.
   */
  async function appBackends(): Promise<Backend[]> {
    const { rows } = await admin.query<Backend>(
      `select state, wait_event, wait_event_type, xact_start is not null as in_transaction, left(query, 60) as query,
              (select string_agg(l.relation::regclass::text, ',') from pg_locks l where l.pid = a.pid and not l.granted) as waits_for
       from pg_stat_activity a
       where datname = current_database() and usename = 'tessera_app' and query !~ 'index_build'`,
    );
    return rows;
  }

  /** Polls until `probe` holds (no durations are asserted: a bound only turns a hang into a failure). */
  async function until(what: string, probe: () => Promise<boolean> | boolean): Promise<void> {
    for (let attempt = 0; attempt < 400; attempt += 1) {
      if (await probe()) return;
      await sleep(50);
    }
    assert.fail(`still waiting for: ${what}; runtime connections: ${JSON.stringify(await appBackends())}; pool: ${pool.totalCount} total, ${pool.idleCount} idle, ${pool.waitingCount} waiting`);
  }

  const poolIsIdle = () => pool.totalCount === pool.idleCount && pool.waitingCount === 0;
  const noOpenTransaction = async () => (await appBackends()).every((backend) => !backend.in_transaction && backend.state !== 'active');

  before(async () => {
    // No background index builder: only this file's requests use the pool and the tables.
    app = await startTestApp({ TESSERA_DB_POOL_SIZE: '2', TESSERA_INDEX_BUILD_WORKER: 'false' });
    // The runtime pool, to check that connections come back to it.
    pool = (app.db as unknown as { appPool: pg.Pool }).appPool;
    base = await app.app.listen({ port: 0, host: '127.0.0.1' });
    admin = await AdminDb.connect(app);
    small = await signup(app);
    await defineType(app, small.token, ITEM);
    for (let start = 0; start < SMALL; start += 1000) {
      const records = [];
      for (let i = start; i < Math.min(start + 1000, SMALL); i += 1) {
        records.push({ title: SPECIAL_TITLES[i] ?? `Item ${i}`, n: i === 0 ? -5 : i, amount: i + 0.5, note: i % 2 === 0 ? null : `note ${i}` });
      }
      const response = await app.request({ method: 'POST', url: '/api/records/item/bulk', token: small.token, body: { records } });
      assert.equal(response.statusCode, 200, response.body);
    }
    // The starter plan streams at most 100,000 rows: a few more, written directly (faster than the API).
    big = await signup(app, { plano: 'starter' });
    await defineType(app, big.token, ITEM);
    await admin.query(
      `insert into records (tenant_id, id, type_key, type_version, data)
       select $1, gen_random_uuid(), 'item', 1, jsonb_build_object('title', 'Row ' || g, 'n', g, 'note', repeat('x', 200))
       from generate_series(1, $2::int) g`,
      [big.tenantId, STARTER_STREAM_ROWS + 10],
    );
  });
  after(async () => {
    // A failed test may leave a paused stream behind: do not let it hold the server open.
    app.app.server.closeAllConnections();
    await admin.close();
    await app.stop();
  });

  test('NDJSON: every row, then the $end line; headers and trailers', async () => {
    const response = await post(small.token, { from: 'item', select: ['title', 'n', 'amount', 'note'], order_by: [{ field: 'n' }] }, 'application/x-ndjson');
    assert.equal(response.status, 200, response.body);
    assert.match(response.headers['content-type'] ?? '', /^application\/x-ndjson/);
    assert.equal(response.headers['x-tessera-stream-limit'], '1000000');
    assert.deepEqual(response.trailers, { 'x-tessera-row-count': String(SMALL), 'x-tessera-truncated': 'false' });
    const lines = response.body.split('\n');
    assert.equal(lines.pop(), '', 'every line ends with a newline');
    const rows = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(rows.pop(), { $end: { rows: SMALL, truncated: false, max_stream_rows: 1_000_000 } });
    assert.equal(rows.length, SMALL);
    assert.deepEqual(rows[0], { title: 'Comma, inside', n: -5, amount: 0.5, note: null });
    assert.deepEqual(rows[2], { title: 'Line\nbreak', n: 2, amount: 2.5, note: null });
    assert.deepEqual(rows.map((row) => row.n), [-5, ...Array.from({ length: SMALL - 1 }, (_, i) => i + 1)]);
  });

  test('CSV: a header row, RFC 4180 quoting, formulas neutralised, numbers as they are', async () => {
    const response = await post(small.token, { from: 'item', select: ['title', 'n', 'amount', 'note'], order_by: [{ field: 'n' }] }, 'text/csv');
    assert.equal(response.status, 200, response.body);
    assert.match(response.headers['content-type'] ?? '', /^text\/csv/);
    assert.equal(response.trailers['x-tessera-truncated'], 'false');
    assert.ok(response.body.startsWith('title,n,amount,note\r\n'));
    assert.ok(response.body.includes('"Quote "" inside"'));
    const records = parseCsv(response.body);
    assert.equal(records.length, SMALL + 1);
    assert.deepEqual(records.slice(0, 10), [
      ['title', 'n', 'amount', 'note'],
      ['Comma, inside', '-5', '0.5', ''],
      ['Quote " inside', '1', '1.5', 'note 1'],
      ['Line\nbreak', '2', '2.5', ''],
      ["'=SUM(A1:A2)", '3', '3.5', 'note 3'],
      ["'+1", '4', '4.5', ''],
      ["'-2", '5', '5.5', 'note 5'],
      ["'@cmd", '6', '6.5', ''],
      ["'\tTab", '7', '7.5', 'note 7'],
      ['plain', '8', '8.5', ''],
    ]);
  });

  test("the plan's row limit: the stream stops there and says it was truncated", async () => {
    const ndjson = await post(big.token, { from: 'item', select: ['n'] }, 'application/x-ndjson');
    assert.equal(ndjson.status, 200, ndjson.body.slice(0, 500));
    assert.equal(ndjson.headers['x-tessera-stream-limit'], String(STARTER_STREAM_ROWS));
    const lines = ndjson.body.trimEnd().split('\n');
    assert.equal(lines.length, STARTER_STREAM_ROWS + 1);
    assert.deepEqual(JSON.parse(lines.at(-1) as string), { $end: { rows: STARTER_STREAM_ROWS, truncated: true, max_stream_rows: STARTER_STREAM_ROWS } });
    assert.deepEqual(ndjson.trailers, { 'x-tessera-row-count': String(STARTER_STREAM_ROWS), 'x-tessera-truncated': 'true' });
    const csv = await post(big.token, { from: 'item', select: ['n'] }, 'text/csv');
    assert.equal(csv.body.trimEnd().split('\r\n').length, STARTER_STREAM_ROWS + 1);
    assert.equal(csv.trailers['x-tessera-truncated'], 'true');
    await until('the streams have given their connections back', poolIsIdle);
  });

  test('errors before the first row are problem documents; JSON stays the default', async () => {
    const invalid = await post(small.token, { from: 'nope' }, 'application/x-ndjson');
    assert.equal(invalid.status, 400);
    assert.equal(JSON.parse(invalid.body).type, '/problems/invalid-query');
    const json = await fetch(`${base}/api/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${small.token}`, 'content-type': 'application/json', accept: 'application/json, application/x-ndjson;q=0.5' },
      body: JSON.stringify({ from: 'item', select: ['n'], limit: 2, order_by: [{ field: 'n' }] }),
    });
    assert.equal(json.status, 200);
    assert.deepEqual((await json.json()).data, [{ n: -5 }, { n: 1 }]);
    assertProblem(await app.request({ method: 'POST', url: '/api/query', token: small.token, body: { from: 'item', limit: 0 }, headers: { accept: 'text/csv' } }), 400, 'invalid-query');
  });

  test("a slow client is not cut off: the plan's statement timeout bounds each batch, not the whole stream", async () => {
    const { request, response } = startPaused(big.token, { from: 'item', select: ['n'] });
    try {
      const incoming = await response;
      // Longer than the starter plan's 5 s statement timeout, with the cursor open.
      await sleep(6_000);
      let text = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => {
        text += chunk;
      });
      incoming.resume();
      await new Promise((resolve) => incoming.on('end', resolve));
      assert.deepEqual(JSON.parse(text.trimEnd().split('\n').at(-1) as string), { $end: { rows: STARTER_STREAM_ROWS, truncated: true, max_stream_rows: STARTER_STREAM_ROWS } });
    } finally {
      request.destroy();
    }
    await until('the connection is back in the pool', poolIsIdle);
  });

  test('a client that stops reading holds the stream open; when it leaves, the cursor is closed, rolled back and the connection returned', async () => {
    const { request, response } = startPaused(big.token, { from: 'item', select: ['title', 'note'] });
    try {
      const incoming = await response;
      assert.equal(incoming.statusCode, 200);
      // 25 MB of rows cannot all sit in socket buffers: the server waits for the client, its transaction and cursor open.
      await until('the stream holds its transaction open', async () =>
        (await appBackends()).some((backend) => backend.in_transaction && backend.wait_event === 'ClientRead'));
      assert.ok(pool.totalCount - pool.idleCount >= 1, 'a connection is held by the stream');
    } finally {
      request.destroy();
    }
    await until('no open transaction and no running query', noOpenTransaction);
    await until('the connection is back in the pool', poolIsIdle);
    const next = await post(big.token, { from: 'item', select: ['n'], limit: 1 }, 'application/json');
    assert.equal(next.status, 200, next.body);
  });

  test('a client that leaves while the first batch is being computed cancels the statement', async () => {
    const enterprise = await signup(app, { plano: 'enterprise' });
    await defineType(app, enterprise.token, ITEM);
    // Its own connection: pg_stat_activity is read outside its transaction (inside one it is a snapshot).
    const locker = new pg.Client({ connectionString: app.database.adminUrl });
    await locker.connect();
    await locker.query('begin');
    try {
      // The query's read of records waits for this lock: a first batch that does not come.
      await locker.query('lock table records in access exclusive mode');
      const { request } = startPaused(enterprise.token, { from: 'item' });
      try {
        await until('the query waits for the lock', async () => (await appBackends()).some((backend) => backend.state === 'active' && backend.wait_event_type === 'Lock'));
      } finally {
        request.destroy();
      }
      // Within the enterprise plan's 30 s statement timeout: only a cancel ends it this early.
      await until('the waiting statement is cancelled', async () => !(await appBackends()).some((backend) => backend.state === 'active'));
      await until('the connection is back in the pool', poolIsIdle);
      assert.ok(await noOpenTransaction());
    } finally {
      await locker.query('rollback');
      await locker.end();
    }
  });

  describe('RowStream over a real cursor', () => {
    let client: pg.Client;
    before(async () => {
      client = new pg.Client({ connectionString: app.database.adminUrl });
      await client.connect();
    });
    after(async () => {
      await client.end();
    });

    const source = (text: string, maxRows = 1_000_000) => ({
      cursor: client.query(new Cursor(text)),
      columns: [{ name: 'n', column: 'c0', decode: 'integer' as const }],
      encoder: rowEncoder('ndjson', ['n']),
      maxRows,
      batchTimeoutMs: 60_000,
      stallTimeoutMs: 60_000,
      cancel: async () => undefined,
      problemOf: (error: unknown) => ({ type: '/problems/query-failed', detail: String((error as { code?: string }).code) }),
    });

    test('nobody reading: it stops fetching after a few batches (backpressure); destroyed: closes the cursor', async () => {
      await client.query('begin');
      const stream = await RowStream.open(source('select g::text as c0 from generate_series(1, 100000) g'));
      await new Promise((resolve) => stream.once('readable', resolve));
      assert.ok(stream.read() !== null);
      await until('the stream waits for its consumer', () => stream.waiting && stream.readableLength >= stream.readableHighWaterMark);
      const sent = stream.sent;
      assert.ok(sent <= 5 * STREAM_BATCH, `fetched ${sent} of 100000 rows with nobody reading`);
      for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(stream.sent, sent, 'and fetches no more while nobody reads');
      stream.destroy();
      await assert.rejects(stream.done, StreamAborted);
      assert.deepEqual((await client.query('select 1 as one')).rows, [{ one: 1 }], 'the cursor is closed: the connection is usable');
      await client.query('rollback');
    });

    test('an error after the first rows ends an NDJSON stream with a $error line', async () => {
      await client.query('begin');
      const stream = await RowStream.open(source('select (10 / (g - 600))::text as c0 from generate_series(1, 1000) g'));
      let text = '';
      for await (const chunk of stream) text += String(chunk);
      await assert.rejects(stream.done, (error: { code?: string }) => error.code === '22012');
      const lines = text.trimEnd().split('\n');
      assert.equal(lines.length, STREAM_BATCH + 1);
      assert.deepEqual(JSON.parse(lines.at(-1) as string), { $error: { type: '/problems/query-failed', detail: '22012' } });
      await client.query('rollback');
    });
  });
});
