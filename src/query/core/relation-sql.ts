// Sub-selects over related records, all through record_links: a quantifier's
// related records (forward: the record's `references` field, by the link's
// primary key (tenant_id, from_id, field_key, ...); reverse: the records
// whose field points here, by the record_links_to index (tenant_id, to_id)),
// and one hop of a reference path tested as a semi-join.
import type { PathHop, ResolvedRelation } from '../../conditions/index.ts';
import type { Compilation } from './compilation.ts';
import { newScope, typeMatch, type RowScope } from './paths-sql.ts';
import type { ReverseRelation } from './query.ts';

/** A SELECT's FROM and WHERE over related rows; `row` is the related record. */
export interface RelatedRows {
  readonly row: RowScope;
  readonly from: string;
  readonly where: string[];
}

export function relatedRows(compilation: Compilation, relation: ResolvedRelation, scope: RowScope, rowPrefix: string): RelatedRows {
  const { b } = compilation;
  const link = b.alias('l');
  const row = newScope(b.alias(rowPrefix));
  if (relation.kind === 'forward') {
    return {
      row,
      from: `record_links ${link} join records ${row.alias} on ${row.alias}.id = ${link}.to_id`,
      where: [`${link}.from_id = ${scope.alias}.id`, `${link}.field_key = ${b.identifier(relation.field, 'text')}`, typeMatch(b, row.alias, [relation.targetType])],
    };
  }
  return reverseRows(compilation, relation, scope, row, link);
}

function reverseRows(compilation: Compilation, relation: ReverseRelation, scope: RowScope, row: RowScope, link: string): RelatedRows {
  const { b } = compilation;
  return {
    row,
    from: `record_links ${link} join records ${row.alias} on ${row.alias}.id = ${link}.from_id`,
    where: [`${link}.to_id = ${scope.alias}.id`, `${link}.field_key = ${b.identifier(relation.field, 'text')}`, typeMatch(b, row.alias, [relation.sourceType])],
  };
}

/** The target of one hop, as related rows (a reference has at most one link per field). */
export function hopRows(compilation: Compilation, hop: PathHop, scope: RowScope): RelatedRows {
  const { b } = compilation;
  const link = b.alias('l');
  const row = newScope(b.alias('t'));
  return {
    row,
    from: `record_links ${link} join records ${row.alias} on ${row.alias}.id = ${link}.to_id`,
    where: [`${link}.from_id = ${scope.alias}.id`, `${link}.field_key = ${b.identifier(hop.field, 'text')}`, typeMatch(b, row.alias, hop.targets)],
  };
}

/** `select <columns> from <related rows> <their hops' joins> where ...`. Call after compiling everything that reads `rows.row`. */
export function selectFrom(rows: RelatedRows, columns: string, extra: readonly string[] = []): string {
  const joins = rows.row.level.joins.length > 0 ? ` ${rows.row.level.joins.join(' ')}` : '';
  return `select ${columns} from ${rows.from}${joins} where ${[...rows.where, ...extra].join(' and ')}`;
}
