// Small readers shared by the definition parser: each reads one JSON value,
// records a problem with its JSON Pointer when the value is wrong, and
// answers the normalised value or undefined. They never throw.
import { pointerTo } from '../../conditions/pointer.ts';
import type { FieldError } from '../../platform/http/errors.ts';

export { pointerTo };

export class Problems {
  readonly list: FieldError[] = [];
  add(pointer: string, message: string): undefined {
    this.list.push({ pointer, message });
    return undefined;
  }
  get count(): number {
    return this.list.length;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function has(object: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key) && object[key] !== undefined;
}

/** Refuses members not in `allowed`, naming the allowed ones. */
export function onlyMembers(object: Record<string, unknown>, allowed: readonly string[], pointer: string, problems: Problems): void {
  for (const name of Object.keys(object)) {
    if (!allowed.includes(name)) problems.add(pointerTo(pointer, name), `is not a known member; allowed: ${allowed.join(', ')}`);
  }
}

/** An object, or a problem saying what was expected. */
export function object(value: unknown, pointer: string, problems: Problems, what: string): Record<string, unknown> | undefined {
  if (isObject(value)) return value;
  return problems.add(pointer, `must be ${what}`);
}

/**
 * An object with exactly one member, from `kinds`: guards, effects and value
 * expressions are written this way (`{ "role": [...] }`). Answers the kind
 * and the member's value.
 */
export function singleKind<K extends string>(
  value: unknown, kinds: readonly K[], pointer: string, problems: Problems, what: string,
): { kind: K; body: unknown } | undefined {
  const shape = `an object with exactly one of: ${kinds.join(', ')}`;
  if (!isObject(value)) return problems.add(pointer, `must be ${what}: ${shape}`);
  const names = Object.keys(value);
  if (names.length !== 1) return problems.add(pointer, `must be ${what}: ${shape} (found ${names.length === 0 ? 'none' : names.join(', ')})`);
  const name = names[0]!;
  if (!(kinds as readonly string[]).includes(name)) return problems.add(pointerTo(pointer, name), `is not known; ${what} has exactly one of: ${kinds.join(', ')}`);
  return { kind: name as K, body: value[name] };
}

export function matching(value: unknown, pattern: RegExp, pointer: string, problems: Problems, message: string, required = true): string | undefined {
  if (value === undefined || value === null) return required ? problems.add(pointer, 'is required') : undefined;
  if (typeof value !== 'string' || !pattern.test(value)) return problems.add(pointer, message);
  return value;
}

export function text(value: unknown, pointer: string, max: number, problems: Problems): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.trim() === '') return problems.add(pointer, 'must be a non-empty string');
  if ([...value].length > max) return problems.add(pointer, `must be at most ${max} characters`);
  return value;
}

export function flag(value: unknown, pointer: string, problems: Problems): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') return problems.add(pointer, 'must be true or false');
  return value;
}

export function integer(value: unknown, pointer: string, min: number, max: number, problems: Problems): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return problems.add(pointer, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** An array (of at most `max` items), each read by `item`; failed items are left out. */
export function list<T>(
  value: unknown, pointer: string, problems: Problems, options: { max: number; nonEmpty?: boolean; what: string },
  item: (value: unknown, pointer: string, index: number) => T | undefined,
): T[] | undefined {
  if (!Array.isArray(value)) return problems.add(pointer, `must be an array of ${options.what}`);
  if (options.nonEmpty && value.length === 0) return problems.add(pointer, `must have at least one of ${options.what}`);
  if (value.length > options.max) return problems.add(pointer, `must have at most ${options.max} ${options.what}`);
  const result: T[] = [];
  value.forEach((entry: unknown, index) => {
    const parsed = item(entry, pointerTo(pointer, index), index);
    if (parsed !== undefined) result.push(parsed);
  });
  return result;
}

/** Copies the defined members only: normalised definitions never hold `undefined`. */
export function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as T;
}
