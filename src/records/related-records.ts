// Type-level rules on write, across relations (docs/entities.md, "Rules").
// A rule that stays on the record is evaluated over the record alone, with no
// statement at all. A rule that follows references (`asset.status`) or ranges
// over related records (`some`/`none`/`every` over a references field or a
// reverse relation) gets what it reads loaded in the writer's transaction,
// level by level: the records referenced at one hop level in one statement,
// the related records of every reverse relation at that level in one more
// (at most RELATED_CAP per record and relation). Then the condition language's
// evaluator runs over an in-memory RecordView of what was loaded, in which the
// record being written has its NEW values.
//
// The writer's transaction sees what the writer may see: records the row ACL
// hides are not loaded (a path through one reads as null; a quantifier does
// not count it). Related records are read, not locked: like a CHECK
// constraint, a rule is judged when the record is written, and a later change
// of a related record does not re-check it.
import { inMemoryRecords, type RecordSet, type StoredRecord } from '../conditions/index.ts';
import { isUuidText, loadCurrentDefinitions, type EntityTypeDefinition } from '../entities/index.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import type { FieldError } from '../platform/http/errors.ts';
import { compileRules, isEmptyNeeds, type CompiledRules, relationNeeds, ruleErrors, thisTypeOnly, type RelationNeeds, type RuleContext } from './core/rules.ts';
import type { RecordRow } from './record-row.ts';
import { SELECT_RECORDS_BY_ID } from './records.sql.ts';
import { REVERSE_RELATED } from './relations.sql.ts';

/** Related records one reverse relation may have per record for a rule to be checked on write. */
export const RELATED_CAP = 1000;
/** Records one write may load for its rules, over every level. */
export const LOADED_CAP = 10_000;

type Row = RecordRow;

/**
 * A record as the condition language reads it: the stored data, then the
 * system fields (its workflow position included, so guards and rules over
 * related records read `state`, `state_category`, ...).
 */
export function storedOf(row: RecordRow): StoredRecord {
  return {
    ...row.data,
    id: row.id,
    type: row.type_key,
    version: row.version,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    created_by: row.created_by,
    updated_by: row.updated_by,
    state: row.state,
    state_category: row.state_category,
    state_entered_at: row.state_entered_at?.toISOString() ?? null,
    workflow_version: row.workflow_version,
    sla_status: row.sla_status,
    sla_due_at: row.sla_due_at?.toISOString() ?? null,
  };
}

/** The ids a stored relation value names (any value left over from an older schema names none). */
function idsIn(value: unknown): string[] {
  const candidates = Array.isArray(value) ? value : typeof value === 'object' && value !== null ? [(value as { id?: unknown }).id] : [value];
  return candidates.filter((id): id is string => typeof id === 'string' && isUuidText(id)).map((id) => id.toLowerCase());
}

interface Frontier {
  readonly ids: readonly string[];
  readonly needs: RelationNeeds;
}

type Loaded = { readonly ok: true; readonly records: RecordSet } | { readonly ok: false; readonly message: string };

const tooMany: Loaded = { ok: false, message: `they read more than ${LOADED_CAP} related records` };

/**
 * Loads what `needs` reads from `root` outwards. `root` carries the values
 * being written; a stored copy of it is never used. `isNew`: root is not
 * stored yet, so nothing can link to it.
 */
export async function loadRelated(tx: TenantTx, root: StoredRecord, needs: RelationNeeds, isNew: boolean): Promise<Loaded> {
  const rootId = root.id.toLowerCase();
  const loaded = new Map<string, StoredRecord>([[rootId, root]]);
  const keep = (row: Row) => {
    const id = row.id.toLowerCase();
    if (!loaded.has(id)) loaded.set(id, storedOf(row));
  };
  let frontier: Frontier[] = [{ ids: [rootId], needs }];
  while (frontier.length > 0) {
    const next: Frontier[] = [];
    const forward: Frontier[] = [];
    const reverse: { ids: readonly string[]; sourceType: string; field: string; path: string; needs: RelationNeeds }[] = [];
    for (const { ids, needs: at } of frontier) {
      const records = ids.map((id) => loaded.get(id)).filter((record): record is StoredRecord => record !== undefined);
      for (const [field, child] of [...at.follow, ...at.forward]) {
        forward.push({ ids: [...new Set(records.flatMap((record) => idsIn(record[field])))], needs: child });
      }
      for (const relation of at.reverse.values()) reverse.push({ ...relation, ids });
    }
    const missing = [...new Set(forward.flatMap((edge) => edge.ids))].filter((id) => !loaded.has(id));
    if (loaded.size + missing.length > LOADED_CAP) return tooMany;
    if (missing.length > 0) for (const row of (await tx.query<Row>(SELECT_RECORDS_BY_ID, [missing])).rows) keep(row);
    next.push(...forward);
    const asked = reverse.flatMap((relation) =>
      relation.ids.filter((id) => !(isNew && id === rootId)).map((id) => ({ id, sourceType: relation.sourceType, field: relation.field })),
    );
    const found = new Map<string, string[]>();
    if (asked.length > 0) {
      const { rows } = await tx.query<Row & { related_to: string; via_field: string; via_type: string }>(REVERSE_RELATED, [
        asked.map((ask) => ask.id),
        asked.map((ask) => ask.field),
        asked.map((ask) => ask.sourceType),
        RELATED_CAP + 1,
        LOADED_CAP - loaded.size + 1,
      ]);
      if (loaded.size + rows.length > LOADED_CAP) return tooMany;
      for (const row of rows) {
        keep(row);
        const key = `${row.related_to.toLowerCase()} ${row.via_type}.${row.via_field}`;
        found.set(key, [...(found.get(key) ?? []), row.id.toLowerCase()]);
      }
    }
    for (const relation of reverse) {
      const related = relation.ids.flatMap((id) => found.get(`${id} ${relation.path}`) ?? []);
      if (relation.ids.some((id) => (found.get(`${id} ${relation.path}`)?.length ?? 0) > RELATED_CAP)) {
        return { ok: false, message: `more than ${RELATED_CAP} related records through ${relation.path}` };
      }
      // The record being written may newly point at one of these records: its new values decide (in memory).
      if (root.type === relation.sourceType) related.push(rootId);
      next.push({ ids: [...new Set(related)], needs: relation.needs });
    }
    frontier = next.filter((edge) => edge.ids.length > 0 && !isEmptyNeeds(edge.needs));
  }
  return { ok: true, records: inMemoryRecords(loaded.values()) };
}

