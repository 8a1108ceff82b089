import type { TenantTx } from '../platform/db/tenant-database.ts';
import type { EntityTypeDefinition } from './core/definitions.ts';
import { CURRENT_DEFINITIONS, SELECT_TYPE } from './entity-types.sql.ts';

export { EntityTypesService, type EntityTypesOptions } from './entity-types.service.ts';
export { entityTypesRoutes } from './entity-types.routes.ts';
export * from './core/definitions.ts';
export { parseDefinition, type ParseContext, type ParseResult } from './core/parse-definition.ts';
export { diffDefinitions, applyDiff, isEmptyDiff, type DefinitionDiff } from './core/diff.ts';
export { valueProblem, isUuidText } from './core/field-values.ts';
// Background index builds: the worker (app.ts), and what a listing uses to ask for a build.
export { IndexBuildWorker, indexBuildsBusy, requestIndexBuilds, type IndexBuildWorkerOptions } from './index-builds/index.ts';

// --- Registry reads for other capabilities (records), inside their own transaction.

export interface CurrentEntityType {
  readonly definition: EntityTypeDefinition;
  readonly version: number;
}

/** A type's current definition and version in the caller's transaction, or undefined when the organisation has no such type. */
export async function loadCurrentType(tx: TenantTx, key: string): Promise<CurrentEntityType | undefined> {
  const { rows } = await tx.query<{ definition: EntityTypeDefinition; current_version: number }>(SELECT_TYPE, [key]);
  return rows[0] ? { definition: rows[0].definition, version: rows[0].current_version } : undefined;
}

/** The current definitions of all the organisation's types, by key. */
export async function loadCurrentDefinitions(tx: TenantTx): Promise<Map<string, EntityTypeDefinition>> {
  const { rows } = await tx.query<{ key: string; definition: EntityTypeDefinition }>(CURRENT_DEFINITIONS);
  return new Map(rows.map((row) => [row.key, row.definition]));
}
