// What a type change does to index entries, decided without I/O: which
// fields' entries are dropped and which are (re)built, and where a build
// runs: at once (a new type has no records), inside the change's transaction
// (a small type), or in the background (src/entities/index-builds/worker.ts).
import type { EntityTypeDefinition } from '../../core/definitions.ts';
import { indexChanges } from '../../core/narrowing.ts';

export type ChangeMode = 'create' | 'change' | 'rollback';

/** complete: nothing to read, mark the fields complete; request: build in the change's transaction; background: enqueue builds. */
export type BuildPlace = 'none' | 'complete' | 'request' | 'background';

export interface IndexPlan {
  /** Fields no longer indexed: their completeness is forgotten and their builds cancelled. */
  readonly drop: readonly string[];
  /** Fields whose entries must be (re)built: newly indexed or unique, or a new index kind. */
  readonly build: readonly string[];
  /**
   * Fields of `build` whose key no earlier version had: no record can hold a
   * value for them (writes accept only fields of the definition), so they are
   * complete at once, whatever the number of records.
   */
  readonly fresh: readonly string[];
}

const NOTHING: EntityTypeDefinition = { key: '', label: '', fields: [] };

/** `keysBefore`: every field key of the type's earlier versions (unknown: no field is taken as fresh). */
export function planIndexChanges(before: EntityTypeDefinition | null, after: EntityTypeDefinition, keysBefore?: ReadonlySet<string>): IndexPlan {
  const { build, drop } = indexChanges(before ?? NOTHING, after);
  const fresh = before === null ? build : keysBefore ? build.filter((key) => !keysBefore.has(key)) : [];
  return { build, drop, fresh };
}

/**
 * Where the builds of a change run. A new type has no records. A rollback
 * stays one small transaction whatever the number of records (and must not be
 * refused), so its builds always run in the background. Any other change
 * builds in the request when the type has at most `requestMax` records
 * (`overRequestMax` false); `requestMax` 0 sends every build to the background.
 */
export function buildPlace(mode: ChangeMode, plan: IndexPlan, requestMax: number, overRequestMax: boolean): BuildPlace {
  if (plan.build.length === 0) return 'none';
  if (mode === 'create' || plan.fresh.length === plan.build.length) return 'complete';
  if (mode === 'rollback' || requestMax <= 0 || overRequestMax) return 'background';
  return 'request';
}

/** What a worker does after an error in a build's transaction, by SQLSTATE (undefined: not a database error). */
export type FailureAction = 'retry' | 'release' | 'fail';

export function failureAction(sqlstate: string | undefined): FailureAction {
  if (sqlstate === undefined) return 'release'; // connection lost, pool closed: another attempt later
  // Deadlock, serialization failure, lock timeout: the builder yields to writers and tries again.
  if (sqlstate === '40P01' || sqlstate === '40001' || sqlstate === '55P03') return 'retry';
  // Organisation suspended or gone, connection or shutdown trouble: leave the build for later.
  if (sqlstate.startsWith('TS') || sqlstate.startsWith('08') || sqlstate.startsWith('57')) return 'release';
  return 'fail';
}
