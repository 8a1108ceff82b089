// The wire formats of streamed answers and the choice between them (Accept).
//
// NDJSON (application/x-ndjson): one JSON object per line, the rows as the
// JSON answer has them, then always one last line `{"$end": {...}}` saying
// how many rows were sent and whether the plan's limit cut the stream short
// (`truncated`). A stream without that line was interrupted. An error after
// the first row ends the stream with a `{"$error": <problem>}` line instead.
// Row keys are output names or paths, which start with a letter, so `$end`
// and `$error` never collide with a row.
//
// CSV (text/csv, RFC 4180): a header row with the output names, then one
// record per row, CRLF line ends, fields quoted when they hold a comma, a
// quote, CR or LF (quotes doubled). Nulls are empty fields; JSON values are
// their JSON text. Text that a spreadsheet would run as a formula (starting
// with =, +, -, @, a tab or CR) is prefixed with a single quote ('), as OWASP
// advises against CSV injection; numbers are written as numbers, untouched.
// CSV has no room for a trailer: the truncation is told by the HTTP trailers
// below and by the row count matching X-Tessera-Stream-Limit. An error after
// the first row aborts the response (the client sees an incomplete body).
//
// Both carry the headers X-Tessera-Stream-Limit (the plan's maxStreamRows)
// and the HTTP trailers X-Tessera-Row-Count and X-Tessera-Truncated.
import type { AnswerRow } from './query.rows.ts';

export type AnswerFormat = 'json' | 'ndjson' | 'csv';
export type StreamFormat = Exclude<AnswerFormat, 'json'>;

export const CONTENT_TYPES: Readonly<Record<AnswerFormat, string>> = {
  json: 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
};

const MEDIA_TYPES: Readonly<Record<string, AnswerFormat>> = {
  'application/json': 'json',
  'application/*': 'json',
  '*/*': 'json',
  'application/x-ndjson': 'ndjson',
  'text/csv': 'csv',
};

/** The format the Accept header prefers (highest q, then first listed); JSON when it names none of ours. */
export function negotiateFormat(accept: string | undefined): AnswerFormat {
  if (!accept) return 'json';
  let best: { format: AnswerFormat; q: number } | null = null;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';').map((item) => item.trim().toLowerCase());
    const format = MEDIA_TYPES[type];
    if (format === undefined) continue;
    const qParam = params.find((param) => param.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!(q > 0)) continue;
    if (best === null || q > best.q) best = { format, q };
  }
  return best?.format ?? 'json';
}

export interface StreamEnd {
  readonly rows: number;
  readonly truncated: boolean;
  readonly max_stream_rows: number;
}

/** Encodes a streamed answer: an optional head, each row, and a tail (NDJSON's trailer line). */
export interface RowEncoder {
  head(): string;
  row(row: AnswerRow): string;
  end(end: StreamEnd): string;
  /** The in-band report of an error after the first row; null when the format has none (the response is aborted). */
  error(problem: Readonly<Record<string, unknown>>): string | null;
}

const ndjson: RowEncoder = {
  head: () => '',
  row: (row) => `${JSON.stringify(row)}\n`,
  end: (end) => `${JSON.stringify({ $end: end })}\n`,
  error: (problem) => `${JSON.stringify({ $error: problem })}\n`,
};

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field (RFC 4180), with spreadsheet formulas neutralised. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csv(names: readonly string[]): RowEncoder {
  return {
    head: () => `${names.map(csvField).join(',')}\r\n`,
    row: (row) => `${names.map((name) => csvField(row[name])).join(',')}\r\n`,
    end: () => '',
    error: () => null,
  };
}

export function rowEncoder(format: StreamFormat, names: readonly string[]): RowEncoder {
  return format === 'ndjson' ? ndjson : csv(names);
}
