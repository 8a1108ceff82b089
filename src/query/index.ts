// The query engine (issue #5): POST /api/query (pages, groups, streams),
// POST /api/query/explain and saved queries. Other capabilities (packs,
// workflows) use the service and the pure core from here.
export { QueryService, bodySource, type Answer, type QueryAnswer, type QuerySource } from './query.service.ts';
export { queryRoutes } from './query.routes.ts';
export { QueryErrors } from './query.errors.ts';
export { SavedQueriesService } from './saved-queries.service.ts';
export { savedQueriesRoutes } from './saved-queries.routes.ts';
export { parseQuery } from './core/parse-query.ts';
export { compileQuery } from './core/compile.ts';
export { QUERY_LIMITS } from './core/limits.ts';
export type { ValidatedQuery, QueryLimits, CompiledQuery } from './core/query.ts';
