// Records of custom entity types. Validation is the pure core's
// (src/records/core); this file takes the type's definition and permissions
// from the per-process state cache (type-state.ts: every request checks it
// with its first statement), checks what needs the database (referenced
// records, members), stores the data and its links, and writes the audit
// entry and event in the same transaction. Trailing writes (index entries,
// user refs, audit, outbox) are queued to travel with the COMMIT, so a read
// by id is one round trip, a create two and an update three.
// Reads project `data` through the CURRENT definition and never rewrite it.
import { isUuidText, type EntityTypeDefinition } from '../entities/index.ts';
import type { TenantCall } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import { isPgError } from '../platform/db/sqlstate.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import type { Action } from '../permissions/index.ts';
import { AppError, PlatformErrors } from '../platform/http/errors.ts';
import { newId } from '../platform/ids.ts';
import { decodeCursor, encodeCursor } from './core/cursor.ts';
import { ifMatchAccepts } from './core/etag.ts';
import { parseFilters } from './core/filters.ts';
import { validateCreate, validateUpdate, type RecordBody, type ReferenceValue } from './core/validate-record.ts';
import { accessOf, queueUserRefs, requireAction, requireWritable, type TypeAccess } from './access.ts';
import { createMany, invalid, isLinkViolation } from './bulk-create.ts';
import { expandFields, expandKeys, expandRecords } from './expand.ts';
import {
  chooseIndexLookup,
  findByUnique,
  indexLookupIn,
  isUniqueViolation,
  queueIndexEntries,
  uniqueConflict,
  uniqueConflictIn,
  wantsBackfill,
  type IndexLookup,
} from './index-entries.ts';
import { externalProblems } from './record-checks.ts';
import { queueChanges } from './record-changes.ts';
import { toView, type RecordRow, type WorkflowColumns } from './record-row.ts';
import { deleteWithReferences } from './record-deletion.ts';
import { RecordSharesService } from './record-shares.service.ts';
import { ruleProblems } from './related-records.ts';
import { RecordErrors } from './records.errors.ts';
import type { BulkResult, RecordView } from './records.schemas.ts';
import {
  DELETE_LINKS_OF_FIELDS,
  INSERT_LINKS,
  INSERT_RECORDS_GUARDED,
  LOCK_TYPE_CREATIONS,
  LIST_RECORDS,
  LIST_RECORDS_BY_INDEX,
  LIST_RECORDS_BY_INDEX_STAMPED,
  LIST_RECORDS_STAMPED,
  LOCK_RECORD_STAMPED,
  lockRecordStampedWith,
  LOCK_RECORDS_FOR_DELETE,
  SELECT_RECORD_STAMPED,
  UPDATE_RECORD,
  UPDATE_RECORD_AND_STATE,
  type ListSort,
} from './records.sql.ts';
import { StaleTypeState, stampMatches, StateUse, TypeStates, workflowStamp, type Stamp, type TypeState } from './type-state.ts';
import { SELECT_STAMP } from './type-state.sql.ts';
import { placeNewRecords } from './workflow-placement.ts';

/** What a write stored, for naming the fields of a unique violation after its rollback. */
interface Written {
  definition?: EntityTypeDefinition;
  datas?: readonly Readonly<Record<string, unknown>>[];
  /** Records that existed before the write (their own committed entries are not conflicts). */
  ids?: readonly string[];
}

/** A stamped statement's row: the stamp, and the record's columns (null when there is no record). */
type StampedRow = Stamp & RecordRow;
type ListRow = RecordRow & { sort_value: string };

/** The record columns of a stamped row. */
function recordOf(row: StampedRow): RecordRow {
  const { stamp_version: _version, stamp_revision: _revision, stamp_workflow: _workflow, stamp_complete: _complete, ...record } = row;
  return record;
}

/** A record's place in its workflow as rules read it; null when it is in none. */
function placeOf(columns: {
  state: string | null;
  state_category: string | null;
  workflow_version: number | null;
}): { state: string; state_category: string; workflow_version: number } | null {
  const { state, state_category, workflow_version } = columns;
  return state !== null && state_category !== null && workflow_version !== null ? { state, state_category, workflow_version } : null;
}

