// Turns untrusted JSON into a normalised EntityTypeDefinition, or reports every
// problem at once as JSON Pointers into that JSON (`/fields/2/values`). Pure:
// what it needs to know about the organisation's other types comes in the
// context. The same function validates API input and (later) pack contents.
//
// Normalised means: options in a fixed order, `false` booleans and null
// options left out, `on_delete` filled in (`restrict`) on references, and
// `rules` always present. Two definitions that mean the same thing are then
// equal as JSON, which keeps diffs free of noise.
import type { FieldError } from '../../platform/http/errors.ts';
import {
  DEFINITION_LIMITS,
  FIELD_TYPES,
  KEY_PATTERN,
  ON_DELETE,
  RESERVED_KEYS,
  type EntityTypeDefinition,
  type FieldDefinition,
  type FieldType,
  type OnDelete,
  type RuleDefinition,
} from './definitions.ts';
import { boundProblem, compareBounds, NUMERIC, RELATIONS, TEMPORAL, TEXT_LIKE, valueProblem } from './field-values.ts';

export interface ParseContext {
  /** Whether the organisation has a type with this key (the type being defined counts as existing). */
  typeExists(key: string): boolean;
}

export type ParseResult = { ok: true; definition: EntityTypeDefinition } | { ok: false; errors: FieldError[] };

const KEY = new RegExp(KEY_PATTERN);
const KEY_MESSAGE = 'must be a lowercase identifier: a letter, then letters, digits or _ (at most 63 characters)';

const TYPE_MEMBERS = ['key', 'label', 'description', 'fields', 'rules'] as const;
const RULE_MEMBERS = ['key', 'message', 'condition'] as const;
/** Every field option, in the order normalised definitions list them. */
export const FIELD_OPTIONS = [
  'key', 'type', 'label', 'description', 'required', 'unique', 'indexed', 'default',
  'max_length', 'min', 'max', 'pattern', 'values', 'target', 'targets', 'on_delete',
] as const;
export type FieldOption = (typeof FIELD_OPTIONS)[number];

/** Which field types accept each type-specific option (the others accept every type). */
const OPTION_TYPES: Partial<Record<FieldOption, ReadonlySet<FieldType>>> = {
  max_length: TEXT_LIKE,
  pattern: TEXT_LIKE,
  min: new Set([...NUMERIC, ...TEMPORAL]),
  max: new Set([...NUMERIC, ...TEMPORAL]),
  values: new Set(['enum', 'multi_enum']),
  target: new Set(['reference', 'references']),
  targets: new Set(['any_reference']),
  on_delete: new Set(['reference']),
  // Uniqueness of a whole JSON document, a set or a yes/no makes no sense.
  unique: new Set(FIELD_TYPES.filter((type) => !['json', 'boolean', 'multi_enum', 'references', 'any_reference'].includes(type))),
  indexed: new Set(FIELD_TYPES.filter((type) => type !== 'json')),
  // A default reference would point at a record id that may not exist.
  default: new Set(FIELD_TYPES.filter((type) => !RELATIONS.has(type))),
};

/** Options a type cannot do without. */
const REQUIRED_OPTIONS: Partial<Record<FieldType, FieldOption>> = {
  enum: 'values',
  multi_enum: 'values',
  reference: 'target',
  references: 'target',
  any_reference: 'targets',
};

