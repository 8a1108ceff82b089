// The entity type registry: each organisation's own data models. Every change
// appends an immutable version (definition + diff from the previous current
// one) and moves the type's current pointer, under a row lock on the type, in
// the same transaction as its audit entry and event. Validation is the pure
// core's (src/entities/core); this file only loads, locks and stores. What a
// change does to index entries (build them now, or queue a background build)
// is src/entities/index-builds.
import { recordAudit } from '../audit/index.ts';
import { emitEvent } from '../events/index.ts';
import type { TenantCall } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { AppError, PlatformErrors, type FieldError } from '../platform/http/errors.ts';
import type { EntityTypeDefinition, RegistrySnapshot } from './core/definitions.ts';
import { diffDefinitions, isEmptyDiff, type DefinitionDiff } from './core/diff.ts';
import { parseDefinition } from './core/parse-definition.ts';
import { applyPatch, rebaseErrors, withAddedField, type Candidate } from './core/patch.ts';
import { checkRuleConditions } from './core/rule-conditions.ts';
import { indexChanges, mayInvalidate, newlyUniqueFields } from './core/narrowing.ts';
import { storedRecordErrors } from '../records/core/stored-record.ts';
import { EntityTypeErrors } from './entity-types.errors.ts';
import { applyIndexChanges, listIndexBuilds, type IndexBuildView } from './index-builds/index.ts';
import type { ChangePreview, EntityType, EntityTypeVersion, InvalidRecords, RecordsCheck, UniqueConflict } from './entity-types.schemas.ts';
import {
  CURRENT_DEFINITIONS,
  DUPLICATE_VALUES,
  FIELD_KEYS_WITH_HISTORY,
  SCAN_RECORDS,
  INSERT_TYPE,
  INSERT_VERSION,
  LIST_TYPES,
  LIST_VERSIONS,
  LOCK_TYPE,
  SELECT_TYPE,
  SELECT_VERSION_DEFINITION,
  SET_CURRENT_VERSION,
} from './entity-types.sql.ts';

type ChangeKind = 'create' | 'update' | 'add_field' | 'rollback';

interface TypeRow {
  key: string;
  current_version: number;
  source: 'tenant' | 'pack';
  source_pack: string | null;
  source_pack_version: string | null;
  created_at: Date;
  updated_at: Date;
  definition: EntityTypeDefinition;
}

interface VersionRow {
  version: number;
  change_kind: ChangeKind;
  created_by: string | null;
  created_at: Date;
  diff: DefinitionDiff;
  definition: EntityTypeDefinition | null;
}

