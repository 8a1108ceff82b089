// Opaque keyset cursors for the tenant directory: the position (created_at
// with microseconds, id) of the last row of a page, as base64url JSON. The
// timestamp travels as text because a JS Date would drop the microseconds and
// make the next page repeat or skip rows.
export interface Position {
  /** created_at, UTC, exactly six fractional digits: 2025-01-31T12:00:00.123456Z */
  readonly at: string;
  readonly id: string;
}

const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify({ at: position.at, id: position.id })).toString('base64url');
}

/** The position a cursor stands for, or null when it is not one this server made. */
export function decodeCursor(cursor: string): Position | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { at, id } = parsed as Record<string, unknown>;
  if (typeof at !== 'string' || typeof id !== 'string' || !AT.test(at) || !UUID.test(id)) return null;
  // A well-shaped but impossible date (month 13, 30 February) would make
  // PostgreSQL fail the query; refuse it here so it stays a 422.
  const date = new Date(at);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 23) !== at.slice(0, 23)) return null;
  return { at, id };
}