export function escapePointer(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Problems {
  readonly list: FieldError[] = [];
  add(pointer: string, message: string): void {
    this.list.push({ pointer, message });
  }
}

function checkUnknownMembers(input: Record<string, unknown>, known: readonly string[], base: string, problems: Problems, what: string): void {
  for (const name of Object.keys(input)) {
    if (!known.includes(name)) problems.add(`${base}/${escapePointer(name)}`, `is not a known ${what}`);
  }
}

function text(value: unknown, pointer: string, max: number, problems: Problems, options: { required: boolean }): string | undefined {
  if (value === undefined || value === null) {
    if (options.required) problems.add(pointer, 'is required');
    return undefined;
  }
  if (typeof value !== 'string') {
    problems.add(pointer, 'must be a string');
    return undefined;
  }
  if (value.trim() === '') {
    problems.add(pointer, 'must not be empty');
    return undefined;
  }
  if ([...value].length > max) {
    problems.add(pointer, `must be at most ${max} characters`);
    return undefined;
  }
  return value;
}

function identifier(value: unknown, pointer: string, problems: Problems): string | undefined {
  if (value === undefined || value === null) {
    problems.add(pointer, 'is required');
    return undefined;
  }
  if (typeof value !== 'string' || !KEY.test(value)) {
    problems.add(pointer, KEY_MESSAGE);
    return undefined;
  }
  return value;
}

function flag(value: unknown, pointer: string, problems: Problems): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') {
    problems.add(pointer, 'must be true or false');
    return undefined;
  }
  return value;
}

function typeReference(value: unknown, pointer: string, selfKey: string | undefined, context: ParseContext, problems: Problems): string | undefined {
  const key = identifier(value, pointer, problems);
  if (key === undefined) return undefined;
  if (key !== selfKey && !context.typeExists(key)) {
    problems.add(pointer, `is not an entity type of this organisation: ${key}`);
    return undefined;
  }
  return key;
}

function parseValues(value: unknown, pointer: string, problems: Problems): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    problems.add(pointer, 'must be a non-empty array of strings');
    return undefined;
  }
  if (value.length > DEFINITION_LIMITS.values) {
    problems.add(pointer, `must have at most ${DEFINITION_LIMITS.values} values`);
    return undefined;
  }
  const seen = new Map<string, number>();
  let ok = true;
  value.forEach((item, index) => {
    const parsed = text(item, `${pointer}/${index}`, DEFINITION_LIMITS.valueLength, problems, { required: true });
    if (parsed === undefined) {
      ok = false;
    } else if (seen.has(parsed)) {
      problems.add(`${pointer}/${index}`, `repeats value ${seen.get(parsed)}`);
      ok = false;
    } else {
      seen.set(parsed, index);
    }
  });
  return ok ? (value as string[]) : undefined;
}

function parseTargets(value: unknown, pointer: string, selfKey: string | undefined, context: ParseContext, problems: Problems): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    problems.add(pointer, 'must be a non-empty array of entity type keys');
    return undefined;
  }
  if (value.length > DEFINITION_LIMITS.targets) {
    problems.add(pointer, `must have at most ${DEFINITION_LIMITS.targets} types`);
    return undefined;
  }
  const seen = new Set<string>();
  let ok = true;
  value.forEach((item, index) => {
    const key = typeReference(item, `${pointer}/${index}`, selfKey, context, problems);
    if (key === undefined) ok = false;
    else if (seen.has(key)) {
      problems.add(`${pointer}/${index}`, `repeats ${key}`);
      ok = false;
    } else seen.add(key);
  });
  return ok ? (value as string[]) : undefined;
}

function parsePattern(value: unknown, pointer: string, problems: Problems): string | undefined {
  if (typeof value !== 'string' || value === '') {
    problems.add(pointer, 'must be a non-empty string');
    return undefined;
  }
  if (value.length > DEFINITION_LIMITS.pattern) {
    problems.add(pointer, `must be at most ${DEFINITION_LIMITS.pattern} characters`);
    return undefined;
  }
  try {
    new RegExp(value);
  } catch (error) {
    problems.add(pointer, `is not a valid regular expression: ${(error as Error).message}`);
    return undefined;
  }
  return value;
}

