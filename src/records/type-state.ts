// What every records request needs about its type (the current definition,
// the stored permissions, which indexed fields are complete), cached per
// process and per (organisation, type) so that a request does not read it
// again each time.
//
// The cache is never trusted on its own: the state carries the type's
// `current_version` and the `revision` of its access settings
// (migrations/0009_record_index_paging.sql), and every request reads both
// with its first statement (STAMP_COLUMNS, in the same round trip as its
// work). A request whose stamp differs from the state it used throws
// StaleTypeState before answering or writing anything (writes are guarded by
// the stamp in the same statement); the service then reloads the state and
// runs the request again. So a change of the type or of its permissions,
// made through any process, applies to the very next request everywhere.
// Definitions are immutable per version, and the revision rises with every
// permissions change, so equal stamps mean equal state.
import type { EntityTypeDefinition } from '../entities/index.ts';
import type { StoredPermissions, Visibility } from '../permissions/index.ts';
import type { TenantScope } from '../platform/db/tenant-database.ts';
import type { Database } from '../platform/db/database.ts';
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
}

/** The stamp columns a first statement returns (SELECT_STAMP adds stamp_complete). */
export interface Stamp {
  stamp_version: number | null;
  stamp_revision: number | string;
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
}

/** Whether a stamp read now names the state's version and revision. */
export function stampMatches(state: TypeState, stamp: Stamp | undefined): boolean {
  return stamp !== undefined && stamp.stamp_version === state.version && Number(stamp.stamp_revision) === state.revision;
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
    const row = (await db.tenant.query<StateRow>(scope, SELECT_TYPE_STATE, [type])).rows[0];
    if (!row) {
      this.forget(scope, type);
      return undefined;
    }
    const state: TypeState = {
      type,
      version: row.version,
      definition: row.definition,
      revision: Number(row.revision),
      stored: storedPermissionsOf(row.visibility, row.grants),
      complete: new Set(row.complete),
    };
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