const RELATION_TYPES: ReadonlySet<string> = new Set(['reference', 'references', 'any_reference']);

/** A request runs again at most this many times when the type changes under it. */
const STATE_ATTEMPTS = 3;

function typeNotFound(type: string): AppError {
  return new AppError(PlatformErrors['not-found'], `No entity type "${type}" in this organisation.`);
}

function recordNotFound(type: string, id: string): AppError {
  return new AppError(PlatformErrors['not-found'], `No ${type} record ${id} in this organisation.`);
}

function stale(version: number): AppError {
  return new AppError(RecordErrors['record-version-mismatch'], `The record is at version ${version}; If-Match does not name it.`, [], { current_version: version });
}

export interface ReadRecord {
  readonly record: RecordView;
  readonly version: number;
}

/** A record locked by withLockedRecord: its row as stored, and the type's state it was locked with. */
export interface LockedRecord {
  readonly row: RecordRow;
  readonly state: TypeState;
  /** The row of LockOptions.alongside's select, as JSON (undefined when none was sent). */
  readonly alongside?: unknown;
}

export interface LockOptions {
  /** The request's If-Match: a stale one is 412, as in PATCH. */
  readonly ifMatch?: string;
  /** The system acts (timers): no type permission or row ACL check. */
  readonly system?: boolean;
  /**
   * The timer the system acts for: before the record is locked, the
   * transaction takes the visibility workflow_timer_scope() gives while
   * that timer is pending (migrations/0011), so a timeout fires on records
   * of restricted types too.
   */
  readonly timerId?: string;
  /** The permission checked on the type (default 'update'); 'update' also checks the row ACL's write rule. */
  readonly action?: 'update' | 'read';
  /**
   * A read-only select that does not depend on the locked row, sent in the
   * lock's statement (lockRecordStampedWith) to save its round trip: given the
   * type's state, its text with parameters numbered from `first` and their
   * values, or null for none. Its row reaches `work` as `locked.alongside`.
   */
  readonly alongside?: (state: TypeState, first: number) => { readonly text: string; readonly values: readonly unknown[] } | null;
  /**
   * Lock the row (FOR NO KEY UPDATE, the default). false: a read that takes
   * no row lock (the transitions listing), so it never waits on a writer nor
   * makes one wait.
   */
  readonly lock?: boolean;
}

/** How a change made through updateLocked is audited and announced. */
export interface ChangeAudit {
  /** The audit action and event type; default `record.updated`. */
  readonly action: string;
  /** Merged into the event's payload and into the audit entry's `after`. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface RecordsOptions {
  /** The clock: state entry instants, SLA views. Tests pass a fake one. */
  readonly clock?: () => Date;
}

export interface RecordPage {
  readonly data: RecordView[];
  readonly next_cursor: string | null;
}

export class RecordsService {
  /** The record's shares (POST/GET/DELETE /api/records/{type}/{id}/access). */
  readonly shares: RecordSharesService;
  /** Each type's definition and permissions, as this process last saw them. */
  private readonly states = new TypeStates();
  /** What each open write transaction stored, for naming a unique violation found at its commit. */
  private readonly writes = new WeakMap<TenantTx, Written>();
  private readonly clock: () => Date;

  constructor(
    private readonly db: Database,
    options: RecordsOptions = {},
  ) {
    this.shares = new RecordSharesService(db);
    this.clock = options.clock ?? (() => new Date());
  }

  async create(call: TenantCall, type: string, body: RecordBody): Promise<ReadRecord> {
    return this.withState(call, type, (use) => {
      const written: Written = { definition: use.state.definition };
      return this.uniqueChecked(call, type, written, async (tx) => {
        requireAction(call, accessOf(use.state.stored, call), type, 'create');
        return this.insertOne(tx, call, use, body, written);
      });
    });
  }

