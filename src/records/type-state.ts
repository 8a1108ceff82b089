// What every records request needs about its type (the current definition,
// the stored permissions, which indexed fields are complete), cached per
// process and per (organisation, type) so that a request does not read it
// again each time.
//
// The cache is never trusted on its own: the state carries the type's
// `current_version`, the `revision` of its access settings
// (migrations/0009_record_index_paging.sql) and the latest published version
// of its workflow (migrations/0011_workflows.sql), and every request reads
// them with its first statement (STAMP_COLUMNS, in the same round trip as its
// work). A request whose stamp differs from the state it used throws
// StaleTypeState before answering or writing anything (writes are guarded by
// the stamp in the same statement); the service then reloads the state and
// runs the request again. So a change of the type or of its permissions,
// made through any process, applies to the very next request everywhere.
// Definitions and workflow versions are immutable, and the revision rises
// with every permissions change, so equal stamps mean equal state.
import type { EntityTypeDefinition } from '../entities/index.ts';
import type { StoredPermissions, Visibility } from '../permissions/index.ts';
import type { TenantScope, TenantTx } from '../platform/db/tenant-database.ts';
import type { Database } from '../platform/db/database.ts';
import type { PublishedWorkflow, WorkflowDefinition } from '../workflows/core/definition.ts';
import { storedPermissionsOf, type GrantRow } from './access.ts';
import { SELECT_STAMP, SELECT_TYPE_STATE } from './type-state.sql.ts';

export interface TypeState {
  readonly type: string;
  /** entity_types.current_version: the version `definition` is. */
  readonly version: number;
  readonly definition: EntityTypeDefinition;
  /** entity_type_access.revision; 0 when nothing is stored. */
  readonly revision: number;
  /** What a gestor stored for the type; undefined: the defaults apply. */
  readonly stored: StoredPermissions | undefined;
  /** Indexed fields whose entries are complete, as last seen (each listing reads it again). */
  complete: ReadonlySet<string>;
  /** The latest published version of the workflow attached to the type; null when none is. New records start in it. */
  readonly workflow: PublishedWorkflow | null;
}

/** The stamp columns a first statement returns (SELECT_STAMP adds stamp_complete). */
export interface Stamp {
  stamp_version: number | null;
  stamp_revision: number | string;
  /** workflows.latest_version of the type's workflow; 0 when none is published. */
  stamp_workflow: number | string;
  stamp_complete?: string[];
}

/** The state a request used is no longer the type's: reload it and run the request again. */
export class StaleTypeState extends Error {
  constructor(type: string) {
    super(`The cached state of type "${type}" is stale.`);
  }
}

interface StateRow {
  version: number;
  definition: EntityTypeDefinition;
  revision: number | string;
  visibility: Visibility | null;
  grants: GrantRow[];
  complete: string[];
  workflow_key: string | null;
  workflow_version: number | null;
  workflow_definition: WorkflowDefinition | null;
}

/** The stamp_workflow a state stands for. */
export function workflowStamp(state: TypeState): number {
  return state.workflow?.version ?? 0;
}

/** Whether a stamp read now names the state's version, revision and workflow version. */
export function stampMatches(state: TypeState, stamp: Stamp | undefined): boolean {
  return (
    stamp !== undefined &&
    stamp.stamp_version === state.version &&
    Number(stamp.stamp_revision) === state.revision &&
    Number(stamp.stamp_workflow) === workflowStamp(state)
  );
}

/** A state from its SELECT_TYPE_STATE row. */
function stateOf(type: string, row: StateRow): TypeState {
  return {
    type,
    version: row.version,
    definition: row.definition,
    revision: Number(row.revision),
    stored: storedPermissionsOf(row.visibility, row.grants),
    complete: new Set(row.complete),
    workflow:
      row.workflow_key !== null && row.workflow_version !== null && row.workflow_definition !== null
        ? { key: row.workflow_key, version: row.workflow_version, definition: row.workflow_definition }
        : null,
  };
}

/** One per RecordsService (so per process and per database). */
export class TypeStates {
  private readonly states = new Map<string, TypeState>();

  /** At most `capacity` (organisation, type) pairs; the least recently used go first. */
  constructor(private readonly capacity = 10_000) {}

  private static key(scope: TenantScope, type: string): string {
    return `${scope.tenantId}/${type}`;
  }

  cached(scope: TenantScope, type: string): TypeState | undefined {
    const key = TypeStates.key(scope, type);
    const state = this.states.get(key);
    if (state) {
      this.states.delete(key);
      this.states.set(key, state);
    }
    return state;
  }

  /** Reads the type's state in one statement of its own and caches it; undefined when the organisation has no such type. */
  async load(db: Database, scope: TenantScope, type: string): Promise<TypeState | undefined> {
    return this.keep(scope, type, (await db.tenant.query<StateRow>(scope, SELECT_TYPE_STATE, [type])).rows[0]);
  }

  /** The same, read in the caller's transaction (a write that must see the state as of its own snapshot). */
  async loadIn(tx: TenantTx, type: string): Promise<TypeState | undefined> {
    return this.keep(tx.scope, type, (await tx.query<StateRow>(SELECT_TYPE_STATE, [type])).rows[0]);
  }

  private keep(scope: TenantScope, type: string, row: StateRow | undefined): TypeState | undefined {
    if (!row) {
      this.forget(scope, type);
      return undefined;
    }
    const state = stateOf(type, row);
    const key = TypeStates.key(scope, type);
    this.states.delete(key);
    this.states.set(key, state);
    if (this.states.size > this.capacity) this.states.delete(this.states.keys().next().value as string);
    return state;
  }

  /** Whether the state is still the type's (one statement of its own). */
  async isCurrent(db: Database, scope: TenantScope, state: TypeState): Promise<boolean> {
    return stampMatches(state, (await db.tenant.query<Stamp>(scope, SELECT_STAMP, [state.type])).rows[0]);
  }

  forget(scope: TenantScope, type: string): void {
    this.states.delete(TypeStates.key(scope, type));
  }
}

/** One attempt of a request with a state: whether a stamp has confirmed the state yet. */
export class StateUse {
  constructor(
    readonly state: TypeState,
    /** Loaded for this request (as fresh as a read in its own transaction), or confirmed by a stamp since. */
    public confirmed: boolean,
  ) {}

  /** Checks a stamp this request read: throws StaleTypeState when the state is no longer the type's. */
  confirm(stamp: Stamp | undefined): void {
    if (!stampMatches(this.state, stamp)) throw new StaleTypeState(this.state.type);
    this.confirmed = true;
  }
}
