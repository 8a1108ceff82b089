// Reading the untrusted JSON of a query: own members only (so `constructor`
// or `__proto__` never reach Object.prototype), every problem collected with
// the JSON Pointer of its node instead of thrown.
import { closeMatches, pointerTo } from '../../conditions/index.ts';
import { KEY_PATTERN } from '../../entities/core/definitions.ts';
import type { FieldError } from '../../platform/http/errors.ts';

export type JsonObject = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function has(object: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

/** An own member's value; undefined when absent. */
export function member(object: JsonObject, key: string): unknown {
  return has(object, key) ? object[key] : undefined;
}

export class Problems {
  readonly errors: FieldError[] = [];

  /** Records an error; returns null so callers can `return problems.add(...)`. */
  add(pointer: string, message: string): null {
    this.errors.push({ pointer, message });
    return null;
  }

  addAll(errors: readonly FieldError[]): null {
    this.errors.push(...errors);
    return null;
  }

  get count(): number {
    return this.errors.length;
  }
}

/** Unknown members are errors naming the allowed ones (and a close match when there is one). */
export function rejectUnknownMembers(object: JsonObject, allowed: readonly string[], pointer: string, problems: Problems): void {
  for (const key of Object.keys(object)) {
    if (allowed.includes(key)) continue;
    const matches = closeMatches(key, allowed, 3);
    const hint = matches.length > 0 ? `did you mean: ${matches.join(', ')}? ` : '';
    problems.add(pointerTo(pointer, key), `unknown member '${key}'; ${hint}allowed here: ${allowed.join(', ')}`);
  }
}

const PATH_PATTERN = /^[^.]+(\.[^.]+)*$/;
const MAX_PATH_LENGTH = 500;

/** A dotted field path as the condition language accepts it (non-empty segments, bounded length). */
export function isPathText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_PATH_LENGTH && PATH_PATTERN.test(value);
}

const KEY = new RegExp(KEY_PATTERN);

/** Type keys, field keys and output names (`as`): lowercase identifiers, so names are safe JSON keys and easy to reference in `having` and `order_by`. */
export function isKey(value: unknown): value is string {
  return typeof value === 'string' && KEY.test(value);
}

export const OUTPUT_NAME_RULE = 'a lowercase identifier: a letter a-z, then up to 62 letters, digits or underscores';
