// The compiled statements use indexes under RLS: EXPLAIN as the runtime role
// (tessera_app) with the tenant set, on a few thousand records, shows index
// scans where an index exists and no sequential scan of records, record_index
// or record_links: a filter on an indexed field goes through record_index, a
// path filter through a reference starts from the target's index entries and
// follows record_links_to, a reverse-relation count and a quantifier use
// record_links_to per row, and a plain page reads records_type_id in order.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { compileQuery } from '../../src/query/core/compile.ts';
import { aggregateQuery, listQuery, registryOf, reverse, spec } from '../../src/query/core/compile-fixtures.ts';
import type { EntityTypeDefinition } from '../../src/entities/core/definitions.ts';
import type { CompiledStatement, ValidatedQuery } from '../../src/query/core/query.ts';
import { startHarness, type Harness } from './harness.ts';

const TYPES: EntityTypeDefinition[] = [
  { key: 'asset', label: 'Asset', fields: [{ key: 'name', type: 'text' }, { key: 'building', type: 'text', indexed: true }] },
  {
    key: 'incident', label: 'Incident', fields: [
      { key: 'code', type: 'text', unique: true },
      { key: 'priority', type: 'enum', values: ['p1', 'p2', 'p3', 'p4'], indexed: true },
      { key: 'minutes_to_respond', type: 'integer', indexed: true },
      { key: 'opened_at', type: 'datetime', indexed: true },
      { key: 'asset', type: 'reference', target: 'asset' },
      { key: 'details', type: 'json' },
    ],
  },
];
const registry = registryOf(TYPES);

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'One-Time Filter'?: string;
  Plans?: PlanNode[];
}

