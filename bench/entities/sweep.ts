// The tenant-count sweep of `npm run bench:entities`: as organisations are
// added (cloned with SQL as the owner, 200 records each: signups are slow
// because of scrypt), does one organisation's insert cost or its listing's
// plan time move? Measured in the same (small) organisation at each point,
// as tessera_app with the tenant entered as the API enters it, after a
// checkpoint and a pause so that loading the new organisations is not measured.
// The statements are the records service's own (src/records/records.sql.ts).
import { createHistogram } from 'node:perf_hooks';
import pg from 'pg';
import { pipelined } from '../../src/platform/db/pipelined-query.ts';
import { newId } from '../../src/platform/ids.ts';
import { INSERT_ENTRIES } from '../../src/records/index-entries.sql.ts';
import { INSERT_RECORDS_GUARDED, LIST_RECORDS_BY_INDEX_STAMPED } from '../../src/records/records.sql.ts';
import type { Organisation } from '../setup.ts';
import { INDEXED_FIELDS } from './context.ts';
import { cloneTenants, loadRecords } from './seed.ts';

export interface SweepPoint {
  tenants: number;
  insertsPerSecond: number;
  insertP50Ms: number;
  planMs: number;
  executionMs: number;
}

const FILLER_RECORDS = 200;
/** Inserts are measured in this many windows of INSERT_SECONDS; the point reports the median window (one busy second on a shared machine moves one window). */
const INSERT_WINDOWS = 3;
const INSERT_SECONDS = 2;
/** Pause after a checkpoint before each point, so the writes of the load just before do not land in the measurement. */
const SETTLE_MS = 3000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function measurePoint(app: pg.Client, organisation: Organisation, tenants: number): Promise<SweepPoint> {
  const enter = { text: 'select tessera_enter_tenant($1::uuid, $2::uuid, $3::text, $4::boolean)', values: [organisation.tenantId, organisation.userId, 'gestor', true] };
  // Inserts: the statements the service sends for a create (the record,
  // guarded by the type's stamp, and its index entries), in one round trip,
  // one after another.
  const histogram = createHistogram({ lowest: 1, highest: 60e9, figures: 3 });
  const rates: number[] = [];
  let count = 0;
  for (let window = 0; window < INSERT_WINDOWS; window += 1) {
    const started = process.hrtime.bigint();
    const until = started + BigInt(INSERT_SECONDS * 1e9);
    let inWindow = 0;
    while (process.hrtime.bigint() < until) {
      const id = newId();
      const data = { title: `Sweep ${count}`, status: 'open', region: `region-${count % 100}`, score: count % 1000 };
      const begun = process.hrtime.bigint();
      const inserted = await pipelined<{ id: string | null }>(app, [enter, { text: INSERT_RECORDS_GUARDED, values: ['case', 1, [id], JSON.stringify([data]), organisation.userId, 0, 0, null] }], {
        text: INSERT_ENTRIES,
        values: ['case', INDEXED_FIELDS, [id, id, id], INDEXED_FIELDS, [0, 0, 0], ['open', data.region, null], [null, null, data.score], [null, null, null], [null, null, null], [null, null, null], [false, false, false]],
      });
      if (inserted.rowCount !== 3) throw new Error(`sweep insert wrote ${String(inserted.rowCount)} entries, not 3`);
      histogram.record(process.hrtime.bigint() - begun);
      count += 1;
      inWindow += 1;
    }
    rates.push(inWindow / (Number(process.hrtime.bigint() - started) / 1e9));
  }
  // Plan and execution time of the indexed listing, as EXPLAIN (analyze) reports them.
  const plans: number[] = [];
  const executions: number[] = [];
  for (let i = 0; i < 20; i += 1) {
    await app.query('begin');
    try {
      await app.query(enter.text, enter.values);
      const region = `region-${i}`;
      const { rows } = await app.query<{ 'QUERY PLAN': [{ 'Planning Time': number; 'Execution Time': number }] }>(
        `explain (analyze, format json) ${LIST_RECORDS_BY_INDEX_STAMPED.value_text.id}`,
        ['case', JSON.stringify({ region }), null, null, 51, 'region', region],
      );
      const plan = rows[0]?.['QUERY PLAN'][0];
      if (plan) {
        plans.push(plan['Planning Time']);
        executions.push(plan['Execution Time']);
      }
    } finally {
      await app.query('commit');
    }
  }
  return { tenants, insertsPerSecond: median(rates), insertP50Ms: histogram.percentile(50) / 1e6, planMs: median(plans), executionMs: median(executions) };
}

export async function measureSweep(
  admin: pg.Client,
  appUrl: string,
  organisation: Organisation,
  targets: number[],
  log: (line: string) => void,
): Promise<SweepPoint[]> {
  const app = new pg.Client({ connectionString: appUrl });
  await app.connect();
  try {
    const count = async () => Number((await admin.query<{ n: string }>('select count(*) as n from tenants')).rows[0]?.n ?? 0);
    const points: SweepPoint[] = [];
    let current = await count();
    // The organisations already there are the first point; targets below it cannot be measured in this run.
    for (const target of [current, ...targets.filter((t) => t > current).sort((a, b) => a - b)]) {
      if (target > current) {
        const added = await cloneTenants(admin, organisation.tenantId, target - current, `sweep-${target}`);
        for (const tenantId of added) await loadRecords(admin, tenantId, FILLER_RECORDS, 100);
        await admin.query('vacuum analyze records');
        await admin.query('vacuum analyze record_index');
        current = await count();
      }
      await admin.query('checkpoint');
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const point = await measurePoint(app, organisation, current);
      log(`  ${current} organisations: ${Math.round(point.insertsPerSecond)} inserts/s, plan ${point.planMs.toFixed(2)} ms, execution ${point.executionMs.toFixed(2)} ms`);
      points.push(point);
    }
    return points;
  } finally {
    await app.end();
  }
}
