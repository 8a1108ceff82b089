// A transition's input as the caller sent it (`{"input": {...}}`) checked
// against the transition's input definitions: declared keys only, values of
// the declared field type (the same checks as record fields of #2), required
// ones present. Pointers are into the request body: `/input/<key>`.
import type { FieldDefinition } from '../../entities/core/definitions.ts';
import type { FieldError } from '../../platform/http/errors.ts';
import { fieldProblem } from '../../records/core/validate-record.ts';
import { pointerTo } from '../../conditions/pointer.ts';
import type { InputDefinition, TransitionDefinition } from './definition.ts';

export type InputCheck = { ok: true; input: Readonly<Record<string, unknown>> } | { ok: false; errors: FieldError[] };

export function inputAsField(input: InputDefinition): FieldDefinition {
  return {
    key: input.key,
    type: input.type,
    ...(input.values === undefined ? {} : { values: input.values }),
    ...(input.target === undefined ? {} : { target: input.target }),
    ...(input.max_length === undefined ? {} : { max_length: input.max_length }),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates and normalises the input: only declared keys with a value are kept (uuids lower-cased). */
export function checkInput(transition: TransitionDefinition, raw: unknown): InputCheck {
  const definitions = transition.input ?? [];
  if (raw === undefined || raw === null) raw = {};
  if (!isObject(raw)) return { ok: false, errors: [{ pointer: '/input', message: 'must be an object of input values' }] };
  const errors: FieldError[] = [];
  const known = new Set(definitions.map((definition) => definition.key));
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) {
      const allowed = definitions.length === 0 ? 'this transition takes no input' : `its inputs are: ${definitions.map((definition) => definition.key).join(', ')}`;
      errors.push({ pointer: pointerTo('/input', key), message: `is not an input of ${transition.key}; ${allowed}` });
    }
  }
  const input: Record<string, unknown> = {};
  for (const definition of definitions) {
    const pointer = pointerTo('/input', definition.key);
    const value = Object.prototype.hasOwnProperty.call(raw, definition.key) ? raw[definition.key] : undefined;
    const blank = value === undefined || value === null || (typeof value === 'string' && value.trim() === '' && (definition.type === 'text' || definition.type === 'long_text'));
    if (blank) {
      if (definition.required) errors.push({ pointer, message: 'is required' });
      continue;
    }
    const problem = fieldProblem(inputAsField(definition), value);
    if (problem !== null) {
      errors.push({ pointer, message: problem });
      continue;
    }
    input[definition.key] = (definition.type === 'user' || definition.type === 'reference') && typeof value === 'string' ? value.toLowerCase() : value;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, input };
}