/** The plan's nodes, without subtrees that never run (under a one-time filter folded to false: an index lookup's unused way out). */
function nodes(plan: PlanNode): PlanNode[] {
  if (plan['One-Time Filter'] === 'false') return [];
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe('EXPLAIN of compiled queries as the runtime role under RLS', () => {
  let h: Harness;
  let client: pg.Client;

  before(async () => {
    h = await startHarness(TYPES);
    const assets = await h.createMany('asset', Array.from({ length: 200 }, (_, i) => ({ name: `asset ${i}`, building: `B${i % 100}` })));
    await h.createMany('incident', Array.from({ length: 4000 }, (_, i) => ({
      code: `I-${i}`, priority: `p${(i % 4) + 1}`, minutes_to_respond: i % 500, asset: assets[i % assets.length],
      opened_at: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString(), details: { floor: i % 10 },
    })));
    const admin = new pg.Client({ connectionString: h.app.database.adminUrl });
    await admin.connect();
    await admin.query('analyze');
    await admin.end();
    client = new pg.Client({ connectionString: h.app.database.appUrl });
    await client.connect();
    await client.query(`select set_config('app.tenant_id', $1, false), set_config('app.user_id', $2, false), set_config('app.role', 'gestor', false)`, [h.owner.tenantId, h.owner.userId]);
  });
  after(async () => {
    await client.end();
    await h.stop();
  });

  async function plan(query: ValidatedQuery): Promise<{ nodes: PlanNode[]; text: string; statement: CompiledStatement }> {
    const statement = compileQuery(query, registry, await h.context());
    const { rows } = await client.query(`explain (format json) ${statement.text}`, [...statement.values]);
    const root = rows[0]['QUERY PLAN'][0].Plan as PlanNode;
    return { nodes: nodes(root), text: JSON.stringify(root), statement };
  }

  // The tables the query reads; the row ACL policy's own small tables (entity_type_access, shares...) are not ours to judge.
  const TABLES = new Set(['records', 'record_index', 'record_links']);

  function assertNoSequentialScan(found: { nodes: PlanNode[]; text: string }): void {
    const scans = found.nodes.filter((node) => node['Node Type'] === 'Seq Scan' && TABLES.has(node['Relation Name'] ?? '')).map((node) => node['Relation Name']);
    assert.deepEqual(scans, [], found.text);
  }

  function assertIndex(found: { nodes: PlanNode[]; text: string }, ...indexes: string[]): void {
    assert.ok(found.nodes.some((node) => indexes.includes(node['Index Name'] ?? '')), `expected ${indexes.join(' or ')} in ${found.text}`);
  }

  test('a filter on an indexed field reads record_index (equality, range, in)', async () => {
    const equality = await plan(listQuery({ select: ['code'], where: { field: 'minutes_to_respond', op: 'eq', value: 42 } }, registry));
    assertIndex(equality, 'record_index_number');
    assertNoSequentialScan(equality);
    const range = await plan(listQuery({ select: ['code'], where: { field: 'opened_at', op: 'between', value: ['2026-01-10T00:00:00Z', '2026-01-10T06:00:00Z'] } }, registry));
    assertIndex(range, 'record_index_time');
    assertNoSequentialScan(range);
    const unique = await plan(listQuery({ select: ['code', 'priority'], where: { field: 'code', op: 'in', value: ['I-7', 'I-8'] } }, registry));
    assertIndex(unique, 'record_index_text');
    assertNoSequentialScan(unique);
  });

  test('a filter through a reference starts from the target type’s index entries and record_links_to', async () => {
    const found = await plan(listQuery({ select: ['code', 'asset.name'], where: { field: 'asset.building', op: 'eq', value: 'B7' } }, registry));
    assertIndex(found, 'record_index_text');
    assertIndex(found, 'record_links_to');
    assertNoSequentialScan(found);
  });

  test('a reverse-relation count per row and a quantifier use record_links_to', async () => {
    const select = [
      ...listQuery({ from: 'asset', select: ['name'] }, registry).select,
      { kind: 'related_aggregate' as const, name: 'incidents', relation: reverse('incident.asset', 'asset', registry), aggregate: spec('count', undefined, 'incident', undefined, registry), where: null },
    ];
    const count = await plan({ ...listQuery({ from: 'asset', limit: 20 }, registry), select });
    assertIndex(count, 'record_links_to');
    assertIndex(count, 'records_type_id');
    assertNoSequentialScan(count);
    const quantifier = await plan(listQuery({ from: 'asset', select: ['name'], where: { some: { path: 'incident.asset', where: { field: 'minutes_to_respond', op: 'eq', value: 42 } } } }, registry));
    // Few incidents match: PostgreSQL starts from them (record_index) and follows their links by the primary key.
    assertIndex(quantifier, 'record_index_number');
    assertIndex(quantifier, 'record_links_to', 'record_links_pkey');
    assertNoSequentialScan(quantifier);
  });

  test('a page in id order or by created_at reads a records index in order; a grouped count of a filter reads only its candidates', async () => {
    const page = await plan(listQuery({ select: ['code'], limit: 50 }, registry));
    // Both hold (tenant_id, ..., id) in id order; with most records of one type either serves.
    assertIndex(page, 'records_type_id', 'records_pkey');
    assertNoSequentialScan(page);
    const recent = await plan(listQuery({ select: ['code'], orderBy: [{ field: 'created_at', direction: 'desc' }], limit: 50 }, registry));
    assertIndex(recent, 'records_type_created');
    assertNoSequentialScan(recent);
    const grouped = await plan(aggregateQuery({
      where: { field: 'minutes_to_respond', op: 'in', value: [1, 2, 3] }, groupBy: [{ field: 'opened_at', bucket: 'week', timeZone: 'America/Sao_Paulo' }],
      aggregates: [{ fn: 'count', as: 'n' }, { fn: 'percentile', field: 'minutes_to_respond', p: 0.9, as: 'p90' }],
    }, registry));
    assertIndex(grouped, 'record_index_number');
    assertNoSequentialScan(grouped);
  });
});