  /**
   * Validates and stores one new record with its links, entries, audit entry
   * and event (POST and bulk). The insert is guarded by the stamp, so nothing
   * is written under a state that is no longer the type's.
   */
  private async insertOne(tx: TenantTx, call: TenantCall, use: StateUse, body: RecordBody, written: Written): Promise<ReadRecord> {
    const { type, definition, version, revision } = use.state;
    const validation = validateCreate(definition, body);
    const errors = [...validation.errors, ...(await externalProblems(tx, validation.references, validation.users))];
    const id = newId();
    const now = this.clock();
    // The initial state of the type's workflow, if it has one: rules read it too.
    const placement = errors.length === 0 ? await placeNewRecords(tx, call, use.state, [{ id, data: validation.data }], now) : null;
    if (errors.length === 0) {
      errors.push(...(await ruleProblems(tx, definition, { id, type, data: validation.data, workflow: placement?.columns ?? null }, call.scope.userId)));
    }
    if (errors.length > 0) throw invalid(errors);
    tx.queue(LOCK_TYPE_CREATIONS, [type]);
    const { rows } = await tx.query<StampedRow>(INSERT_RECORDS_GUARDED, [
      type,
      version,
      [id],
      JSON.stringify([validation.data]),
      call.scope.userId,
      revision,
      workflowStamp(use.state),
      placement ? JSON.stringify(placement.columns) : null,
    ]);
    use.confirm(rows[0]);
    const row = rows[0] as RecordRow;
    await this.insertLinks(tx, validation.references.map((ref) => ({ ...ref, from: id })));
    written.datas = [validation.data];
    queueIndexEntries(tx, new Map([[type, definition]]), [row], true);
    queueUserRefs(tx, definition, [row], true);
    placement?.queue(tx, [row]);
    const record = toView(row, definition, now);
    queueChanges(tx, call, [{ action: 'record.created', before: null, after: record }]);
    return { record, version: row.version };
  }

  /** One round trip: the record and the stamp in one statement, outside any explicit transaction. */
  async get(call: TenantCall, type: string, id: string, expand: readonly string[]): Promise<ReadRecord> {
    return this.withState(call, type, async (use) => {
      const { definition } = use.state;
      // Answers given from a state no stamp has confirmed yet are checked by withState.
      requireAction(call, accessOf(use.state.stored, call), type, 'read');
      const fields = expandFields(definition, expand);
      const row = (await this.db.tenant.query<StampedRow>(call.scope, SELECT_RECORD_STAMPED, [type, id])).rows[0];
      use.confirm(row);
      if (!row?.id) throw recordNotFound(type, id);
      const now = this.clock();
      const record = toView(row, definition, now);
      if (fields.length > 0) await this.db.tenant.transaction(call.scope, (tx) => expandRecords(tx, call, [record], fields, (r, d) => toView(r, d, now)));
      return { record, version: row.version };
    });
  }

  /** PATCH: merges the body into the stored data; `ifMatch` (optional) must name the current version. */
  async update(call: TenantCall, type: string, id: string, body: RecordBody, ifMatch: string | undefined): Promise<ReadRecord> {
    return this.withState(call, type, (use) => {
      const written: Written = { definition: use.state.definition };
      return this.uniqueChecked(call, type, written, async (tx) => {
        const access = accessOf(use.state.stored, call);
        requireAction(call, access, type, 'update');
        return this.updateOne(tx, call, use, access, id, body, ifMatch, written);
      });
    });
  }

  /** Merges, validates and stores one record's change with its links, entries, audit entry and event (PATCH and bulk upsert). */
  private async updateOne(
    tx: TenantTx,
    call: TenantCall,
    use: StateUse,
    access: TypeAccess,
    id: string,
    body: RecordBody,
    ifMatch: string | undefined,
    written: Written,
  ): Promise<ReadRecord> {
    const { type } = use.state;
    const { rows } = await tx.query<StampedRow>(LOCK_RECORD_STAMPED, [type, id]);
    use.confirm(rows[0]);
    const row = rows[0];
    if (!row?.id) throw recordNotFound(type, id);
    await requireWritable(tx, call, access, row);
    if (ifMatch !== undefined && !ifMatchAccepts(ifMatch, row.version)) throw stale(row.version);
    const done = await this.applyUpdate(tx, call, use.state, recordOf(row), body, null, { action: 'record.updated' }, written);
    return { record: done.record, version: done.version };
  }