function parseField(input: unknown, base: string, selfKey: string | undefined, context: ParseContext, problems: Problems): FieldDefinition | undefined {
  if (!isPlainObject(input)) {
    problems.add(base, 'must be an object');
    return undefined;
  }
  const before = problems.list.length;
  checkUnknownMembers(input, FIELD_OPTIONS, base, problems, 'field option');
  const key = identifier(input.key, `${base}/key`, problems);
  if (key !== undefined && RESERVED_KEYS.has(key)) problems.add(`${base}/key`, `is reserved: ${key} is a system name`);
  let type: FieldType | undefined;
  if (input.type === undefined || input.type === null) problems.add(`${base}/type`, 'is required');
  else if (typeof input.type !== 'string' || !(FIELD_TYPES as readonly string[]).includes(input.type)) {
    problems.add(`${base}/type`, `must be one of: ${FIELD_TYPES.join(', ')}`);
  } else type = input.type as FieldType;

  // Options the type does not take; without a known type they cannot be judged.
  if (type !== undefined) {
    for (const [option, types] of Object.entries(OPTION_TYPES) as [FieldOption, ReadonlySet<FieldType>][]) {
      if (input[option] !== undefined && input[option] !== null && !types.has(type)) {
        problems.add(`${base}/${option}`, `is not allowed for type ${type}`);
      }
    }
    const needed = REQUIRED_OPTIONS[type];
    if (needed !== undefined && (input[needed] === undefined || input[needed] === null)) problems.add(`${base}/${needed}`, `is required for type ${type}`);
  }
  const allowed = (option: FieldOption) => type !== undefined && (OPTION_TYPES[option]?.has(type) ?? true) && input[option] !== undefined && input[option] !== null;

  const field: Record<string, unknown> = { key, type };
  field.label = text(input.label, `${base}/label`, DEFINITION_LIMITS.label, problems, { required: false });
  field.description = text(input.description, `${base}/description`, DEFINITION_LIMITS.description, problems, { required: false });
  for (const option of ['required', 'unique', 'indexed'] as const) {
    if (type !== undefined && !(OPTION_TYPES[option]?.has(type) ?? true)) continue; // already reported
    const value = flag(input[option], `${base}/${option}`, problems);
    if (value === true && allowed(option)) field[option] = true;
  }
  if (allowed('max_length')) {
    const value = input.max_length;
    if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > DEFINITION_LIMITS.maxLength) {
      problems.add(`${base}/max_length`, `must be an integer from 1 to ${DEFINITION_LIMITS.maxLength}`);
    } else field.max_length = value;
  }
  for (const option of ['min', 'max'] as const) {
    if (!allowed(option) || type === undefined) continue;
    const problem = boundProblem(type, input[option]);
    if (problem !== null) problems.add(`${base}/${option}`, problem);
    else field[option] = input[option];
  }
  if (type !== undefined && field.min !== undefined && field.max !== undefined && compareBounds(type, field.min as number | string, field.max as number | string) > 0) {
    problems.add(`${base}/max`, 'must be greater than or equal to min');
  }
  if (allowed('pattern')) field.pattern = parsePattern(input.pattern, `${base}/pattern`, problems);
  if (allowed('values')) field.values = parseValues(input.values, `${base}/values`, problems);
  if (allowed('target')) field.target = typeReference(input.target, `${base}/target`, selfKey, context, problems);
  if (allowed('targets')) field.targets = parseTargets(input.targets, `${base}/targets`, selfKey, context, problems);
  if (type === 'reference') {
    const onDelete = input.on_delete ?? 'restrict';
    if (!(ON_DELETE as readonly unknown[]).includes(onDelete)) problems.add(`${base}/on_delete`, `must be one of: ${ON_DELETE.join(', ')}`);
    else field.on_delete = onDelete as OnDelete;
  }
  // The default is judged against the rest of the field, once that is sound.
  if (allowed('default') && problems.list.length === before) {
    const problem = valueProblem(field as unknown as FieldDefinition, input.default);
    if (problem !== null) problems.add(`${base}/default`, `${problem} (the default must be a valid value of the field)`);
    else field.default = input.default;
  }
  if (problems.list.length > before) return undefined;
  return normaliseField(field);
}

