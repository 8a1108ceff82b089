import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';

/** Asserts an RFC 9457 problem response of the given status and /problems/{code} type; returns its body. */
export function assertProblem(response: LightMyRequestResponse, status: number, code: string): Record<string, unknown> {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.headers['content-type'], 'application/problem+json');
  const body = response.json();
  assert.equal(body.type, `/problems/${code}`, response.body);
  assert.equal(body.status, status);
  assert.equal(typeof body.title, 'string');
  assert.equal(typeof body.detail, 'string');
  return body;
}