  /**
   * Merges `body` into the locked row's data, validates it whole, and stores
   * it (with `workflow`, the record's new place in its workflow, in the same
   * UPDATE) with its links, index entries, user refs, audit entry and event.
   * Only values the body sets are checked against the database: stored
   * references are kept valid by the link table, and a member removed since
   * must not block unrelated changes.
   */
  private async applyUpdate(
    tx: TenantTx,
    call: TenantCall,
    state: TypeState,
    row: RecordRow,
    body: RecordBody,
    workflow: WorkflowColumns | null,
    audit: ChangeAudit,
    written: Written,
  ): Promise<ReadRecord & { row: RecordRow }> {
    const { type, definition, version: typeVersion } = state;
    const id = row.id;
    const validation = validateUpdate(definition, row.data, body);
    const touched = new Set(Object.keys(body));
    const references = validation.references.filter((ref) => touched.has(ref.field));
    const users = validation.users.filter((user) => touched.has(user.field));
    const errors = [...validation.errors, ...(await externalProblems(tx, references, users))];
    if (errors.length === 0) {
      // Rules see the record where this write leaves it in its workflow.
      const subject = { id, type, data: validation.data, stored: row, workflow: placeOf(workflow ?? row) };
      errors.push(...(await ruleProblems(tx, definition, subject, call.scope.userId)));
    }
    if (errors.length > 0) throw invalid(errors);
    const relationKeys = definition.fields.filter((field) => RELATION_TYPES.has(field.type) && touched.has(field.key)).map((field) => field.key);
    if (relationKeys.length > 0) {
      await tx.query(DELETE_LINKS_OF_FIELDS, [id, relationKeys]);
      await this.insertLinks(tx, references.map((ref) => ({ ...ref, from: id })));
    }
    const data = JSON.stringify(validation.data);
    const updated = workflow
      ? await tx.query<RecordRow>(UPDATE_RECORD_AND_STATE, [id, data, typeVersion, call.scope.userId, JSON.stringify(workflow)])
      : await tx.query<RecordRow>(UPDATE_RECORD, [id, data, typeVersion, call.scope.userId]);
    const after = updated.rows[0] as RecordRow;
    written.datas = [...(written.datas ?? []), validation.data];
    written.ids = [...(written.ids ?? []), id];
    queueIndexEntries(tx, new Map([[type, definition]]), [after]);
    queueUserRefs(tx, definition, [after]);
    const now = this.clock();
    const record = toView(after, definition, now);
    queueChanges(tx, call, [
      { action: audit.action, before: toView(row, definition, now), after: record, ...(audit.extra ? { extra: audit.extra, auditExtra: audit.extra } : {}) },
    ]);
    return { record, version: after.version, row: after };
  }

  /**
   * Deletes the record, applying the on_delete of every field that references
   * it (and, for cascades, of the records deleted with it): restrict answers
   * 409 naming the blockers; cascade deletes the referencing record; set_null
   * clears the value. All in one transaction, with an audit entry and event
   * for every record deleted or changed.
   */
  async delete(call: TenantCall, type: string, id: string, ifMatch: string | undefined): Promise<void> {
    await this.withState(call, type, (use) =>
      this.db.tenant.transaction(call.scope, async (tx) => {
        use.confirm((await tx.query<Stamp>(SELECT_STAMP, [type])).rows[0]);
        const access = accessOf(use.state.stored, call);
        requireAction(call, access, type, 'delete');
        const first = await tx.query<RecordRow>(LOCK_RECORDS_FOR_DELETE, [[id]]);
        const row = first.rows[0];
        if (!row || row.type_key !== type) throw recordNotFound(type, id);
        await requireWritable(tx, call, access, row);
        if (ifMatch !== undefined && !ifMatchAccepts(ifMatch, row.version)) throw stale(row.version);
        await deleteWithReferences(tx, call, row);
      }),
    );
  }

