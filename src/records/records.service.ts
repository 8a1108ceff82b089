// Records of custom entity types. Validation is the pure core's
// (src/records/core); this file loads the type's current definition, checks
// what needs the database (referenced records, members), stores the data and
// its links, and writes the audit entry and event in the same transaction.
// Reads project `data` through the CURRENT definition and never rewrite it.
import { recordAudit } from '../audit/index.ts';
import { effectivePermissions, loadStoredPermissions } from '../permissions/index.ts';
import { isUuidText, loadCurrentDefinitions, loadCurrentType, type EntityTypeDefinition, type FieldDefinition } from '../entities/index.ts';
import { emitEvent } from '../events/index.ts';
import type { TenantCall } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import { isPgError } from '../platform/db/sqlstate.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { AppError, PlatformErrors, type FieldError } from '../platform/http/errors.ts';
import { newId } from '../platform/ids.ts';
import { decodeCursor, encodeCursor } from './core/cursor.ts';
import { ifMatchAccepts } from './core/etag.ts';
import { parseFilters } from './core/filters.ts';
import { ruleViolations } from './core/rules.ts';
import { projectFields, validateCreate, validateUpdate, type RecordBody, type ReferenceValue } from './core/validate-record.ts';
import { principalOf, requireAction, requireWritable, typeAccess, writeUserRefs, type TypeAccess } from './access.ts';
import { findByUnique, indexLookup, isUniqueViolation, uniqueConflict, uniqueConflictIn, writeIndexEntries } from './index-entries.ts';
import { RecordSharesService } from './record-shares.service.ts';
import { RecordErrors } from './records.errors.ts';
import type { BulkResult, RecordView } from './records.schemas.ts';
import {
  DELETE_LINKS_FROM,
  DELETE_LINKS_OF_FIELDS,
  DELETE_LINKS_TO,
  DELETE_RECORDS,
  INCOMING_LINKS,
  INSERT_LINKS,
  INSERT_RECORD,
  LIST_RECORDS,
  LIST_RECORDS_BY_INDEX,
  LOCK_RECORD,
  LOCK_RECORDS_FOR_CHANGE,
  LOCK_RECORDS_FOR_DELETE,
  MEMBER_IDS,
  REFERENCED_TYPES,
  SELECT_RECORD,
  SELECT_RECORDS_BY_ID,
  UPDATE_RECORD,
  type ListSort,
} from './records.sql.ts';

interface RecordRow {
  id: string;
  type_key: string;
  type_version: number;
  data: Record<string, unknown>;
  version: number;
  created_at: Date;
  updated_at: Date;
  created_by: string | null;
  updated_by: string | null;
}

/** What a write stored, for naming the fields of a unique violation after its rollback. */
interface Written {
  definition?: EntityTypeDefinition;
  datas?: readonly Readonly<Record<string, unknown>>[];
  /** Records that existed before the write (their own committed entries are not conflicts). */
  ids?: readonly string[];
}

interface LinkRow {
  from_id: string;
  field_key: string;
  to_id: string;
  from_type: string;
}

const RELATION_TYPES: ReadonlySet<string> = new Set(['reference', 'references', 'any_reference']);

function toView(row: RecordRow, definition: EntityTypeDefinition | undefined): RecordView {
  return {
    id: row.id,
    type: row.type_key,
    version: row.version,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    created_by: row.created_by,
    updated_by: row.updated_by,
    ...(definition ? projectFields(definition, row.data) : {}),
  };
}

function invalid(errors: readonly FieldError[]): AppError {
  const detail = `${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((e) => `${e.pointer} ${e.message}`).join('; ')}`;
  return new AppError(PlatformErrors['validation-failed'], detail, errors);
}

function typeNotFound(type: string): AppError {
  return new AppError(PlatformErrors['not-found'], `No entity type "${type}" in this organisation.`);
}

function recordNotFound(type: string, id: string): AppError {
  return new AppError(PlatformErrors['not-found'], `No ${type} record ${id} in this organisation.`);
}

