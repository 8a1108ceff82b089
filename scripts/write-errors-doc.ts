// Writes docs/ERRORS.md from the error catalogue (every code every capability
// declares). test/platform/error-catalogue.test.ts fails when they drift.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import '../src/app.ts';
import { errorCatalogue } from '../src/platform/http/errors.ts';

export function renderErrorsDoc(): string {
  const rows = errorCatalogue().map(
    (definition) => `| \`${definition.code}\` | ${definition.status} | ${definition.title} | ${definition.description.replaceAll('|', '\\|')} |`,
  );
  return [
    '# Errors',
    '',
    'Every error is an RFC 9457 problem document, `Content-Type: application/problem+json`:',
    '',
    '```json',
    '{ "type": "/problems/validation-failed", "title": "Validation failed", "status": 422,',
    '  "detail": "2 invalid fields: /nome is required; /escopo must be one of: agentes, proxy-ollama, read-only, read-write",',
    '  "instance": "/api/tenants/atual/api-keys", "request_id": "01J...",',
    '  "errors": [ { "pointer": "/nome", "message": "is required", "in": "body" },',
    '              { "pointer": "/escopo", "message": "must be one of: agentes, proxy-ollama, read-only, read-write", "in": "body" } ] }',
    '```',
    '',
    '`type` is `/problems/<code>`, resolvable on the server (`GET /problems/<code>`; `GET /problems` lists them all).',
    '`request_id` matches the `X-Request-Id` response header and the server logs. Validation problems list every bad',
    'member at once in `errors`, each with a JSON Pointer (`in` says whether it points into the body, query, path or headers).',
    'Some problems carry extra members: `retry_after` (429, also the `Retry-After` header), `organisations` (409 `organisation-required`).',
    '',
    'This table is generated from the code (`node --import tsx scripts/write-errors-doc.ts`); a test fails when it is out of date.',
    '',
    '| code | status | title | meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFile(path.resolve(import.meta.dirname, '../docs/ERRORS.md'), renderErrorsDoc());
  console.log('docs/ERRORS.md written');
}