  /**
   * A page of records. Usually one round trip: the listing is chosen by the
   * cached completeness of the filtered fields' index entries and answers
   * the stamp with the current completeness, so a listing that relied on
   * entries no longer complete runs again. When a filter names an indexed
   * field whose entries are not complete yet, the listing runs in a
   * transaction that first backfills a small type (indexLookupIn).
   */
  async list(call: TenantCall, type: string, query: Readonly<Record<string, unknown>>): Promise<RecordPage> {
    const sort = (query.sort as ListSort | undefined) ?? 'id';
    const limit = (query.limit as number | undefined) ?? 50;
    let after: { value: string | null; id: string } | null = null;
    if (typeof query.cursor === 'string') {
      const decoded = decodeCursor(query.cursor, sort);
      if (!decoded.ok) throw invalid([{ pointer: '/cursor', message: decoded.message, in: 'query' }]);
      after = decoded.cursor;
    }
    return this.withState(call, type, async (use) => {
      const { definition } = use.state;
      const access = accessOf(use.state.stored, call);
      requireAction(call, access, type, 'read');
      const filters = parseFilters(definition, query);
      if (!filters.ok) throw invalid(filters.errors);
      const expand = expandFields(definition, expandKeys(query.expand));
      const values = (lookup: IndexLookup | undefined) => [
        type,
        JSON.stringify(filters.filter),
        after?.value ?? null,
        after?.id ?? null,
        limit + 1,
        ...(lookup ? [lookup.field, lookup.value] : []),
      ];
      const now = this.clock();
      const view = (row: RecordRow, of: EntityTypeDefinition | undefined) => toView(row, of, now);
      const page = (rows: ListRow[]): { data: RecordView[]; next_cursor: string | null } => {
        const kept = rows.slice(0, limit);
        const last = kept.at(-1);
        const byId = sort === 'id' || sort === '-id';
        return {
          data: kept.map((row) => view(row, definition)),
          next_cursor: rows.length > limit && last ? encodeCursor({ sort, value: byId ? null : last.sort_value, id: last.id }) : null,
        };
      };
      // A caller the row ACL hides records from must not backfill the index
      // (it would mark the field complete without the hidden records' entries).
      if (access.seesAll && wantsBackfill(definition, filters.filter, use.state.complete)) {
        return this.db.tenant.transaction(call.scope, async (tx) => {
          use.confirm((await tx.query<Stamp>(SELECT_STAMP, [type])).rows[0]);
          const { lookup, complete } = await indexLookupIn(tx, definition, filters.filter, true);
          use.state.complete = complete;
          const { rows } = await tx.query<ListRow>(lookup ? LIST_RECORDS_BY_INDEX[lookup.column][sort] : LIST_RECORDS[sort], values(lookup));
          const result = page(rows);
          await expandRecords(tx, call, result.data, expand, view);
          return result;
        });
      }
      const lookup = chooseIndexLookup(definition, filters.filter, use.state.complete);
      const stamped = lookup ? LIST_RECORDS_BY_INDEX_STAMPED[lookup.column][sort] : LIST_RECORDS_STAMPED[sort];
      const { rows } = await this.db.tenant.query<Stamp & ListRow>(call.scope, stamped, values(lookup));
      use.confirm(rows[0]);
      const complete = new Set(rows[0]?.stamp_complete ?? []);
      // The entries of the field the page came from are no longer complete: run again (rare: a type change).
      if (lookup && !complete.has(lookup.field)) throw new StaleTypeState(type);
      use.state.complete = complete;
      const result = page(rows.filter((row) => row.id !== null));
      if (expand.length > 0) await this.db.tenant.transaction(call.scope, (tx) => expandRecords(tx, call, result.data, expand, view));
      return result;
    });
  }