function stale(version: number): AppError {
  return new AppError(RecordErrors['record-version-mismatch'], `The record is at version ${version}; If-Match does not name it.`, [], { current_version: version });
}

/** The value of a relation field without the given record ids; undefined when nothing is left. */
function withoutIds(value: unknown, ids: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) {
    const kept = value.filter((id) => !ids.has(String(id)));
    return kept.length > 0 ? kept : undefined;
  }
  if (typeof value === 'string') return ids.has(value) ? undefined : value;
  if (typeof value === 'object' && value !== null && ids.has(String((value as { id?: unknown }).id))) return undefined;
  return value;
}

export interface ReadRecord {
  readonly record: RecordView;
  readonly version: number;
}

export interface RecordPage {
  readonly data: RecordView[];
  readonly next_cursor: string | null;
}

export class RecordsService {
  /** The record's shares (POST/GET/DELETE /api/records/{type}/{id}/access). */
  readonly shares: RecordSharesService;

  constructor(private readonly db: Database) {
    this.shares = new RecordSharesService(db);
  }

  async create(call: TenantCall, type: string, body: RecordBody): Promise<ReadRecord> {
    const written: Written = {};
    return this.uniqueChecked(call, type, written, async (tx) => {
      const current = await this.type(tx, type);
      requireAction(call, await typeAccess(tx, call, type), type, 'create');
      written.definition = current.definition;
      return this.insertOne(tx, call, type, current, body, written);
    });
  }

  /** Validates and stores one new record with its links, entries, audit entry and event (POST and bulk). */
  private async insertOne(
    tx: TenantTx,
    call: TenantCall,
    type: string,
    { definition, version }: { definition: EntityTypeDefinition; version: number },
    body: RecordBody,
    written: Written,
  ): Promise<ReadRecord> {
    const validation = validateCreate(definition, body);
    const errors = [...validation.errors, ...(await this.externalProblems(tx, validation.references, validation.users))];
    if (errors.length === 0) errors.push(...ruleViolations(definition, validation.data, { now: new Date(), userId: call.scope.userId }));
    if (errors.length > 0) throw invalid(errors);
    const id = newId();
    const { rows } = await tx.query<RecordRow>(INSERT_RECORD, [id, type, version, JSON.stringify(validation.data), call.scope.userId]);
    const row = rows[0] as RecordRow;
    await this.insertLinks(tx, validation.references.map((ref) => ({ ...ref, from: id })));
    written.datas = [validation.data];
    await writeIndexEntries(tx, new Map([[type, definition]]), [row], true);
    await writeUserRefs(tx, definition, [row], true);
    const record = toView(row, definition);
    await this.changed(tx, call, 'record.created', null, record);
    return { record, version: row.version };
  }

