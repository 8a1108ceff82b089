// Result rows of a compiled statement → the JSON rows of the answer, by the
// compiler's column decoders, and the position of a page's last row for its
// next cursor. Shared by pages, aggregates and streams.
import type { ColumnDecoder, CompiledStatement, CursorPosition, OutputColumn } from './core/query.ts';

export type AnswerRow = Record<string, unknown>;

function decode(value: unknown, decoder: ColumnDecoder): unknown {
  if (value === null || value === undefined) return null;
  switch (decoder) {
    case 'json':
      return value;
    case 'text':
      return value instanceof Date ? value.toISOString() : String(value);
    case 'number':
    case 'integer': {
      // numeric and bigint arrive as text; NaN and infinities have no JSON form.
      const number = typeof value === 'number' ? value : Number(value);
      return Number.isFinite(number) ? number : null;
    }
    case 'boolean':
      return value === true || value === 't' || value === 'true';
  }
}

/** One answered row: the output columns by their names, in answer order. */
export function answerRow(row: Readonly<Record<string, unknown>>, columns: readonly OutputColumn[]): AnswerRow {
  const answer: AnswerRow = {};
  for (const column of columns) answer[column.name] = decode(row[column.column], column.decode);
  return answer;
}

/** The keyset position after `row`: its order keys as text, then its id (the last cursor column). */
export function positionOf(row: Readonly<Record<string, unknown>>, statement: CompiledStatement): CursorPosition {
  const values = statement.cursorColumns.map((column) => {
    const value = row[column];
    return value === null || value === undefined ? null : String(value);
  });
  return { keys: values.slice(0, -1), id: String(values.at(-1)) };
}
