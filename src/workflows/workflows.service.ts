// Workflow definitions (issue #6, "Definitions"): drafts, publishing into
// immutable versions, the diff between versions, and the migration of
// in-flight records between versions. Shapes are the core's
// (parseWorkflowDefinition); publishing validates the draft against the
// registry, the organisation's teams and calendars (validateWorkflow).
//
// Publishing is idempotent: a draft equal to the latest version answers that
// version (`unchanged: true`) and writes nothing. The first publish attaches
// the type's existing records (workflow-attach.ts); later publishes never
// touch records: records stay on their version until final or migrated.
// Records pick the new latest version up through the records type state's
// stamp (src/records/type-state.ts), in every process, on their next create.
import { isDeepStrictEqual } from 'node:util';
import { queueAudit } from '../audit/index.ts';
import { loadCurrentDefinitions, loadCurrentType, type EntityTypeDefinition, type RegistrySnapshot } from '../entities/index.ts';
import { queueEvents } from '../events/index.ts';
import type { TenantCall } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import { isPgError } from '../platform/db/sqlstate.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { AppError, PlatformErrors, type FieldError } from '../platform/http/errors.ts';
import { LOCK_TYPE_CREATIONS_EXCLUSIVE } from '../records/index.ts';
import { BUILT_IN_CALENDARS, type WorkflowDefinition } from './core/definition.ts';
import { diffWorkflows } from './core/diff.ts';
import { validateStateMap } from './core/migration.ts';
import { parseWorkflowDefinition } from './core/parse-definition.ts';
import { validateWorkflow } from './core/validate.ts';
import { attachRecords } from './workflow-attach.ts';
import { countMoves, moveRecords, type MigrationPlan } from './workflow-migration.ts';
import { WorkflowErrors } from './workflows.errors.ts';
import type { DiffQuery, MigrateBody, MigrationResult, WorkflowView } from './workflows.schemas.ts';
import {
  INSERT_VERSION,
  INSERT_WORKFLOW,
  LIST_VERSIONS,
  LIST_WORKFLOWS,
  LOCK_WORKFLOW,
  SELECT_VALIDATION_CONTEXT,
  SELECT_VERSION,
  SELECT_VERSIONS,
  SELECT_WORKFLOW,
  SET_LATEST_VERSION,
  UPDATE_DRAFT,
  WORKFLOW_OF_TYPE,
} from './workflows.sql.ts';

interface WorkflowRow {
  key: string;
  entity_type: string;
  draft: unknown;
  draft_revision: number;
  latest_version: number | null;
  created_at: Date;
  updated_at: Date;
}

interface VersionRow {
  version: number;
  entity_type: string;
  definition: unknown;
  published_at: Date;
  published_by: string | null;
}

export interface Published {
  readonly key: string;
  readonly version: number;
  readonly attached: number;
  readonly unchanged: boolean;
}

export interface VersionView {
  readonly key: string;
  readonly version: number;
  readonly entity_type: string;
  readonly definition: WorkflowDefinition;
  readonly published_at: string;
  readonly published_by: string | null;
}

export interface WorkflowsOptions {
  /** The clock: when attached and migrated records enter their state. Tests pass a fake one. */
  readonly clock?: () => Date;
}

function invalid(errors: readonly FieldError[]): AppError {
  const detail = `${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((e) => `${e.pointer} ${e.message}`).join('; ')}`;
  return new AppError(PlatformErrors['validation-failed'], detail, errors);
}

function notFound(key: string): AppError {
  return new AppError(PlatformErrors['not-found'], `No workflow "${key}" in this organisation.`);
}

function versionNotFound(key: string, version: number): AppError {
  return new AppError(PlatformErrors['not-found'], `Workflow "${key}" has no published version ${version}.`);
}

