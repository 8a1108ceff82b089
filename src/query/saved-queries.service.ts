// Saved queries: a query of the DSL under a key, private to its owner or
// shared with the organisation, with declared parameters
// (saved-queries.parameters.ts). Validated against the registry when saved,
// and again when run (the registry may have changed since): a run is an
// ordinary query answered by QueryService in one transaction with the
// saved query's read. Changes write their audit entry and event in the same
// transaction. Gestores see and may change every saved query; members their
// own and read the shared ones; API keys read and run the shared ones.
import { recordAudit } from '../audit/index.ts';
import { emitEvent } from '../events/index.ts';
import type { TenantCall } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { AppError, PlatformErrors, type FieldError } from '../platform/http/errors.ts';
import { QueryErrors } from './query.errors.ts';
import { invalidQuery, type Answer, type QueryService, type QuerySource } from './query.service.ts';
import type { CreateSavedQueryBody, ReplaceSavedQueryBody, RunSavedQueryBody, SavedQuery } from './saved-queries.schemas.ts';
import {
  declarationProblems, findPlaceholders, hasUsableDefault, placeholderAt, runValues, sampleValues, substitute, type Declarations,
} from './saved-queries.parameters.ts';
import {
  DELETE_SAVED_QUERY, INSERT_SAVED_QUERY, LIST_SAVED_QUERIES, LOCK_SAVED_QUERY, SELECT_SAVED_QUERY, UPDATE_SAVED_QUERY,
} from './saved-queries.sql.ts';
import type { AnswerFormat } from './stream-format.ts';

interface SavedQueryRow {
  key: string;
  name: string;
  query: Record<string, unknown>;
  parameters: Declarations;
  shared: boolean;
  source: 'tenant' | 'pack';
  owner_id: string | null;
  created_at: Date;
  updated_at: Date;
  created_by: string | null;
  updated_by: string | null;
}

function toView(row: SavedQueryRow): SavedQuery {
  return {
    key: row.key,
    name: row.name,
    query: row.query,
    parameters: row.parameters,
    shared: row.shared,
    source: row.source,
    owner_id: row.owner_id,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    created_by: row.created_by,
    updated_by: row.updated_by,
  };
}

function notFound(key: string): AppError {
  return new AppError(PlatformErrors['not-found'], `No saved query "${key}" that you can see in this organisation.`);
}

/** [user, gestor]: the `visible` parameters of the statements. */
function viewer(call: TenantCall): [string | null, boolean] {
  return [call.scope.userId, call.role === 'gestor'];
}

export class SavedQueriesService {
  constructor(
    private readonly db: Database,
    private readonly queries: QueryService,
  ) {}

  async list(call: TenantCall): Promise<SavedQuery[]> {
    const { rows } = await this.db.tenant.query<SavedQueryRow>(call.scope, LIST_SAVED_QUERIES, viewer(call));
    return rows.map(toView);
  }

  async get(call: TenantCall, key: string): Promise<SavedQuery> {
    const { rows } = await this.db.tenant.query<SavedQueryRow>(call.scope, SELECT_SAVED_QUERY, [key, ...viewer(call)]);
    if (!rows[0]) throw notFound(key);
    return toView(rows[0]);
  }