/** Rules compiled once per transaction and definition (a bulk request checks many records against the same rules). */
const compiledIn = new WeakMap<TenantTx, WeakMap<EntityTypeDefinition, CompiledRules>>();

async function compiledRules(tx: TenantTx, definition: EntityTypeDefinition): Promise<CompiledRules> {
  const cached = compiledIn.get(tx)?.get(definition);
  if (cached) return cached;
  let compiled = compileRules(definition, thisTypeOnly(definition));
  if (compiled.unresolved > 0) {
    // Rules reaching other types: compile them against the current registry.
    // One that no longer type-checks there (a type it reads changed since) is not checked.
    const registry = await loadCurrentDefinitions(tx);
    compiled = compileRules(definition, { type: (key) => (key === definition.key ? definition : registry.get(key)) });
  }
  const byDefinition = compiledIn.get(tx) ?? new WeakMap<EntityTypeDefinition, CompiledRules>();
  byDefinition.set(definition, compiled);
  compiledIn.set(tx, byDefinition);
  return compiled;
}

/** The record being written, as rules see it. */
export interface RuleSubject {
  readonly id: string;
  readonly type: string;
  /** The new data, already validated. */
  readonly data: Readonly<Record<string, unknown>>;
  /** The stored row on an update; absent on a create. */
  readonly stored?: { readonly version: number; readonly created_at: Date; readonly created_by: string | null };
  /** The record's place in its workflow as this write leaves it (absent: none). */
  readonly workflow?: { readonly state: string; readonly state_category: string; readonly workflow_version: number } | null;
}

/**
 * The type's rules the record being written violates, as FieldErrors for the
 * 422. No statement unless a rule reaches other records; one more (the
 * registry) when a rule reaches other types.
 */
export async function ruleProblems(tx: TenantTx, definition: EntityTypeDefinition, subject: RuleSubject, userId: string | null): Promise<FieldError[]> {
  if ((definition.rules ?? []).length === 0) return [];
  const now = new Date();
  const context: RuleContext = { now, userId };
  // System fields as they will be stored by this write.
  const root: StoredRecord = {
    ...subject.data,
    id: subject.id,
    type: subject.type,
    version: (subject.stored?.version ?? 0) + 1,
    created_at: (subject.stored?.created_at ?? now).toISOString(),
    updated_at: now.toISOString(),
    created_by: subject.stored ? subject.stored.created_by : userId,
    updated_by: userId,
    state: subject.workflow?.state ?? null,
    state_category: subject.workflow?.state_category ?? null,
    workflow_version: subject.workflow?.workflow_version ?? null,
  };
  const isNew = subject.stored === undefined;
  const compiled = await compiledRules(tx, definition);
  const relational = compiled.rules.filter((rule) => rule.relational);
  if (relational.length === 0) return ruleErrors(compiled.rules, inMemoryRecords([root]).view(root), context);
  const loaded = await loadRelated(tx, root, relationNeeds(relational.map((rule) => rule.condition)), isNew);
  if (!loaded.ok) {
    // Refused rather than passed: a rule judged on part of its records could let a violation through.
    const local = ruleErrors(compiled.rules.filter((rule) => !rule.relational), inMemoryRecords([root]).view(root), context);
    return [...local, { pointer: '/', message: `rules ${relational.map((rule) => rule.key).join(', ')} cannot be checked on write: ${loaded.message}` }];
  }
  return ruleErrors(compiled.rules, loaded.records.view(root), context);
}
