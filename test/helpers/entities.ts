import assert from 'node:assert/strict';
import type { TestApp } from './test-app.ts';

/** Defines an entity type through the API and asserts it was created; answers the created type. */
export async function defineType(app: TestApp, token: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await app.request({ method: 'POST', url: '/api/entity-types', token, body });
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}
