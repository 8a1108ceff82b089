import { defineErrors } from '../platform/http/errors.ts';

export const QueryErrors = defineErrors({
  'invalid-query': {
    status: 400,
    title: 'Invalid query',
    description:
      'The query (`POST /api/query`, `/api/query/explain`, a saved query or its run) is not one the engine can answer: an unknown member, entity type, field, operator or aggregate, a value of the wrong type, a limit of your plan exceeded, or a `cursor` that is not the `next_cursor` of the previous page of the same query. `errors` lists every problem with the JSON Pointer of the offending node (`/where/and/1/op`) and what is allowed there. For saved queries, pointers start with `/query` (the saved query) or `/parameters/<name>` (a run\'s parameter). docs/query.md describes the language.',
  },
  'query-timeout': {
    status: 422,
    title: 'Query took too long',
    description:
      'PostgreSQL stopped the query at your plan\'s statement timeout (`statement_timeout_ms` in the problem; docs/query.md lists the limits per plan). Narrow it: filter on indexed fields, follow fewer references, ask for fewer groups, or stream the rows (`Accept: application/x-ndjson`), where the timeout applies to each batch rather than to the whole answer.',
  },
  'query-failed': {
    status: 422,
    title: 'Query could not be evaluated on the data',
    description:
      'PostgreSQL refused to evaluate the query on the stored values (a data exception such as a numeric overflow in a sum). `sqlstate` names the condition; change the query (for example aggregate a narrower set) or the data.',
  },
  'saved-query-not-owner': {
    status: 403,
    title: 'Not your saved query',
    description:
      'A shared saved query can be read and run by every member, but only its owner and gestores may change or delete it. Queries shipped by a pack can be changed by gestores only.',
  },
});