const FLAGS: ReadonlySet<string> = new Set(['required', 'unique', 'indexed']);

/** The field with options in canonical order and empty ones left out. */
export function normaliseField(field: Record<string, unknown>): FieldDefinition {
  const out: Record<string, unknown> = {};
  for (const option of FIELD_OPTIONS) {
    const value = field[option];
    // `false` means "not set" for the flags only: a boolean field's default may well be false.
    if (value === undefined || value === null || (value === false && FLAGS.has(option))) continue;
    out[option] = value;
  }
  return out as unknown as FieldDefinition;
}

function parseRule(input: unknown, base: string, problems: Problems): RuleDefinition | undefined {
  if (!isPlainObject(input)) {
    problems.add(base, 'must be an object with key, message and condition');
    return undefined;
  }
  const before = problems.list.length;
  checkUnknownMembers(input, RULE_MEMBERS, base, problems, 'rule member');
  const key = identifier(input.key, `${base}/key`, problems);
  const message = text(input.message, `${base}/message`, DEFINITION_LIMITS.message, problems, { required: true });
  if (input.condition === undefined || input.condition === null) problems.add(`${base}/condition`, 'is required');
  else if (!isPlainObject(input.condition)) problems.add(`${base}/condition`, 'must be an object (a condition tree)');
  if (problems.list.length > before || key === undefined || message === undefined) return undefined;
  return { key, message, condition: input.condition };
}

function parseList<T>(
  value: unknown,
  pointer: string,
  max: number,
  what: string,
  problems: Problems,
  parseItem: (item: unknown, base: string) => T | undefined,
): T[] | undefined {
  if (!Array.isArray(value)) {
    problems.add(pointer, 'must be an array');
    return undefined;
  }
  if (value.length > max) {
    problems.add(pointer, `must have at most ${max} ${what}`);
    return undefined;
  }
  const parsed = value.map((item, index) => parseItem(item, `${pointer}/${index}`));
  // Duplicate keys: the later one is the problem, pointing back at the first.
  const first = new Map<string, number>();
  value.forEach((item, index) => {
    const key = isPlainObject(item) && typeof item.key === 'string' ? item.key : undefined;
    if (key === undefined) return;
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, index);
    else problems.add(`${pointer}/${index}/key`, `repeats the key of ${pointer}/${earlier}`);
  });
  return parsed.every((item) => item !== undefined) ? (parsed as T[]) : undefined;
}

/** Parses and validates a whole definition, reporting every problem at once. */
export function parseDefinition(input: unknown, context: ParseContext): ParseResult {
  const problems = new Problems();
  if (!isPlainObject(input)) {
    problems.add('/', 'must be an object with key, label and fields');
    return { ok: false, errors: problems.list };
  }
  checkUnknownMembers(input, TYPE_MEMBERS, '', problems, 'member');
  const key = identifier(input.key, '/key', problems);
  const label = text(input.label, '/label', DEFINITION_LIMITS.label, problems, { required: true });
  const description = text(input.description, '/description', DEFINITION_LIMITS.description, problems, { required: false });
  const fields =
    input.fields === undefined
      ? (problems.add('/fields', 'is required'), undefined)
      : parseList(input.fields, '/fields', DEFINITION_LIMITS.fields, 'fields', problems, (item, base) => parseField(item, base, key, context, problems));
  const rules =
    input.rules === undefined || input.rules === null
      ? []
      : parseList(input.rules, '/rules', DEFINITION_LIMITS.rules, 'rules', problems, (item, base) => parseRule(item, base, problems));
  if (problems.list.length > 0 || key === undefined || label === undefined || fields === undefined || rules === undefined) {
    return { ok: false, errors: problems.list };
  }
  return {
    ok: true,
    definition: { key, label, ...(description === undefined ? {} : { description }), fields, rules },
  };
}

