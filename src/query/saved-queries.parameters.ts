// Parameters of saved queries (pure). A saved query declares its parameters
// with a type (`{ "priority": { "type": "text" } }`, `"list": true` for
// arrays, an optional `default`), and its `where` and `having` trees hold
// placeholders `{ "param": "priority" }` where a value goes. A run gives the
// values (or takes the defaults); they are put in place of the placeholders
// and the result is an ordinary query, parsed and type-checked like any
// other, so a parameter can never be more than a value.
//
// At save time each placeholder gets its default, or a sample of its type,
// and the query is validated; problems found at a placeholder without a
// default are left to the run, which knows the value (a sample "x" is not
// an allowed enum value, yet a run's "p1" is).
import type { FieldError } from '../platform/http/errors.ts';

export const PARAMETER_TYPES = ['text', 'number', 'integer', 'boolean', 'date', 'datetime', 'uuid'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

export interface ParameterDeclaration {
  readonly type: ParameterType;
  readonly list?: boolean;
  readonly default?: unknown;
  readonly description?: string;
}

export type Declarations = Readonly<Record<string, ParameterDeclaration>>;

export interface Placeholder {
  /** JSON Pointer of the placeholder in the query. */
  readonly pointer: string;
  readonly name: string;
}

const NAME = /^[a-z][a-z0-9_]{0,62}$/;
const MAX_DEPTH = 64;
const MAX_LIST = 1000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SAMPLES: Readonly<Record<ParameterType, unknown>> = {
  text: 'x',
  number: 0,
  integer: 0,
  boolean: true,
  date: '2000-01-01',
  datetime: '2000-01-01T00:00:00Z',
  uuid: '00000000-0000-4000-8000-000000000000',
};

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{ "param": ... }` and nothing else. */
function isPlaceholder(value: unknown): value is { readonly param: unknown } {
  return isObject(value) && Object.keys(value).length === 1 && Object.prototype.hasOwnProperty.call(value, 'param');
}

function token(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * Where a walk is: outside any condition, inside `where`/`having`, or in a
 * comparison's `value` (directly, or as an item of its list). Only the last
 * may hold a placeholder, so a parameter can never become a field, an
 * operator or a key.
 */
type Position = 'outside' | 'condition' | 'value';

function childPosition(position: Position, key: string): Position {
  if (key === 'where' || key === 'having') return 'condition';
  if (position === 'outside') return 'outside';
  return key === 'value' ? 'value' : 'condition';
}

/** Placeholders of a query (pointers relative to it), or why some cannot be. Placeholders stand for values inside `where` and `having` only. */
export function findPlaceholders(query: unknown): { placeholders: Placeholder[]; errors: FieldError[] } {
  const placeholders: Placeholder[] = [];
  const errors: FieldError[] = [];
  const walk = (value: unknown, pointer: string, position: Position, depth: number): void => {
    if (depth > MAX_DEPTH) {
      errors.push({ pointer, message: `is nested more than ${MAX_DEPTH} levels deep` });
      return;
    }
    if (isPlaceholder(value)) {
      if (position !== 'value') errors.push({ pointer, message: 'a parameter placeholder { "param": name } may stand only for a comparison\'s "value" (or an item of it) inside where or having' });
      else if (typeof value.param !== 'string' || !NAME.test(value.param)) errors.push({ pointer: `${pointer}/param`, message: 'must be the name of a declared parameter' });
      else placeholders.push({ pointer, name: value.param });
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, `${pointer}/${index}`, position, depth + 1));
    } else if (isObject(value)) {
      for (const [key, item] of Object.entries(value)) walk(item, `${pointer}/${token(key)}`, childPosition(position, key), depth + 1);
    }
  };
  walk(query, '', 'outside', 0);
  return { placeholders, errors };
}

/** The query with each placeholder replaced by its parameter's value (placeholders found by findPlaceholders only). */
export function substitute(query: unknown, values: ReadonlyMap<string, unknown>): unknown {
  const copy = (value: unknown, position: Position, depth: number): unknown => {
    if (depth > MAX_DEPTH) return value;
    if (position === 'value' && isPlaceholder(value) && typeof value.param === 'string' && values.has(value.param)) return values.get(value.param);
    if (Array.isArray(value)) return value.map((item) => copy(item, position, depth + 1));
    if (isObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copy(item, childPosition(position, key), depth + 1)]));
    }
    return value;
  };
  return copy(query, 'outside', 0);
}

function scalarProblem(type: ParameterType, value: unknown): string | null {
  switch (type) {
    case 'text':
      return typeof value === 'string' ? null : 'must be a string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number';
    case 'integer':
      return Number.isSafeInteger(value) ? null : 'must be an integer';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'date':
      return typeof value === 'string' && DATE.test(value) ? null : 'must be a date, YYYY-MM-DD';
    case 'datetime':
      return typeof value === 'string' && DATETIME.test(value) ? null : 'must be a date and time in ISO 8601 with a zone, e.g. 2025-01-31T12:00:00Z';
    case 'uuid':
      return typeof value === 'string' && UUID.test(value) ? null : 'must be a UUID';
  }
}

/** Why `value` does not fit the declaration, or null. */
export function valueProblem(declaration: ParameterDeclaration, value: unknown): string | null {
  if (!declaration.list) return scalarProblem(declaration.type, value);
  if (!Array.isArray(value) || value.length > MAX_LIST) return `must be an array of at most ${MAX_LIST} values (${declaration.type})`;
  for (const item of value) {
    const problem = scalarProblem(declaration.type, item);
    if (problem !== null) return `every item ${problem}`;
  }
  return null;
}

/** Save time: every placeholder declared, every declaration used, defaults of their type. Pointers into the saved-query body. */
export function declarationProblems(declarations: Declarations, placeholders: readonly Placeholder[]): FieldError[] {
  const errors: FieldError[] = [];
  const declared = Object.keys(declarations);
  for (const placeholder of placeholders) {
    if (!declared.includes(placeholder.name)) {
      const known = declared.length > 0 ? `declared: ${declared.join(', ')}` : 'none is declared in "parameters"';
      errors.push({ pointer: `/query${placeholder.pointer}/param`, message: `names no declared parameter (${known})` });
    }
  }
  const used = new Set(placeholders.map((placeholder) => placeholder.name));
  for (const [name, declaration] of Object.entries(declarations)) {
    if (!used.has(name)) errors.push({ pointer: `/parameters/${name}`, message: 'is declared but no { "param": ... } placeholder in the query uses it' });
    if (declaration.default !== undefined) {
      const problem = valueProblem(declaration, declaration.default);
      if (problem !== null) errors.push({ pointer: `/parameters/${name}/default`, message: problem });
    }
  }
  return errors;
}

/** A default that fits its declaration (one that does not is reported by declarationProblems). */
export function hasUsableDefault(declaration: ParameterDeclaration | undefined): boolean {
  return declaration !== undefined && declaration.default !== undefined && valueProblem(declaration, declaration.default) === null;
}

/** Save time: each parameter's default, or a sample of its type. */
export function sampleValues(declarations: Declarations): Map<string, unknown> {
  return new Map(
    Object.entries(declarations).map(([name, declaration]) => {
      const sample = SAMPLES[declaration.type];
      return [name, hasUsableDefault(declaration) ? declaration.default : declaration.list ? [sample] : sample];
    }),
  );
}

/** Run time: the value of every parameter (given, or its default), or what is wrong with the given ones (pointers /parameters/<name>). */
export function runValues(declarations: Declarations, given: Readonly<Record<string, unknown>>): { values: Map<string, unknown>; errors: FieldError[] } {
  const values = new Map<string, unknown>();
  const errors: FieldError[] = [];
  const declared = Object.keys(declarations);
  for (const name of Object.keys(given)) {
    if (!Object.prototype.hasOwnProperty.call(declarations, name)) {
      const known = declared.length > 0 ? `its parameters: ${declared.join(', ')}` : 'it has none';
      errors.push({ pointer: `/parameters/${token(name)}`, message: `is not a parameter of this saved query (${known})` });
    }
  }
  for (const [name, declaration] of Object.entries(declarations)) {
    const value = Object.prototype.hasOwnProperty.call(given, name) ? given[name] : declaration.default;
    if (value === undefined) {
      errors.push({ pointer: `/parameters/${name}`, message: `is required (${declaration.list ? `a list of ${declaration.type}` : declaration.type})` });
      continue;
    }
    const problem = valueProblem(declaration, value);
    if (problem !== null) errors.push({ pointer: `/parameters/${name}`, message: problem });
    else values.set(name, value);
  }
  return { values, errors };
}

/** The placeholder a query pointer falls at or under, if any. */
export function placeholderAt(placeholders: readonly Placeholder[], pointer: string): Placeholder | undefined {
  return placeholders.find((placeholder) => pointer === placeholder.pointer || pointer.startsWith(`${placeholder.pointer}/`));
}