  async create(call: TenantCall, body: CreateSavedQueryBody): Promise<SavedQuery> {
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const parameters = body.parameters ?? {};
      await this.validate(tx, body.query, parameters);
      const { rows } = await tx.query<SavedQueryRow>(INSERT_SAVED_QUERY, [
        body.key, body.name, JSON.stringify(body.query), JSON.stringify(parameters), body.shared ?? false, call.scope.userId,
      ]);
      if (!rows[0]) {
        throw new AppError(PlatformErrors.conflict, `A saved query "${body.key}" already exists in this organisation.`, [
          { pointer: '/key', message: 'is already the key of a saved query of this organisation' },
        ]);
      }
      const saved = toView(rows[0]);
      await this.changed(tx, call, 'saved_query.created', null, saved);
      return saved;
    });
  }

  /** PUT: replaces name, query, shared and parameters (absent optional members take their defaults). Its owner or a gestor. */
  async replace(call: TenantCall, key: string, body: ReplaceSavedQueryBody): Promise<SavedQuery> {
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const before = await this.lockChangeable(tx, call, key);
      const parameters = body.parameters ?? {};
      await this.validate(tx, body.query, parameters);
      const { rows } = await tx.query<SavedQueryRow>(UPDATE_SAVED_QUERY, [
        key, body.name, JSON.stringify(body.query), JSON.stringify(parameters), body.shared ?? false, call.scope.userId,
      ]);
      const after = toView(rows[0] as SavedQueryRow);
      await this.changed(tx, call, 'saved_query.updated', before, after);
      return after;
    });
  }

  async delete(call: TenantCall, key: string): Promise<void> {
    await this.db.tenant.transaction(call.scope, async (tx) => {
      const before = await this.lockChangeable(tx, call, key);
      await tx.query(DELETE_SAVED_QUERY, [key]);
      await this.changed(tx, call, 'saved_query.deleted', before, null);
    });
  }

  /** POST /api/saved-queries/{key}/run: the saved query with the run's parameters, cursor and limit, answered like POST /api/query. */
  run(call: TenantCall, key: string, body: RunSavedQueryBody, format: AnswerFormat, signal?: AbortSignal): Promise<Answer> {
    const source: QuerySource = async (tx) => {
      const { rows } = await tx.query<SavedQueryRow>(SELECT_SAVED_QUERY, [key, ...viewer(call)]);
      const saved = rows[0];
      if (!saved) throw notFound(key);
      const { placeholders } = findPlaceholders(saved.query);
      const { values, errors } = runValues(saved.parameters, body.parameters ?? {});
      if (errors.length > 0) throw invalidQuery(errors);
      const input = {
        ...(substitute(saved.query, values) as Record<string, unknown>),
        ...(body.cursor === undefined ? {} : { cursor: body.cursor }),
        ...(body.limit === undefined ? {} : { limit: body.limit }),
      };
      // Problems of the run's own members stay where they are; those at a
      // placeholder are the parameter's; the rest are in the saved query.
      const rebase = (problems: readonly FieldError[]): FieldError[] =>
        problems.map(({ pointer, message }) => {
          if ((pointer === '/cursor' && body.cursor !== undefined) || (pointer === '/limit' && body.limit !== undefined)) return { pointer, message };
          const at = placeholderAt(placeholders, pointer);
          if (at) return { pointer: `/parameters/${at.name}`, message: `${message} (its placeholder is at /query${at.pointer})` };
          return { pointer: `/query${pointer}`, message: `${message} (in the saved query, which no longer fits the entity types: change it)` };
        });
      return { input, rebase };
    };
    return this.queries.run(call, source, format, signal);
  }

  /** Placeholders, declarations and the query itself (with defaults or samples in place), all problems at once (400). */
  private async validate(tx: TenantTx, query: Readonly<Record<string, unknown>>, parameters: Declarations): Promise<void> {
    const { placeholders, errors } = findPlaceholders(query);
    const problems: FieldError[] = errors.map(({ pointer, message }) => ({ pointer: `/query${pointer}`, message }));
    problems.push(...declarationProblems(parameters, placeholders));
    if (Object.prototype.hasOwnProperty.call(query, 'cursor')) problems.push({ pointer: '/query/cursor', message: 'a saved query holds no cursor: pass it when running' });
    for (const { pointer, message } of await this.queries.check(tx, substitute(query, sampleValues(parameters)))) {
      const at = placeholderAt(placeholders, pointer);
      // Without a default, what is at a placeholder is the run's value: checked then.
      if (at && !hasUsableDefault(parameters[at.name])) continue;
      // Already reported: the cursor, and misplaced or malformed placeholders.
      if (pointer === '/cursor' || problems.some((problem) => problem.pointer === `/query${pointer}`)) continue;
      problems.push({ pointer: `/query${pointer}`, message });
    }
    if (problems.length > 0) throw invalidQuery(problems);
  }

  /** The saved query, locked, when the caller may change it: its owner or a gestor (pack queries: gestores). */
  private async lockChangeable(tx: TenantTx, call: TenantCall, key: string): Promise<SavedQuery> {
    const { rows } = await tx.query<SavedQueryRow>(LOCK_SAVED_QUERY, [key, ...viewer(call)]);
    const row = rows[0];
    if (!row) throw notFound(key);
    const owner = row.source === 'tenant' && row.owner_id !== null && row.owner_id === call.scope.userId;
    if (!owner && call.role !== 'gestor') {
      throw new AppError(QueryErrors['saved-query-not-owner'], `Only the owner of "${key}" and gestores may change or delete it.`);
    }
    return toView(row);
  }

  private async changed(
    tx: TenantTx,
    call: TenantCall,
    action: 'saved_query.created' | 'saved_query.updated' | 'saved_query.deleted',
    before: SavedQuery | null,
    after: SavedQuery | null,
  ): Promise<void> {
    const subject = (after ?? before) as SavedQuery;
    await recordAudit(tx, {
      actor: call.actor,
      action,
      target: { type: 'saved_query', id: subject.key },
      ...(before === null ? {} : { before }),
      ...(after === null ? {} : { after }),
      origin: call.origin,
    });
    await emitEvent(tx, {
      type: action,
      subject: { type: 'saved_query', id: subject.key },
      payload: { saved_query: after ?? before, ...(before && after ? { before } : {}) },
    });
  }
}