  async get(call: TenantCall, type: string, id: string, expand: readonly string[]): Promise<ReadRecord> {
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const { definition } = await this.type(tx, type);
      requireAction(call, await typeAccess(tx, call, type), type, 'read');
      const fields = expand.map((key) => definition.fields.find((field) => field.key === key));
      const errors = expand.flatMap((key, index): FieldError[] =>
        fields[index] && RELATION_TYPES.has(fields[index].type) ? [] : [{ pointer: '/expand', message: `${key} is not a relation field of ${type}`, in: 'query' }],
      );
      if (errors.length > 0) throw invalid(errors);
      const { rows } = await tx.query<RecordRow>(SELECT_RECORD, [type, id]);
      const row = rows[0];
      if (!row) throw recordNotFound(type, id);
      const record = toView(row, definition);
      if (expand.length > 0) await this.expand(tx, call, record, fields as FieldDefinition[]);
      return { record, version: row.version };
    });
  }

  /** PATCH: merges the body into the stored data; `ifMatch` (optional) must name the current version. */
  async update(call: TenantCall, type: string, id: string, body: RecordBody, ifMatch: string | undefined): Promise<ReadRecord> {
    const written: Written = {};
    return this.uniqueChecked(call, type, written, async (tx) => {
      const current = await this.type(tx, type);
      const access = await typeAccess(tx, call, type);
      requireAction(call, access, type, 'update');
      written.definition = current.definition;
      return this.updateOne(tx, call, type, current, access, id, body, ifMatch, written);
    });
  }

  /** Merges, validates and stores one record's change with its links, entries, audit entry and event (PATCH and bulk upsert). */
  private async updateOne(
    tx: TenantTx,
    call: TenantCall,
    type: string,
    { definition, version: typeVersion }: { definition: EntityTypeDefinition; version: number },
    access: TypeAccess,
    id: string,
    body: RecordBody,
    ifMatch: string | undefined,
    written: Written,
  ): Promise<ReadRecord> {
    const { rows } = await tx.query<RecordRow>(LOCK_RECORD, [type, id]);
    const row = rows[0];
    if (!row) throw recordNotFound(type, id);
    await requireWritable(tx, call, access, row);
    if (ifMatch !== undefined && !ifMatchAccepts(ifMatch, row.version)) throw stale(row.version);
    const validation = validateUpdate(definition, row.data, body);
    // Only values the body sets are checked against the database: stored
    // references are kept valid by the link table, and a member removed
    // since must not block unrelated changes.
    const touched = new Set(Object.keys(body));
    const references = validation.references.filter((ref) => touched.has(ref.field));
    const users = validation.users.filter((user) => touched.has(user.field));
    const errors = [...validation.errors, ...(await this.externalProblems(tx, references, users))];
    if (errors.length === 0) errors.push(...ruleViolations(definition, validation.data, { now: new Date(), userId: call.scope.userId }));
    if (errors.length > 0) throw invalid(errors);
    const relationKeys = definition.fields.filter((field) => RELATION_TYPES.has(field.type) && touched.has(field.key)).map((field) => field.key);
    if (relationKeys.length > 0) {
      await tx.query(DELETE_LINKS_OF_FIELDS, [id, relationKeys]);
      await this.insertLinks(tx, references.map((ref) => ({ ...ref, from: id })));
    }
    const updated = await tx.query<RecordRow>(UPDATE_RECORD, [id, JSON.stringify(validation.data), typeVersion, call.scope.userId]);
    const after = updated.rows[0] as RecordRow;
    written.datas = [validation.data];
    written.ids = [id];
    await writeIndexEntries(tx, new Map([[type, definition]]), [after]);
    await writeUserRefs(tx, definition, [after]);
    const record = toView(after, definition);
    await this.changed(tx, call, 'record.updated', toView(row, definition), record);
    return { record, version: after.version };
  }

  /**
   * Deletes the record, applying the on_delete of every field that references
   * it (and, for cascades, of the records deleted with it): restrict answers
   * 409 naming the blockers; cascade deletes the referencing record; set_null
   * clears the value. All in one transaction, with an audit entry and event
   * for every record deleted or changed.
   */
  async delete(call: TenantCall, type: string, id: string, ifMatch: string | undefined): Promise<void> {
    await this.db.tenant.transaction(call.scope, async (tx) => {
      await this.type(tx, type);
      const access = await typeAccess(tx, call, type);
      requireAction(call, access, type, 'delete');
      const first = await tx.query<RecordRow>(LOCK_RECORDS_FOR_DELETE, [[id]]);
      const row = first.rows[0];
      if (!row || row.type_key !== type) throw recordNotFound(type, id);
      await requireWritable(tx, call, access, row);
      if (ifMatch !== undefined && !ifMatchAccepts(ifMatch, row.version)) throw stale(row.version);
      const definitions = await loadCurrentDefinitions(tx);
      const doomed = new Map<string, RecordRow>([[id, row]]);
      const cascaded = new Set<string>();
      let links: LinkRow[];
      for (;;) {
        links = (await tx.query<LinkRow>(INCOMING_LINKS, [[...doomed.keys()]])).rows;
        const more = [...new Set(links.filter((link) => this.onDelete(definitions, link) === 'cascade').map((link) => link.from_id))];
        if (more.length === 0) break;
        for (const next of (await tx.query<RecordRow>(LOCK_RECORDS_FOR_DELETE, [more])).rows) {
          doomed.set(next.id, next);
          cascaded.add(next.id);
        }
      }
      const blockers = links.filter((link) => this.onDelete(definitions, link) === 'restrict');
      if (blockers.length > 0) {
        const listed = blockers.map((link) => ({ type: link.from_type, id: link.from_id, field: link.field_key }));
        throw new AppError(
          RecordErrors['record-in-use'],
          `Referenced with on_delete restrict by ${listed.map((b) => `${b.type} ${b.id} (${b.field})`).join(', ')}.`,
          [],
          { blockers: listed },
        );
      }
      try {
        await this.clearReferences(tx, call, definitions, links, new Set(doomed.keys()));
        await tx.query(DELETE_LINKS_FROM, [[...doomed.keys()]]);
        await tx.query(DELETE_RECORDS, [[...doomed.keys()]]);
      } catch (error) {
        // Records the row ACL hides from the caller reference one being
        // deleted: their on_delete cannot be applied by someone who cannot
        // see them, so the link's foreign key refuses the delete.
        if (!isPgError(error) || error.code !== '23503' || error.constraint !== 'record_links_to_fkey') throw error;
        throw new AppError(RecordErrors['record-in-use'], 'Referenced by records you cannot see.', [], { blockers: [] });
      }
      for (const [doomedId, doomedRow] of doomed) {
        const before = toView(doomedRow, definitions.get(doomedRow.type_key));
        await this.changed(tx, call, 'record.deleted', before, null, cascaded.has(doomedId) ? { cascaded_from: id } : {});
      }
    });
  }

  async list(call: TenantCall, type: string, query: Readonly<Record<string, unknown>>): Promise<RecordPage> {
    const sort = (query.sort as ListSort | undefined) ?? 'id';
    const limit = (query.limit as number | undefined) ?? 50;
    let after: { value: string | null; id: string } | null = null;
    if (typeof query.cursor === 'string') {
      const decoded = decodeCursor(query.cursor, sort);
      if (!decoded.ok) throw invalid([{ pointer: '/cursor', message: decoded.message, in: 'query' }]);
      after = decoded.cursor;
    }
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const { definition } = await this.type(tx, type);
      const access = await typeAccess(tx, call, type);
      requireAction(call, access, type, 'read');
      const filters = parseFilters(definition, query);
      if (!filters.ok) throw invalid(filters.errors);
      // A caller the row ACL hides records from must not backfill the index
      // (it would mark the field complete without the hidden records' entries).
      const lookup = await indexLookup(tx, definition, filters.filter, access.seesAll);
      const { rows } = await tx.query<RecordRow & { sort_value: string }>(lookup ? LIST_RECORDS_BY_INDEX[lookup.column][sort] : LIST_RECORDS[sort], [
        type,
        JSON.stringify(filters.filter),
        after?.value ?? null,
        after?.id ?? null,
        limit + 1,
        ...(lookup ? [lookup.field, lookup.value] : []),
      ]);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const byId = sort === 'id' || sort === '-id';
      return {
        data: page.map((row) => toView(row, definition)),
        next_cursor: rows.length > limit && last ? encodeCursor({ sort, value: byId ? null : last.sort_value, id: last.id }) : null,
      };
    });
  }

  /**
   * Creates or upserts many records of one type in one transaction. Each item
   * runs inside its own savepoint through the same path as POST (new) or
   * PATCH (an item with `id`, or whose `upsertBy` value matches a record), so
   * an item that fails (422, 409 on a unique value, 404, 403) is rolled back
   * and reported by index while the others are all committed together.
   */
  async bulk(call: TenantCall, type: string, bodies: readonly RecordBody[], upsertBy: string | undefined): Promise<BulkResult> {
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const current = await this.type(tx, type);
      const { definition } = current;
      const access = await typeAccess(tx, call, type);
      if (upsertBy !== undefined && definition.fields.find((field) => field.key === upsertBy)?.unique !== true) {
        throw invalid([{ pointer: '/upsert_by', message: `${upsertBy} is not a unique field of ${type}` }]);
      }
      // A request that can only create (no upsert_by, no item with an id) is
      // refused as a whole when the caller may not create, as before upserts.
      const updates = upsertBy !== undefined || bodies.some((body) => 'id' in body);
      if (!updates || !access.actions.update) requireAction(call, access, type, 'create');
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
            done = await this.insertOne(tx, call, type, current, body, written);
          } else {
            requireAction(call, access, type, 'update');
            done = await this.updateOne(tx, call, type, current, access, id, body, undefined, written);
          }
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

  private async type(tx: TenantTx, key: string): Promise<{ definition: EntityTypeDefinition; version: number }> {
    const current = await loadCurrentType(tx, key);
    if (!current) throw typeNotFound(key);
    return current;
  }

  /** What the database says is wrong with the references and members of one record. */
  private async externalProblems(tx: TenantTx, references: readonly ReferenceValue[], users: readonly { field: string; id: string }[]): Promise<FieldError[]> {
    return (await this.externalProblemsByItem(tx, [references], [users]))[0] ?? [];
  }

  /** The same for many records, in two queries whatever their number. */
  private async externalProblemsByItem(
    tx: TenantTx,
    references: readonly (readonly ReferenceValue[])[],
    users: readonly (readonly { field: string; id: string }[])[],
  ): Promise<FieldError[][]> {
    const referenceIds = [...new Set(references.flat().map((ref) => ref.id))];
    const userIds = [...new Set(users.flat().map((user) => user.id))];
    const types = new Map<string, string>();
    if (referenceIds.length > 0) {
      for (const row of (await tx.query<{ id: string; type_key: string }>(REFERENCED_TYPES, [referenceIds])).rows) types.set(row.id, row.type_key);
    }
    const members = new Set<string>();
    if (userIds.length > 0) for (const row of (await tx.query<{ id: string }>(MEMBER_IDS, [userIds])).rows) members.add(row.id);
    return references.map((refs, index) => {
      const errors: FieldError[] = [];
      for (const ref of refs) {
        const actual = types.get(ref.id);
        if (actual === undefined) errors.push({ pointer: `/${ref.field}`, message: `no ${ref.types.join(' or ')} record ${ref.id} in this organisation` });
        else if (!ref.types.includes(actual)) errors.push({ pointer: `/${ref.field}`, message: `${ref.id} is a ${actual} record, not ${ref.types.join(' or ')}` });
      }
      for (const user of users[index] ?? []) {
        if (!members.has(user.id)) errors.push({ pointer: `/${user.field}`, message: `${user.id} is not a member of this organisation` });
      }
      return errors;
    });
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
      if (!isPgError(error) || error.code !== '23503' || error.constraint !== 'record_links_to_fkey') throw error;
      const detail = (error as { detail?: string }).detail ?? '';
      const missing = links.filter((link) => detail.includes(link.id));
      const named = missing.length > 0 ? missing : links;
      throw invalid([...new Set(named.map((link) => link.field))].map((field) => ({ pointer: `/${field}`, message: 'references a record that does not exist in this organisation' })));
    }
  }

  /** What deleting the record a link points at does to the referencing record. */
  private onDelete(definitions: ReadonlyMap<string, EntityTypeDefinition>, link: LinkRow): 'restrict' | 'cascade' | 'set_null' {
    const field = definitions.get(link.from_type)?.fields.find((candidate) => candidate.key === link.field_key);
    // A field the type no longer has (its value stays stored) cannot restrict
    // or cascade through a definition that does not show it: its value is cleared.
    if (!field || field.type !== 'reference') return 'set_null';
    return field.on_delete ?? 'restrict';
  }

  /** set_null (and removal from references lists): clears the values pointing at deleted records. */
  private async clearReferences(
    tx: TenantTx,
    call: TenantCall,
    definitions: ReadonlyMap<string, EntityTypeDefinition>,
    links: readonly LinkRow[],
    deleted: ReadonlySet<string>,
  ): Promise<void> {
    const byRecord = new Map<string, Map<string, Set<string>>>();
    for (const link of links) {
      const fields = byRecord.get(link.from_id) ?? new Map<string, Set<string>>();
      fields.set(link.field_key, (fields.get(link.field_key) ?? new Set()).add(link.to_id));
      byRecord.set(link.from_id, fields);
    }
    if (byRecord.size === 0) return;
    const locked = await tx.query<RecordRow>(LOCK_RECORDS_FOR_CHANGE, [[...byRecord.keys()]]);
    for (const row of locked.rows) {
      const fields = byRecord.get(row.id) as Map<string, Set<string>>;
      const data = { ...row.data };
      for (const [field, ids] of fields) {
        const kept = withoutIds(data[field], new Set([...ids].filter((to) => deleted.has(to))));
        if (kept === undefined) delete data[field];
        else data[field] = kept;
        await tx.query(DELETE_LINKS_TO, [row.id, field, [...ids]]);
      }
      const updated = await tx.query<RecordRow>(UPDATE_RECORD, [row.id, JSON.stringify(data), row.type_version, call.scope.userId]);
      await writeIndexEntries(tx, definitions, [updated.rows[0] as RecordRow]);
      const definition = definitions.get(row.type_key);
      await this.changed(tx, call, 'record.updated', toView(row, definition), toView(updated.rows[0] as RecordRow, definition));
    }
  }

  /** Replaces the ids of expanded relation fields by the records they name. */
  private async expand(tx: TenantTx, call: TenantCall, record: RecordView, fields: readonly FieldDefinition[]): Promise<void> {
    const ids = new Set<string>();
    for (const field of fields) {
      const value = record[field.key];
      if (typeof value === 'string') ids.add(value);
      else if (Array.isArray(value)) for (const id of value) ids.add(String(id));
      else if (typeof value === 'object' && value !== null) ids.add(String((value as { id: unknown }).id));
    }
    if (ids.size === 0) return;
    // Rows the row ACL hides are not returned; types the caller may not read are left as ids.
    const [{ rows }, definitions] = [await tx.query<RecordRow>(SELECT_RECORDS_BY_ID, [[...ids]]), await loadCurrentDefinitions(tx)];
    const readable = new Map<string, boolean>();
    for (const typeKey of new Set(rows.map((row) => row.type_key))) {
      readable.set(typeKey, effectivePermissions(await loadStoredPermissions(tx, typeKey), principalOf(call)).read);
    }
    const found = new Map(rows.filter((row) => readable.get(row.type_key)).map((row) => [row.id, toView(row, definitions.get(row.type_key))]));
    const resolve = (id: unknown) => found.get(String(id)) ?? id;
    for (const field of fields) {
      const value = record[field.key];
      if (value === null || value === undefined) continue;
      if (typeof value === 'string') record[field.key] = resolve(value);
      else if (Array.isArray(value)) record[field.key] = value.map(resolve);
      else record[field.key] = resolve((value as { id: unknown }).id);
    }
  }

  private async changed(
    tx: TenantTx,
    call: TenantCall,
    action: 'record.created' | 'record.updated' | 'record.deleted',
    before: RecordView | null,
    after: RecordView | null,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    const subject = (after ?? before) as RecordView;
    await recordAudit(tx, {
      actor: call.actor,
      action,
      target: { type: 'record', id: subject.id },
      ...(before === null ? {} : { before }),
      ...(after === null ? {} : { after }),
      origin: call.origin,
    });
    await emitEvent(tx, {
      type: action,
      subject: { type: 'record', id: subject.id },
      payload: { type: subject.type, record: after ?? before, ...(before && after ? { before } : {}), ...extra },
    });
  }
}