  /**
   * Creates or upserts many records of one type in one transaction. A request
   * that only creates takes the fast path (bulk-create.ts: every item
   * validated, the valid ones stored with a few multi-row statements); when
   * that meets a unique value already taken or a referenced record deleted
   * meanwhile, and for upserts, each item runs inside its own savepoint
   * through the same path as POST (new) or PATCH (an item with `id`, or whose
   * `upsertBy` value matches a record), so an item that fails (422, 409 on a
   * unique value, 404, 403) is rolled back and reported by index while the
   * others are all committed together.
   */
  async bulk(call: TenantCall, type: string, bodies: readonly RecordBody[], upsertBy: string | undefined): Promise<BulkResult> {
    return this.withState(call, type, async (use) => {
      const { definition } = use.state;
      const access = accessOf(use.state.stored, call);
      if (upsertBy !== undefined && definition.fields.find((field) => field.key === upsertBy)?.unique !== true) {
        throw invalid([{ pointer: '/upsert_by', message: `${upsertBy} is not a unique field of ${type}` }]);
      }
      // A request that can only create (no upsert_by, no item with an id) is
      // refused as a whole when the caller may not create, as before upserts.
      const updates = upsertBy !== undefined || bodies.some((body) => 'id' in body);
      if (!updates || !access.actions.update) requireAction(call, access, type, 'create');
      if (!updates) {
        try {
          return { results: await this.db.tenant.transaction(call.scope, (tx) => createMany(tx, call, use, bodies, this.clock())) };
        } catch (error) {
          if (!isUniqueViolation(error) && !isLinkViolation(error)) throw error;
          // Rolled back whole: the per-item path below names the items concerned.
        }
      }
      return this.db.tenant.transaction(call.scope, async (tx) => {
        use.confirm((await tx.query<Stamp>(SELECT_STAMP, [type])).rows[0]);
        const results: BulkResult['results'] = [];
        for (const [index, item] of bodies.entries()) {
          const { id: given, ...body } = item;
          const written: Written = {};
          await tx.query('savepoint bulk_item');
          try {
            let id: string | undefined;
            if (given !== undefined) {
              if (typeof given !== 'string' || !isUuidText(given)) throw invalid([{ pointer: '/id', message: 'must be a record id (UUID)' }]);
              id = given;
            } else if (upsertBy !== undefined) {
              id = await findByUnique(tx, definition, upsertBy, body[upsertBy]);
            }
            let done: ReadRecord;
            if (id === undefined) {
              requireAction(call, access, type, 'create');
              done = await this.insertOne(tx, call, use, body, written);
            } else {
              requireAction(call, access, type, 'update');
              done = await this.updateOne(tx, call, use, access, id, body, undefined, written);
            }
            // Also sends what the item queued: its unique violation fails here, inside the savepoint.
            await tx.query('release savepoint bulk_item');
            results.push({ index, status: id === undefined ? 201 : 200, id: done.record.id, version: done.version });
          } catch (error) {
            if (!(error instanceof AppError) && !isUniqueViolation(error)) throw error;
            await tx.query('rollback to savepoint bulk_item');
            const problem = error instanceof AppError ? error : await uniqueConflictIn(tx, type, written.datas ?? [], definition, written.ids ?? []);
            const errors = problem.errors.map(({ pointer, message }) => ({ pointer, message }));
            results.push({ index, status: problem.definition.status as 403 | 404 | 409 | 422, detail: problem.detail, ...(errors.length > 0 ? { errors } : {}) });
          }
        }
        return { results };
      });
    });
  }

  // --- For workflows (src/workflows): transitions, timers and effects.

