// Shared by the transitions, effects, concurrency and external guard tests:
// the issue's example and its types, and requests on records' transitions.
import assert from 'node:assert/strict';
import type { WorkflowApp } from './workflow-app.ts';
import { ISSUE_EXAMPLE } from '../../src/workflows/core/example.ts';

export const ASSET = { key: 'asset', label: 'Asset', fields: [{ key: 'status', type: 'enum', values: ['active', 'retired'] }] };
export const INCIDENT = {
  key: 'incident',
  label: 'Incident',
  fields: [
    { key: 'title', type: 'text' },
    { key: 'assignee', type: 'user' },
    { key: 'asset', type: 'reference', target: 'asset', on_delete: 'restrict' },
    { key: 'resolution', type: 'long_text' },
  ],
};

/** The example of issue #6, verbatim. */
export { ISSUE_EXAMPLE };

export async function publish(app: WorkflowApp, token: string, workflow: { key: string; [member: string]: unknown }): Promise<void> {
  const created = await app.request({ method: 'POST', url: '/api/workflows', token, body: workflow });
  assert.equal(created.statusCode, 201, created.body);
  const published = await app.request({ method: 'POST', url: `/api/workflows/${workflow.key}/publish`, token });
  assert.equal(published.statusCode, 200, published.body);
}

export async function create(app: WorkflowApp, token: string, type: string, body: unknown): Promise<Record<string, unknown> & { id: string }> {
  const response = await app.request({ method: 'POST', url: `/api/records/${type}`, token, body });
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

export function perform(app: WorkflowApp, token: string, type: string, id: string, key: string, body?: unknown, headers?: Record<string, string>) {
  return app.request({ method: 'POST', url: `/api/records/${type}/${id}/transitions/${key}`, token, ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) });
}

export function available(app: WorkflowApp, token: string, type: string, id: string) {
  return app.request({ method: 'GET', url: `/api/records/${type}/${id}/transitions`, token });
}
