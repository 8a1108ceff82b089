// compileQuery(): a validated query (src/query/core/query.ts) to one SQL
// statement over `records`, plus the totals statement of an aggregate query.
// Pure and deterministic: the text depends only on the query's shape and the
// registry; every value (and every key and type name) is a bind parameter.
// The statement runs in the caller's tenant transaction as the runtime role:
// tenant isolation and the row ACL are RLS policies, so nothing here filters
// by tenant. docs/query.md describes the semantics; docs/conditions.md the
// condition language both backends share.
import type { RegistrySnapshot } from '../../entities/core/definitions.ts';
import { newCompilation } from './compilation.ts';
import { compileAggregate } from './groups-sql.ts';
import type { CompileContext, CompiledQuery, ValidatedQuery } from './query.ts';
import { compileList } from './select-sql.ts';

export function compileQuery(query: ValidatedQuery, registry: RegistrySnapshot, context: CompileContext): CompiledQuery {
  const compilation = newCompilation(registry, context);
  return query.kind === 'list' ? compileList(compilation, query) : compileAggregate(compilation, query);
}