  /**
   * Opens the tenant transaction, locks the record (FOR NO KEY UPDATE, with
   * the type's stamp in the same statement, as PATCH does), checks the type
   * permission (`options.action`, default 'update') and, for 'update', the
   * row ACL's write rule (both skipped when `options.system`), then
   * `options.ifMatch` (stale: 412 record-version-mismatch); then runs `work`
   * with the locked row and the type's state (definition, permissions, the
   * latest published workflow). The row's own `workflow_version` says which
   * version the record runs on (it may be older than `state.workflow`).
   *
   * A record the caller cannot see (another organisation, the row ACL) is
   * 404. When the type's state turns out stale, nothing is committed and
   * `work` runs again in a new transaction (at most three times), so `work`
   * must do nothing outside the transaction (call external guards before).
   * A duplicate value of a unique field written inside (updateLocked) is the
   * same 409 as PATCH's, once the transaction has rolled back.
   */
  async withLockedRecord<T>(
    call: TenantCall,
    type: string,
    id: string,
    options: LockOptions,
    work: (tx: TenantTx, locked: LockedRecord) => Promise<T>,
  ): Promise<T> {
    const action: Action = options.action ?? 'update';
    return this.withState(call, type, (use) => {
      const written: Written = { definition: use.state.definition };
      return this.uniqueChecked(call, type, written, async (tx) => {
        const access = accessOf(use.state.stored, call);
        if (!options.system) requireAction(call, access, type, action);
        // Travels with the lock: no round trip of its own.
        if (options.system && options.timerId !== undefined) tx.queue('select workflow_timer_scope($1::uuid)', [options.timerId]);
        const alongside = options.alongside?.(use.state, 3) ?? null;
        const lock = options.lock ?? true;
        const { rows } = alongside
          ? await tx.query<StampedRow & { alongside?: unknown }>(lockRecordStampedWith(alongside.text, lock), [type, id, ...alongside.values])
          : await tx.query<StampedRow & { alongside?: unknown }>(lock ? LOCK_RECORD_STAMPED : SELECT_RECORD_STAMPED, [type, id]);
        use.confirm(rows[0]);
        if (!rows[0]?.id) throw recordNotFound(type, id);
        const { alongside: fetched, ...row } = rows[0];
        if (!options.system && action === 'update') await requireWritable(tx, call, access, row);
        if (options.ifMatch !== undefined && !ifMatchAccepts(options.ifMatch, row.version)) throw stale(row.version);
        this.writes.set(tx, written);
        return work(tx, { row: recordOf(row), state: use.state, ...(alongside ? { alongside: fetched } : {}) });
      });
    });
  }

  /**
   * Inside withLockedRecord's transaction: merges `changes` into the locked
   * row's data exactly as PATCH does (the merged record validated whole,
   * references and members named checked, rules, links, index entries, user
   * refs; invalid changes throw PATCH's 422) and writes `workflow` (the
   * record's new place in its workflow; null: unchanged) in the same UPDATE,
   * which bumps the record's version (its ETag) even when `changes` is empty.
   * Queues the audit entry and event: `audit.action` (default
   * `record.updated`) is the audit action and the event type; `audit.extra`
   * is merged into the event's payload and into the audit entry's `after`.
   * Answers the new view, version and row.
   */
  async updateLocked(
    tx: TenantTx,
    call: TenantCall,
    locked: LockedRecord,
    changes: RecordBody,
    workflow: WorkflowColumns | null,
    audit: ChangeAudit = { action: 'record.updated' },
  ): Promise<ReadRecord & { row: RecordRow }> {
    const written = this.writes.get(tx) ?? { definition: locked.state.definition };
    return this.applyUpdate(tx, call, locked.state, locked.row, changes, workflow, audit, written);
  }