function toEntityType(row: TypeRow): EntityType {
  const { definition } = row;
  return {
    key: definition.key,
    label: definition.label,
    description: definition.description ?? null,
    fields: definition.fields as EntityType['fields'],
    rules: (definition.rules ?? []) as EntityType['rules'],
    version: row.current_version,
    source: row.source,
    source_pack: row.source_pack,
    source_pack_version: row.source_pack_version,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** The type with the builds it reports (the member is left out when there are none). */
function withBuilds(type: EntityType, builds: readonly IndexBuildView[] | undefined): EntityType {
  return builds && builds.length > 0 ? { ...type, index_builds: [...builds] } : type;
}

function invalid(errors: readonly FieldError[]): AppError {
  const detail = `${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((e) => `${e.pointer} ${e.message}`).join('; ')}`;
  return new AppError(PlatformErrors['validation-failed'], detail, errors);
}

function notFound(key: string): AppError {
  return new AppError(PlatformErrors['not-found'], `No entity type "${key}" in this organisation.`);
}

/** The current definitions of all the organisation's types. */
async function loadRegistry(tx: TenantTx): Promise<Map<string, EntityTypeDefinition>> {
  const { rows } = await tx.query<{ key: string; definition: EntityTypeDefinition }>(CURRENT_DEFINITIONS);
  return new Map(rows.map((row) => [row.key, row.definition]));
}

/** Parses the candidate and runs the rule check against the registry as it would be after the change. */
function validate(candidate: unknown, registry: Map<string, EntityTypeDefinition>, rebase: (errors: FieldError[]) => FieldError[]): EntityTypeDefinition {
  const parsed = parseDefinition(candidate, { typeExists: (key) => registry.has(key) });
  if (!parsed.ok) throw invalid(rebase(parsed.errors));
  const snapshot: RegistrySnapshot = {
    type: (key) => (key === parsed.definition.key ? parsed.definition : registry.get(key)),
  };
  const ruleErrors = checkRuleConditions(parsed.definition, snapshot);
  if (ruleErrors.length > 0) throw invalid(rebase(ruleErrors));
  return parsed.definition;
}

/** Records read by one preview or change at most; beyond it the answer says `capped`. */
export const SCAN_CAP = 100_000;
const SCAN_BATCH = 1000;
const EXAMPLES = 5;

/** What to do when a narrowing change meets records it invalidates: refuse (409) or apply and report them. */
export type OnInvalid = 'refuse' | 'accept';

type Built = { candidate: Candidate; rebase: (errors: FieldError[]) => FieldError[] };

interface Assessment {
  readonly diff: DefinitionDiff;
  readonly records: RecordsCheck;
  readonly indexes: { build: string[]; drop: string[] };
  readonly unique_conflicts: UniqueConflict[];
}

/**
 * Reads the type's records (keyset by id, in batches, up to SCAN_CAP) and
 * counts those that the proposed definition invalidates and the current one
 * did not (a record already invalid under the current definition is not
 * this change's doing). Skipped, with `scanned: false`, for widening changes.
 */
async function checkRecords(tx: TenantTx, key: string, current: EntityTypeDefinition, proposed: EntityTypeDefinition, scan: boolean): Promise<RecordsCheck> {
  const result = { scanned: scan, total: 0, failing: 0, capped: false, examples: [] as RecordsCheck['examples'] };
  if (!scan) return result;
  const context = { now: new Date(), userId: null };
  let after: string | null = null;
  while (result.total < SCAN_CAP) {
    const limit = Math.min(SCAN_BATCH, SCAN_CAP - result.total);
    const { rows }: { rows: { id: string; data: Record<string, unknown> }[] } = await tx.query(SCAN_RECORDS, [key, after, limit]);
    for (const row of rows) {
      const known = new Set(storedRecordErrors(current, row.data, context).map((error) => `${error.pointer} ${error.message}`));
      const errors = storedRecordErrors(proposed, row.data, context).filter((error) => !known.has(`${error.pointer} ${error.message}`));
      if (errors.length === 0) continue;
      result.failing += 1;
      if (result.examples.length < EXAMPLES) result.examples.push({ id: row.id, errors: errors.map(({ pointer, message }) => ({ pointer, message })) });
    }
    result.total += rows.length;
    if (rows.length < limit) return result;
    after = rows[rows.length - 1]!.id;
  }
  // Stopped at the cap: there may be more records.
  const more = await tx.query(SCAN_RECORDS, [key, after, 1]);
  result.capped = more.rows.length > 0;
  return result;
}

async function assess(tx: TenantTx, key: string, current: EntityTypeDefinition, proposed: EntityTypeDefinition): Promise<Assessment> {
  const diff = diffDefinitions(current, proposed);
  const history = new Set((await tx.query<{ key: string }>(FIELD_KEYS_WITH_HISTORY, [key])).rows.map((row) => row.key));
  const records = await checkRecords(tx, key, current, proposed, mayInvalidate(diff, history));
  const unique_conflicts: UniqueConflict[] = [];
  for (const field of newlyUniqueFields(current, proposed, history)) {
    if (unique_conflicts.length >= EXAMPLES) break;
    const { rows } = await tx.query<{ value: unknown; count: number }>(DUPLICATE_VALUES, [key, field.key, EXAMPLES - unique_conflicts.length]);
    unique_conflicts.push(...rows.map((row) => ({ field: field.key, value: row.value, count: row.count })));
  }
  return { diff, records, indexes: indexChanges(current, proposed), unique_conflicts };
}

function unsafeReasons(assessment: Pick<Assessment, 'records' | 'unique_conflicts'>): string[] {
  const reasons: string[] = [];
  const { records } = assessment;
  if (records.failing > 0) reasons.push(`${records.failing} existing record${records.failing === 1 ? '' : 's'} would no longer validate${records.capped ? ` (among the first ${records.total} read)` : ''}`);
  for (const conflict of assessment.unique_conflicts) reasons.push(`field ${conflict.field} would be unique but ${conflict.count} records hold the same value`);
  return reasons;
}

const ACTIONS: Record<ChangeKind, string> = {
  create: 'entity_type.created',
  update: 'entity_type.updated',
  add_field: 'entity_type.updated',
  rollback: 'entity_type.rolled_back',
};

/** The preview body: `{ add_field: {...} }` previews POST /fields, anything else is a PATCH body. */
function previewBuild(body: unknown, current: EntityTypeDefinition): Built {
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.hasOwn(body, 'add_field')) {
    const { add_field: field, ...rest } = body as Record<string, unknown>;
    if (Object.keys(rest).length > 0) return { candidate: { ok: false, errors: Object.keys(rest).map((name) => ({ pointer: `/${name}`, message: 'cannot be combined with add_field' })) }, rebase: (errors) => errors };
    const { candidate, index } = withAddedField(current, field);
    return { candidate: { ok: true, candidate }, rebase: (errors) =>
        errors.map((error) => {
          const prefix = `/fields/${index}`;
          if (error.pointer === prefix || error.pointer.startsWith(`${prefix}/`)) return { ...error, pointer: `/add_field${error.pointer.slice(prefix.length)}` };
          return error;
        }),
    };
  }
  return { candidate: applyPatch(current, body), rebase: (errors) => errors };
}

export interface EntityTypesOptions {
  /** Index entries of a change are built inside it for types with at most this many records; 0: always in the background. */
  readonly requestBuildMax: number;
  /** Called after a change that queued background builds has committed (wakes this process's worker). */
  readonly onBuildsQueued?: () => void;
}

const DEFAULT_OPTIONS: EntityTypesOptions = { requestBuildMax: 1000 };

export class EntityTypesService {
  constructor(
    private readonly db: Database,
    private readonly options: EntityTypesOptions = DEFAULT_OPTIONS,
  ) {}

  async list(call: TenantCall): Promise<EntityType[]> {
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const { rows } = await tx.query<TypeRow>(LIST_TYPES);
      const builds = await listIndexBuilds(tx, null);
      return rows.map((row) => withBuilds(toEntityType(row), builds.get(row.key)));
    });
  }

  async get(call: TenantCall, key: string): Promise<EntityType> {
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const { rows } = await tx.query<TypeRow>(SELECT_TYPE, [key]);
      if (!rows[0]) throw notFound(key);
      return withBuilds(toEntityType(rows[0]), (await listIndexBuilds(tx, key)).get(key));
    });
  }

  async create(call: TenantCall, body: unknown): Promise<EntityType> {
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const registry = await loadRegistry(tx);
      const definition = validate(body, registry, (errors) => errors);
      // on conflict do nothing waits for a concurrent insert of the same key, then reports it here.
      const inserted = await tx.query(INSERT_TYPE, [definition.key, call.scope.userId]);
      if (inserted.rowCount === 0) {
        throw new AppError(PlatformErrors.conflict, `An entity type "${definition.key}" already exists in this organisation.`, [
          { pointer: '/key', message: 'is already an entity type of this organisation' },
        ]);
      }
      const created = await this.recordVersion(tx, call, { key: definition.key, version: 1, kind: 'create', before: null, beforeType: null, definition });
      // No records yet: its indexed fields are complete from the start.
      await applyIndexChanges(tx, { type: definition.key, version: 1, before: null, after: definition, mode: 'create' }, this.options.requestBuildMax);
      return created;
    });
  }

  /** PATCH: members present replace the current ones; the result is validated whole. */
  update(call: TenantCall, key: string, patch: unknown, onInvalid: OnInvalid = 'refuse'): Promise<EntityType & { invalid_records?: InvalidRecords }> {
    return this.change(call, key, 'update', onInvalid, (current) => ({ candidate: applyPatch(current, patch), rebase: (errors) => errors }));
  }

  /** Appends one field; errors point into the field (the request body). */
  addField(call: TenantCall, key: string, field: unknown, onInvalid: OnInvalid = 'refuse'): Promise<EntityType & { invalid_records?: InvalidRecords }> {
    return this.change(call, key, 'add_field', onInvalid, (current) => {
      const { candidate, index } = withAddedField(current, field);
      return { candidate: { ok: true, candidate }, rebase: (errors) => rebaseErrors(errors, `/fields/${index}`) };
    });
  }

  /**
   * Makes version `toVersion`'s definition current by appending it as a new
   * version. Index entries it needs are always built in the background, so
   * it stays one small transaction and is never refused.
   */
  async rollback(call: TenantCall, key: string, toVersion: number): Promise<EntityType> {
    return this.queuingBuilds(call, async (tx, queued) => {
      const locked = await this.lock(tx, key);
      const target = await tx.query<{ definition: EntityTypeDefinition }>(SELECT_VERSION_DEFINITION, [key, toVersion]);
      if (!target.rows[0]) {
        throw invalid([{ pointer: '/to_version', message: `is not a version of this type (1 to ${locked.current_version})` }]);
      }
      const current = await this.current(tx, key);
      const definition = target.rows[0].definition;
      const after = await this.recordVersion(tx, call, { key, version: locked.current_version + 1, kind: 'rollback', before: current.definition, beforeType: current, definition });
      if (after.version > locked.current_version) {
        const result = await applyIndexChanges(tx, { type: key, version: after.version, before: current.definition, after: definition, mode: 'rollback' }, this.options.requestBuildMax);
        queued(result.enqueued);
      }
      return withBuilds(after, (await listIndexBuilds(tx, key)).get(key));
    });
  }

  /** A transaction that may queue background builds; the worker is woken once it has committed. */
  private async queuingBuilds<T>(call: TenantCall, work: (tx: TenantTx, queued: (count: number) => void) => Promise<T>): Promise<T> {
    let enqueued = 0;
    const result = await this.db.tenant.transaction(call.scope, (tx) => work(tx, (count) => (enqueued += count)));
    if (enqueued > 0) this.options.onBuildsQueued?.();
    return result;
  }

  async versions(call: TenantCall, key: string, includeDefinition: boolean): Promise<EntityTypeVersion[]> {
    const { rows } = await this.db.tenant.query<VersionRow>(call.scope, LIST_VERSIONS, [key, includeDefinition]);
    // Every type has at least its first version: no rows means no such type here.
    if (rows.length === 0) throw notFound(key);
    return rows.map((row) => ({
      version: row.version,
      change_kind: row.change_kind,
      created_by: row.created_by,
      created_at: row.created_at.toISOString(),
      diff: row.diff as EntityTypeVersion['diff'],
      ...(row.definition === null ? {} : { definition: row.definition as EntityTypeVersion['definition'] }),
    }));
  }

  /**
   * What a change (a PATCH body, or `{ add_field }`) would do, without doing
   * it: diff, records it invalidates, index entries built and dropped, values
   * duplicated in fields becoming unique. Read-only; takes no lock.
   */
  async preview(call: TenantCall, key: string, body: unknown): Promise<ChangePreview> {
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const current = await this.current(tx, key);
      const built = previewBuild(body, current.definition);
      if (!built.candidate.ok) throw invalid(built.candidate.errors);
      const definition = validate(built.candidate.candidate, await loadRegistry(tx), built.rebase);
      const assessment = await assess(tx, key, current.definition, definition);
      const unsafe_reasons = unsafeReasons(assessment);
      return {
        ...assessment,
        diff: assessment.diff as ChangePreview['diff'],
        current_version: current.current_version,
        safe: unsafe_reasons.length === 0,
        unsafe_reasons,
      };
    });
  }

  private async change(
    call: TenantCall,
    key: string,
    kind: ChangeKind,
    onInvalid: OnInvalid,
    build: (current: EntityTypeDefinition) => Built,
  ): Promise<EntityType & { invalid_records?: InvalidRecords }> {
    return this.queuingBuilds(call, async (tx, queued) => {
      const locked = await this.lock(tx, key);
      const current = await this.current(tx, key);
      const { candidate, rebase } = build(current.definition);
      if (!candidate.ok) throw invalid(candidate.errors);
      const registry = await loadRegistry(tx);
      const definition = validate(candidate.candidate, registry, rebase);
      // Under the type lock, so no concurrent change slips between check and apply.
      const { records, unique_conflicts } = await assess(tx, key, current.definition, definition);
      // Duplicates are refused even with accept: the database could not enforce the uniqueness.
      if (unique_conflicts.length > 0 || (records.failing > 0 && onInvalid !== 'accept')) {
        const reasons = unsafeReasons({ records, unique_conflicts });
        throw new AppError(EntityTypeErrors['change-breaks-records'], `The change was not applied: ${reasons.join('; ')}.`, [], { records, unique_conflicts });
      }
      const recorded = await this.recordVersion(tx, call, {
        key,
        version: locked.current_version + 1,
        kind,
        before: current.definition,
        beforeType: current,
        definition,
      });
      if (recorded.version > locked.current_version) {
        const index = await applyIndexChanges(tx, { type: key, version: recorded.version, before: current.definition, after: definition, mode: 'change' }, this.options.requestBuildMax);
        // The build inside the change met values repeated as the unique index
        // compares them (equal instants written differently, say), which the
        // JSON comparison above did not see: refused, like any repeat.
        if (index.refused) {
          const reasons = index.conflicts.length > 0 ? unsafeReasons({ records: { ...records, failing: 0 }, unique_conflicts: index.conflicts }) : ['fields made unique hold repeated values'];
          throw new AppError(EntityTypeErrors['change-breaks-records'], `The change was not applied: ${reasons.join('; ')}.`, [], { records, unique_conflicts: index.conflicts });
        }
        queued(index.enqueued);
      }
      const after = withBuilds(recorded, (await listIndexBuilds(tx, key)).get(key));
      return records.failing > 0 ? { ...after, invalid_records: { count: records.failing, capped: records.capped, examples: records.examples } } : after;
    });
  }

  /** Locks the type row for the rest of the transaction; 404 when the organisation has no such type. */
  private async lock(tx: TenantTx, key: string): Promise<{ current_version: number }> {
    const { rows } = await tx.query<{ key: string; current_version: number }>(LOCK_TYPE, [key]);
    if (!rows[0]) throw notFound(key);
    return rows[0];
  }

  private async current(tx: TenantTx, key: string): Promise<TypeRow & { type: EntityType }> {
    const { rows } = await tx.query<TypeRow>(SELECT_TYPE, [key]);
    if (!rows[0]) throw notFound(key);
    return { ...rows[0], type: toEntityType(rows[0]) };
  }

  /**
   * Appends the version and makes it current, with its audit entry and event.
   * A change that changes nothing records nothing and answers the type as it is.
   */
  private async recordVersion(
    tx: TenantTx,
    call: TenantCall,
    change: {
      key: string;
      version: number;
      kind: ChangeKind;
      before: EntityTypeDefinition | null;
      beforeType: (TypeRow & { type: EntityType }) | null;
      definition: EntityTypeDefinition;
    },
  ): Promise<EntityType> {
    const diff = diffDefinitions(change.before, change.definition);
    if (change.beforeType !== null && isEmptyDiff(diff)) return change.beforeType.type;
    await tx.query(INSERT_VERSION, [change.key, change.version, JSON.stringify(change.definition), JSON.stringify(diff), change.kind, call.scope.userId]);
    if (change.version > 1) await tx.query(SET_CURRENT_VERSION, [change.key, change.version]);
    const after = (await this.current(tx, change.key)).type;
    const action = ACTIONS[change.kind];
    await recordAudit(tx, {
      actor: call.actor,
      action,
      target: { type: 'entity_type', id: change.key },
      ...(change.beforeType === null ? {} : { before: change.beforeType.type }),
      after,
      origin: call.origin,
    });
    await emitEvent(tx, {
      type: action,
      subject: { type: 'entity_type', id: change.key },
      payload: { entity_type: after, version: change.version, change_kind: change.kind, diff },
    });
    return after;
  }
}
