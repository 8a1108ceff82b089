// Helpers shared by the sign-in and API key tests (not a test file itself).
import assert from 'node:assert/strict';
import pg from 'pg';
import type { TestApp } from '../helpers/test-app.ts';

/** Runs SQL as the superuser of the test database: sees every tenant's rows, bypassing RLS. */
export async function adminQuery<R extends pg.QueryResultRow = Record<string, unknown>>(
  app: TestApp,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: app.database.adminUrl });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export { assertProblem } from '../helpers/problem.ts';

/** The decoded header and payload of a compact JWS, without verifying it. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown>; signature: string } {
  const [header, payload, signature] = token.split('.');
  assert.ok(header && payload && signature !== undefined, 'not a compact JWS');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
    signature,
  };
}

export function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Fixed one-minute rate-limit windows: start a sequence of attempts well inside one. */
export async function awayFromMinuteBoundary(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 50_000) await sleep(60_000 - intoMinute + 100);
}