  /**
   * Inside the caller's transaction: creates a record of `type` as POST does
   * (validation, references, rules, links, index entries, user refs, the
   * initial state of the type's workflow with its timers and history, audit
   * entry and event), without a permission check: the caller (a workflow's
   * `create` effect) has decided. An unknown type is 404, invalid values 422
   * with POST's pointers, a duplicate unique value 409; the record's own
   * writes are undone (a savepoint) before any of these is thrown, so the
   * caller's transaction stays usable.
   */
  async createWithin(tx: TenantTx, call: TenantCall, type: string, body: RecordBody): Promise<ReadRecord> {
    let state = this.states.cached(tx.scope, type) ?? (await this.states.loadIn(tx, type));
    for (let attempt = 1; ; attempt += 1) {
      if (!state) throw typeNotFound(type);
      const use = new StateUse(state, false);
      const written: Written = { definition: state.definition };
      tx.queue('savepoint records_create_within');
      try {
        const done = await this.insertOne(tx, call, use, body, written);
        // Also sends what the insert queued: its unique violation fails here, inside the savepoint.
        await tx.query('release savepoint records_create_within');
        return done;
      } catch (error) {
        if (!(error instanceof AppError) && !(error instanceof StaleTypeState) && !isPgError(error)) throw error;
        await tx.query('rollback to savepoint records_create_within');
        if (isUniqueViolation(error)) throw await uniqueConflictIn(tx, type, written.datas ?? [], state.definition, []);
        // A refusal answered from a cached state no stamp confirmed may come from a stale state: check it.
        const outdated =
          error instanceof StaleTypeState ||
          (error instanceof AppError && !use.confirmed && !stampMatches(state, (await tx.query<Stamp>(SELECT_STAMP, [type])).rows[0]));
        if (!outdated) throw error;
        this.states.forget(tx.scope, type);
        if (attempt >= STATE_ATTEMPTS) throw new AppError(PlatformErrors.conflict, `The type "${type}" changed while the request ran; send it again.`);
        state = await this.states.loadIn(tx, type);
      }
    }
  }

  /**
   * Runs `work` with the type's state: the cached one (checked by the stamp
   * of work's first statement), or one loaded now. When the stamp shows the
   * type or its permissions changed, or an error was answered from a state
   * no stamp had confirmed yet and the state turns out stale, the state is
   * reloaded and work runs again (nothing was written: writes are guarded).
   */
  private async withState<T>(call: TenantCall, type: string, work: (use: StateUse) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const cached = this.states.cached(call.scope, type);
      const state = cached ?? (await this.states.load(this.db, call.scope, type));
      if (!state) throw typeNotFound(type);
      const use = new StateUse(state, cached === undefined);
      try {
        return await work(use);
      } catch (error) {
        const outdated =
          error instanceof StaleTypeState || (error instanceof AppError && !use.confirmed && !(await this.states.isCurrent(this.db, call.scope, state)));
        if (!outdated) throw error;
        this.states.forget(call.scope, type);
        if (attempt >= STATE_ATTEMPTS) throw new AppError(PlatformErrors.conflict, `The type "${type}" changed while the request ran; send it again.`);
      }
    }
  }

  /**
   * Runs a write; a duplicate value of a unique field (the database's unique
   * index, so concurrent writes cannot both pass) becomes a 409 naming the
   * fields, found once the transaction has rolled back.
   */
  private async uniqueChecked<T>(call: TenantCall, type: string, written: Written, work: (tx: TenantTx) => Promise<T>): Promise<T> {
    try {
      return await this.db.tenant.transaction(call.scope, work);
    } catch (error) {
      if (!isUniqueViolation(error) || !written.definition) throw error;
      throw await uniqueConflict(this.db, call.scope, type, written.datas ?? [], written.definition, written.ids ?? []);
    }
  }

  /**
   * Stores links; the foreign key makes a reference to a record that does not
   * exist in this organisation (or was deleted since it was checked) fail in
   * the database, answered as a 422 naming the field.
   */
  private async insertLinks(tx: TenantTx, links: readonly (ReferenceValue & { from: string })[]): Promise<void> {
    if (links.length === 0) return;
    try {
      await tx.query(INSERT_LINKS, [links.map((l) => l.from), links.map((l) => l.field), links.map((l) => l.id), links.map((l) => l.position)]);
    } catch (error) {
      if (!isLinkViolation(error)) throw error;
      const detail = (error as { detail?: string }).detail ?? '';
      const missing = links.filter((link) => detail.includes(link.id));
      const named = missing.length > 0 ? missing : links;
      throw invalid([...new Set(named.map((link) => link.field))].map((field) => ({ pointer: `/${field}`, message: 'references a record that does not exist in this organisation' })));
    }
  }
}
