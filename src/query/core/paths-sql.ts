// Rows and the references between them. A RowScope is one `records` row
// (the root `r`, a related record in a quantifier, a hop's target) inside one
// SELECT (its Level). Following a reference or any_reference field adds two
// LEFT JOINs to that SELECT, once per distinct hop: the link in record_links
// (primary key (tenant_id, from_id, field_key, to_id)) and the target record,
// of one of the hop's target types. A missing link, a target of another
// type or one the caller may not see (row ACL) leaves the hop NULL, as a
// dangling reference is null in memory (memory-records.ts).
import type { PathHop, ResolvedPath } from '../../conditions/index.ts';
import type { SqlBuilder } from './sql-builder.ts';

export interface Level {
  /** LEFT JOINs this SELECT needs, in order of first use. */
  readonly joins: string[];
  /** `<alias>.<field>` -> alias of the hop's target record. */
  readonly hops: Map<string, string>;
}

export interface RowScope {
  readonly alias: string;
  readonly level: Level;
}

export function newScope(alias: string): RowScope {
  return { alias, level: { joins: [], hops: new Map() } };
}

/** ` and <alias>.type_key = $n` for one type, `= any($n)` for several (an any_reference hop). */
export function typeMatch(b: SqlBuilder, alias: string, types: readonly string[]): string {
  return types.length === 1
    ? `${alias}.type_key = ${b.identifier(types[0]!, 'text')}`
    : `${alias}.type_key = any(${b.identifier([...types], 'text[]')})`;
}

/** The alias of the record a path's final field belongs to, joining its hops into the scope's SELECT. */
export function ownerAlias(b: SqlBuilder, scope: RowScope, hops: readonly PathHop[]): string {
  let current = scope.alias;
  for (const hop of hops) {
    const key = `${current}.${hop.field}`;
    let target = scope.level.hops.get(key);
    if (target === undefined) {
      const link = b.alias('l');
      target = b.alias('h');
      scope.level.joins.push(
        `left join record_links ${link} on ${link}.from_id = ${current}.id and ${link}.field_key = ${b.identifier(hop.field, 'text')}`,
        `left join records ${target} on ${target}.id = ${link}.to_id and ${typeMatch(b, target, hop.targets)}`,
      );
      scope.level.hops.set(key, target);
    }
    current = target;
  }
  return current;
}

const SYSTEM_COLUMN: Readonly<Record<string, string>> = {
  id: 'id', type: 'type_key', version: 'version', created_at: 'created_at', updated_at: 'updated_at', created_by: 'created_by', updated_by: 'updated_by',
  state: 'state', state_category: 'state_category', state_entered_at: 'state_entered_at', workflow_version: 'workflow_version',
  sla_status: 'sla_status', sla_due_at: 'sla_due_at',
};

/**
 * PostgreSQL reads a path element as an array index with strtol (sign,
 * leading blanks and zeros allowed; `-1` counts from the end), but in memory
 * only a canonical decimal indexes an array. Such keys are looked up with
 * `->` (text: object keys only) instead of inside a `#>` path.
 */
function arrayIndexOnlyInPostgres(key: string): boolean {
  return /^\s*[+-]?[0-9]+$/.test(key) && !/^(0|[1-9][0-9]*)$/.test(key);
}

/**
 * `data -> field`, or for a JSON path `data #> {field, key, ...}` (the keys bound
 * as one text[] parameter). `->` and `#>` associate to the left, so a chain
 * needs no parentheses.
 */
function jsonPathSql(b: SqlBuilder, base: string, field: string, jsonPath: readonly string[]): string {
  let sql = base;
  let run: string[] = [field];
  const flush = () => {
    if (run.length === 1) sql = `${sql} -> ${b.identifier(run[0]!, 'text')}`;
    else if (run.length > 1) sql = `${sql} #> ${b.identifier(run, 'text[]')}`;
    run = [];
  };
  for (const key of jsonPath) {
    if (arrayIndexOnlyInPostgres(key)) {
      flush();
      run = [key];
      flush();
    } else {
      run.push(key);
    }
  }
  flush();
  return sql;
}

/** The raw SQL of a path: a system column, or the jsonb at the field (and JSON path). */
export function rawPath(b: SqlBuilder, scope: RowScope, path: ResolvedPath): string {
  const owner = ownerAlias(b, scope, path.hops);
  if (path.system) {
    const column = SYSTEM_COLUMN[path.field];
    return column === undefined ? 'null' : `${owner}.${column}`;
  }
  return jsonPathSql(b, `${owner}.data`, path.field, path.jsonPath);
}

/** The path with its first hop taken: what the hop's target sees. */
export function afterFirstHop(path: ResolvedPath): ResolvedPath {
  return { ...path, hops: path.hops.slice(1) };
}
