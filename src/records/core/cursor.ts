// Listing cursors: opaque to clients, base64url JSON here. Not signed (a
// forged cursor only moves the starting point inside the caller's own
// organisation, which RLS bounds), but validated whole on read, so a
// tampered or truncated cursor is a 422, never a 500.
import { isUuidText } from '../../entities/core/field-values.ts';

export interface Cursor {
  /** The sort the cursor was issued for; it must be the sort of the request. */
  readonly sort: string;
  /** The exact text of the sort column (timestamps), null when sorting by id. */
  readonly value: string | null;
  readonly id: string;
}

// PostgreSQL's ISO text of a timestamptz, e.g. 2026-05-01 12:00:00.123456+00.
const TIMESTAMP_TEXT = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2}){0,2}|Z)?$/;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ s: cursor.sort, v: cursor.value, i: cursor.id })).toString('base64url');
}

/** The cursor, or why it cannot be used for a listing sorted by `sort`. */
export function decodeCursor(text: string, sort: string): { ok: true; cursor: Cursor } | { ok: false; message: string } {
  const bad = { ok: false, message: 'is not a cursor of this listing' } as const;
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return bad;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return bad;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return bad;
  const { s, v, i } = parsed as Record<string, unknown>;
  if (typeof s !== 'string' || !isUuidText(i)) return bad;
  if (s !== sort) return { ok: false, message: `was issued for sort=${s}; keep the same sort while paging` };
  const byId = sort === 'id' || sort === '-id';
  if (byId ? v !== null : typeof v !== 'string' || !TIMESTAMP_TEXT.test(v)) return bad;
  return { ok: true, cursor: { sort: s, value: v as string | null, id: (i as string).toLowerCase() } };
}
