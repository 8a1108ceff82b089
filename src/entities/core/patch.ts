// The convenient forms of a change (PATCH and "add one field") turned into a
// whole candidate definition, which parseDefinition then validates as a
// whole: a change is only ever judged by the definition it would produce.
import type { FieldError } from '../../platform/http/errors.ts';
import type { EntityTypeDefinition } from './definitions.ts';
import { escapePointer, isPlainObject } from './parse-definition.ts';

const PATCH_MEMBERS = ['label', 'description', 'fields', 'rules'] as const;

export type Candidate = { ok: true; candidate: Record<string, unknown> } | { ok: false; errors: FieldError[] };

/**
 * `{ label?, description?, fields?, rules? }`: members present replace the
 * current ones (lists are replaced whole; `description: null` clears it).
 * The key cannot change: a type's key is its identity.
 */
export function applyPatch(current: EntityTypeDefinition, patch: unknown): Candidate {
  if (!isPlainObject(patch)) return { ok: false, errors: [{ pointer: '/', message: 'must be an object' }] };
  const errors: FieldError[] = [];
  for (const name of Object.keys(patch)) {
    if (name === 'key') errors.push({ pointer: '/key', message: 'cannot be changed: the key identifies the type' });
    else if (!(PATCH_MEMBERS as readonly string[]).includes(name)) errors.push({ pointer: `/${escapePointer(name)}`, message: 'is not a known member' });
  }
  if (errors.length > 0) return { ok: false, errors };
  const candidate: Record<string, unknown> = { ...current };
  for (const name of PATCH_MEMBERS) if (patch[name] !== undefined) candidate[name] = patch[name];
  if (candidate.description === null) delete candidate.description;
  return { ok: true, candidate };
}

/** The current definition with one more field at the end. */
export function withAddedField(current: EntityTypeDefinition, field: unknown): { candidate: Record<string, unknown>; index: number } {
  return { candidate: { ...current, fields: [...current.fields, field] }, index: current.fields.length };
}

/**
 * Re-points errors found in the candidate at the request that produced it:
 * `/fields/7/values` becomes `/values` when field 7 is the request body.
 */
export function rebaseErrors(errors: readonly FieldError[], prefix: string): FieldError[] {
  return errors.map((error) => {
    if (error.pointer === prefix) return { ...error, pointer: '/' };
    if (error.pointer.startsWith(`${prefix}/`)) return { ...error, pointer: error.pointer.slice(prefix.length) };
    return error;
  });
}
