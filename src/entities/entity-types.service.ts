// The entity type registry: each organisation's own data models. Every change
// appends an immutable version (definition + diff from the previous current
// one) and moves the type's current pointer, under a row lock on the type, in
// the same transaction as its audit entry and event. Validation is the pure
// core's (src/entities/core); this file only loads, locks and stores.
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
import type { EntityType, EntityTypeVersion } from './entity-types.schemas.ts';
import {
  CURRENT_DEFINITIONS,
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

const ACTIONS: Record<ChangeKind, string> = {
  create: 'entity_type.created',
  update: 'entity_type.updated',
  add_field: 'entity_type.updated',
  rollback: 'entity_type.rolled_back',
};

export class EntityTypesService {
  constructor(private readonly db: Database) {}

  async list(call: TenantCall): Promise<EntityType[]> {
    const { rows } = await this.db.tenant.query<TypeRow>(call.scope, LIST_TYPES);
    return rows.map(toEntityType);
  }

  async get(call: TenantCall, key: string): Promise<EntityType> {
    const { rows } = await this.db.tenant.query<TypeRow>(call.scope, SELECT_TYPE, [key]);
    if (!rows[0]) throw notFound(key);
    return toEntityType(rows[0]);
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
      return this.recordVersion(tx, call, { key: definition.key, version: 1, kind: 'create', before: null, beforeType: null, definition });
    });
  }

  /** PATCH: members present replace the current ones; the result is validated whole. */
  update(call: TenantCall, key: string, patch: unknown): Promise<EntityType> {
    return this.change(call, key, 'update', (current) => ({ candidate: applyPatch(current, patch), rebase: (errors) => errors }));
  }

  /** Appends one field; errors point into the field (the request body). */
  addField(call: TenantCall, key: string, field: unknown): Promise<EntityType> {
    return this.change(call, key, 'add_field', (current) => {
      const { candidate, index } = withAddedField(current, field);
      return { candidate: { ok: true, candidate }, rebase: (errors) => rebaseErrors(errors, `/fields/${index}`) };
    });
  }

  /** Makes version `toVersion`'s definition current by appending it as a new version. */
  async rollback(call: TenantCall, key: string, toVersion: number): Promise<EntityType> {
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const locked = await this.lock(tx, key);
      const target = await tx.query<{ definition: EntityTypeDefinition }>(SELECT_VERSION_DEFINITION, [key, toVersion]);
      if (!target.rows[0]) {
        throw invalid([{ pointer: '/to_version', message: `is not a version of this type (1 to ${locked.current_version})` }]);
      }
      const current = await this.current(tx, key);
      return this.recordVersion(tx, call, {
        key,
        version: locked.current_version + 1,
        kind: 'rollback',
        before: current.definition,
        beforeType: current,
        definition: target.rows[0].definition,
      });
    });
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

  private async change(
    call: TenantCall,
    key: string,
    kind: ChangeKind,
    build: (current: EntityTypeDefinition) => { candidate: Candidate; rebase: (errors: FieldError[]) => FieldError[] },
  ): Promise<EntityType> {
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const locked = await this.lock(tx, key);
      const current = await this.current(tx, key);
      const { candidate, rebase } = build(current.definition);
      if (!candidate.ok) throw invalid(candidate.errors);
      const registry = await loadRegistry(tx);
      const definition = validate(candidate.candidate, registry, rebase);
      return this.recordVersion(tx, call, {
        key,
        version: locked.current_version + 1,
        kind,
        before: current.definition,
        beforeType: current,
        definition,
      });
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
