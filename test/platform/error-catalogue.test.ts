import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { renderErrorsDoc } from '../../scripts/write-errors-doc.ts';
import { errorCatalogue } from '../../src/platform/http/errors.ts';

test('docs/ERRORS.md documents exactly the error catalogue', async () => {
  const documented = await readFile(new URL('../../docs/ERRORS.md', import.meta.url), 'utf8');
  assert.equal(documented, renderErrorsDoc(), 'docs/ERRORS.md is stale: run node --import tsx scripts/write-errors-doc.ts');
});

test('every code has a 4xx or 5xx status, a title and a description', () => {
  for (const definition of errorCatalogue()) {
    assert.match(definition.code, /^[a-z]+(-[a-z]+)*$/, definition.code);
    assert.ok(definition.status >= 400 && definition.status < 600, definition.code);
    assert.ok(definition.title.length > 0 && definition.description.length > 10, definition.code);
  }
});