function toView(row: WorkflowRow): WorkflowView {
  return {
    key: row.key,
    entity_type: row.entity_type,
    draft: row.draft as WorkflowView['draft'],
    draft_revision: row.draft_revision,
    latest_version: row.latest_version,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** A stored definition (shape-checked when written), parsed again: parse, don't cast. */
function definitionOf(stored: unknown, what: string): WorkflowDefinition {
  const parsed = parseWorkflowDefinition(stored);
  if (!parsed.ok) throw new Error(`stored ${what} no longer parses: ${parsed.errors.map((e) => `${e.pointer} ${e.message}`).join('; ')}`);
  return parsed.definition;
}

/** Whether a draft's If-Match names its revision (`*` or a list of tags, as for records). */
function revisionMatches(header: string, revision: number): boolean {
  const trimmed = header.trim();
  if (trimmed === '*') return true;
  return trimmed.split(',').some((tag) => /^(W\/)?"(\d{1,10})"$/.exec(tag.trim())?.[2] === String(revision));
}

function snapshotOf(registry: ReadonlyMap<string, EntityTypeDefinition>): RegistrySnapshot {
  return { type: (key) => registry.get(key) };
}

export class WorkflowsService {
  private readonly clock: () => Date;

  constructor(
    private readonly db: Database,
    options: WorkflowsOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  async list(call: TenantCall): Promise<WorkflowView[]> {
    const { rows } = await this.db.tenant.query<WorkflowRow>(call.scope, LIST_WORKFLOWS);
    return rows.map(toView);
  }

  async get(call: TenantCall, key: string): Promise<WorkflowView> {
    const row = (await this.db.tenant.query<WorkflowRow>(call.scope, SELECT_WORKFLOW, [key])).rows[0];
    if (!row) throw notFound(key);
    return toView(row);
  }

  /** POST /api/workflows: a new workflow with its draft (nothing runs until it is published). */
  async create(call: TenantCall, body: unknown): Promise<WorkflowView> {
    const parsed = parseWorkflowDefinition(body);
    if (!parsed.ok) throw invalid(parsed.errors);
    const definition = parsed.definition;
    try {
      return await this.db.tenant.transaction(call.scope, async (tx) => {
        if (!(await loadCurrentType(tx, definition.entity_type))) {
          throw invalid([{ pointer: '/entity_type', message: `no entity type "${definition.entity_type}" in this organisation` }]);
        }
        if ((await tx.query(SELECT_WORKFLOW, [definition.key])).rows.length > 0) throw this.keyTaken(definition.key);
        await this.requireTypeFree(tx, definition.entity_type, definition.key);
        const { rows } = await tx.query<WorkflowRow>(INSERT_WORKFLOW, [definition.key, definition.entity_type, JSON.stringify(definition), call.scope.userId]);
        const row = rows[0] as WorkflowRow;
        queueAudit(tx, [{ actor: call.actor, action: 'workflow.created', target: { type: 'workflow', id: null }, after: { key: row.key, draft: definition }, origin: call.origin }]);
        return toView(row);
      });
    } catch (error) {
      // Concurrent creations: the constraints decide.
      if (isPgError(error) && error.code === '23505') {
        if (error.constraint === 'workflows_entity_type') throw this.typeTaken(definition.entity_type, null);
        throw this.keyTaken(definition.key);
      }
      throw error;
    }
  }

  /** PUT /api/workflows/{key}: replaces the draft (optional If-Match on its revision). */
  async replaceDraft(call: TenantCall, key: string, body: unknown, ifMatch: string | undefined): Promise<WorkflowView> {
    const parsed = parseWorkflowDefinition(body);
    if (!parsed.ok) throw invalid(parsed.errors);
    const definition = parsed.definition;
    if (definition.key !== key) throw invalid([{ pointer: '/key', message: `must be "${key}", the workflow's key (keys do not change)` }]);
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const current = (await tx.query<WorkflowRow>(LOCK_WORKFLOW, [key])).rows[0];
      if (!current) throw notFound(key);
      if (ifMatch !== undefined && !revisionMatches(ifMatch, current.draft_revision)) {
        throw new AppError(WorkflowErrors['workflow-draft-changed'], `The draft is at revision ${current.draft_revision}; If-Match does not name it.`, [], {
          current_revision: current.draft_revision,
        });
      }
      if (definition.entity_type !== current.entity_type) {
        // A workflow belongs to its type for good (migrations/0011 grants no update of entity_type): another type needs another workflow.
        const message = `must stay "${current.entity_type}": a workflow's entity type does not change (create another workflow for another type)`;
        throw invalid([{ pointer: '/entity_type', message }]);
      }
      const { rows } = await tx.query<WorkflowRow>(UPDATE_DRAFT, [key, JSON.stringify(definition), call.scope.userId]);
      const row = rows[0] as WorkflowRow;
      queueAudit(tx, [
        {
          actor: call.actor,
          action: 'workflow.draft_updated',
          target: { type: 'workflow', id: null },
          before: { key, draft: current.draft },
          after: { key, draft: definition },
          origin: call.origin,
        },
      ]);
      return toView(row);
    });
  }

  /**
   * POST /api/workflows/{key}/publish: validates the draft against the current
   * registry, teams and calendars (422 workflow-invalid with every pointer),
   * stores it as version n+1 and makes it the latest; the first publish
   * attaches the type's existing records. Audit entry and event
   * `workflow.published` in the same transaction.
   */
  async publish(call: TenantCall, key: string): Promise<Published> {
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const row = (await tx.query<WorkflowRow>(LOCK_WORKFLOW, [key])).rows[0];
      if (!row) throw notFound(key);
      const draft = definitionOf(row.draft, `draft of ${key}`);
      if (row.latest_version !== null) {
        const latest = (await tx.query<VersionRow>(SELECT_VERSION, [key, row.latest_version])).rows[0];
        if (latest && isDeepStrictEqual(latest.definition, JSON.parse(JSON.stringify(draft)))) {
          return { key, version: row.latest_version, attached: 0, unchanged: true };
        }
      }
      const registry = await loadCurrentDefinitions(tx);
      const context = (await tx.query<{ teams: string[]; calendars: string[] }>(SELECT_VALIDATION_CONTEXT)).rows[0];
      const errors = validateWorkflow(draft, {
        registry: snapshotOf(registry),
        teams: new Set(context?.teams ?? []),
        calendars: new Set([...BUILT_IN_CALENDARS, ...(context?.calendars ?? [])]),
      });
      if (errors.length > 0) {
        const detail = `${errors.length} problem${errors.length === 1 ? '' : 's'} in the draft: ${errors.map((e) => `${e.pointer} ${e.message}`).join('; ')}`;
        throw new AppError(WorkflowErrors['workflow-invalid'], detail, errors);
      }
      const version = (row.latest_version ?? 0) + 1;
      await tx.query(INSERT_VERSION, [key, version, draft.entity_type, JSON.stringify(draft), call.scope.userId]);
      await tx.query(SET_LATEST_VERSION, [key, version, call.scope.userId]);
      let attached = 0;
      if (row.latest_version === null) {
        const type = registry.get(draft.entity_type);
        if (!type) throw invalid([{ pointer: '/entity_type', message: `no entity type "${draft.entity_type}" in this organisation` }]);
        // Creations of the type in flight finish first; later ones see this version (records.sql.ts, LOCK_TYPE_CREATIONS).
        await tx.query(LOCK_TYPE_CREATIONS_EXCLUSIVE, [draft.entity_type]);
        attached = await attachRecords(tx, call, { key, version, definition: draft }, type, this.clock());
      }
      const summary = { key, version, entity_type: draft.entity_type, attached };
      queueAudit(tx, [{ actor: call.actor, action: 'workflow.published', target: { type: 'workflow', id: null }, after: { ...summary, definition: draft }, origin: call.origin }]);
      queueEvents(tx, [{ type: 'workflow.published', subject: { type: 'workflow', id: null }, payload: summary }]);
      return { key, version, attached, unchanged: false };
    });
  }

  async versions(call: TenantCall, key: string): Promise<{ version: number; entity_type: string; published_at: string; published_by: string | null }[]> {
    return this.db.tenant.transaction(call.scope, async (tx) => {
      if ((await tx.query(SELECT_WORKFLOW, [key])).rows.length === 0) throw notFound(key);
      const { rows } = await tx.query<Omit<VersionRow, 'definition'>>(LIST_VERSIONS, [key]);
      return rows.map((row) => ({ version: row.version, entity_type: row.entity_type, published_at: row.published_at.toISOString(), published_by: row.published_by }));
    });
  }

  async version(call: TenantCall, key: string, version: number): Promise<VersionView> {
    const row = (await this.db.tenant.query<VersionRow>(call.scope, SELECT_VERSION, [key, version])).rows[0];
    if (!row) throw versionNotFound(key, version);
    return this.versionView(key, row);
  }

  /** GET /api/workflows/{key}/diff?from=1&to=2 (or to=draft). */
  async diff(call: TenantCall, key: string, query: DiffQuery): Promise<{ key: string; from: number; to: number | 'draft'; changes: object[] }> {
    const toVersion: number | 'draft' = query.to === 'draft' ? 'draft' : Number(query.to);
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const workflow = (await tx.query<WorkflowRow>(SELECT_WORKFLOW, [key])).rows[0];
      if (!workflow) throw notFound(key);
      const wanted = toVersion === 'draft' ? [query.from] : [query.from, toVersion];
      const rows = (await tx.query<VersionRow>(SELECT_VERSIONS, [key, wanted])).rows;
      const byVersion = new Map(rows.map((row) => [row.version, row]));
      const from = byVersion.get(query.from);
      if (!from) throw versionNotFound(key, query.from);
      let to: WorkflowDefinition;
      if (toVersion === 'draft') to = definitionOf(workflow.draft, `draft of ${key}`);
      else {
        const row = byVersion.get(toVersion);
        if (!row) throw versionNotFound(key, toVersion);
        to = definitionOf(row.definition, `version ${toVersion} of ${key}`);
      }
      return { key, from: query.from, to: toVersion, changes: [...diffWorkflows(definitionOf(from.definition, `version ${query.from} of ${key}`), to)] };
    });
  }

  /** POST /api/workflows/{key}/migrate: counts (dry run) or moves the in-flight records of from_version to to_version. */
  async migrate(call: TenantCall, key: string, body: MigrateBody): Promise<MigrationResult> {
    return this.db.tenant.transaction(call.scope, async (tx) => {
      // Serialised with publishes and other migrations of the workflow.
      const workflow = (await tx.query<WorkflowRow>(LOCK_WORKFLOW, [key])).rows[0];
      if (!workflow) throw notFound(key);
      const rows = (await tx.query<VersionRow>(SELECT_VERSIONS, [key, [body.from_version, body.to_version]])).rows;
      const byVersion = new Map(rows.map((row) => [row.version, row]));
      const from = byVersion.get(body.from_version);
      const to = byVersion.get(body.to_version);
      const errors: FieldError[] = [];
      if (!from) errors.push({ pointer: '/from_version', message: `workflow "${key}" has no published version ${body.from_version}` });
      if (!to) errors.push({ pointer: '/to_version', message: `workflow "${key}" has no published version ${body.to_version}` });
      if (from && to && body.from_version === body.to_version) errors.push({ pointer: '/to_version', message: 'must differ from from_version' });
      if (errors.length > 0 || !from || !to) throw invalid(errors);
      const fromDefinition = definitionOf(from.definition, `version ${from.version} of ${key}`);
      const toDefinition = definitionOf(to.definition, `version ${to.version} of ${key}`);
      const mapped = validateStateMap(fromDefinition, toDefinition, body.state_map ?? {});
      if (!mapped.ok) throw invalid(mapped.errors);
      const type = await loadCurrentType(tx, workflow.entity_type);
      if (!type) throw notFound(key);
      const plan: MigrationPlan = {
        key,
        type: type.definition,
        from: { version: from.version, definition: fromDefinition },
        to: { version: to.version, definition: toDefinition },
        map: mapped.map,
      };
      const dryRun = body.dry_run === true;
      const moves = dryRun ? await countMoves(tx, plan) : await moveRecords(tx, call, plan, this.clock());
      const result: MigrationResult = {
        key,
        from_version: from.version,
        to_version: to.version,
        dry_run: dryRun,
        moves,
        total: moves.reduce((sum, move) => sum + move.records, 0),
      };
      if (!dryRun) {
        queueAudit(tx, [{ actor: call.actor, action: 'workflow.migrated', target: { type: 'workflow', id: null }, after: { ...result, state_map: Object.fromEntries(mapped.map) }, origin: call.origin }]);
        queueEvents(tx, [{ type: 'workflow.migrated', subject: { type: 'workflow', id: null }, payload: { ...result, entity_type: workflow.entity_type } }]);
      }
      return result;
    });
  }

  private versionView(key: string, row: VersionRow): VersionView {
    return {
      key,
      version: row.version,
      entity_type: row.entity_type,
      definition: definitionOf(row.definition, `version ${row.version} of ${key}`),
      published_at: row.published_at.toISOString(),
      published_by: row.published_by,
    };
  }

  /** 409 when another workflow is attached to the type. */
  private async requireTypeFree(tx: TenantTx, entityType: string, key: string): Promise<void> {
    const other = (await tx.query<{ key: string }>(WORKFLOW_OF_TYPE, [entityType])).rows[0];
    if (other && other.key !== key) throw this.typeTaken(entityType, other.key);
  }

  private typeTaken(entityType: string, other: string | null): AppError {
    return new AppError(
      WorkflowErrors['workflow-type-taken'],
      `The entity type "${entityType}" already has a workflow${other ? ` ("${other}")` : ''}; a type runs one workflow.`,
      [{ pointer: '/entity_type', message: 'already has a workflow' }],
      other ? { workflow: other } : {},
    );
  }

  private keyTaken(key: string): AppError {
    return new AppError(WorkflowErrors['workflow-exists'], `A workflow "${key}" already exists in this organisation.`, [{ pointer: '/key', message: 'already used' }]);
  }
}
