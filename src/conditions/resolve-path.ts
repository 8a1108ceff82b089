// Resolving dotted paths against the registry. Rules (docs/conditions.md):
// - a segment is a system field or a field of the current type;
// - a reference or any_reference field may be followed (at most MAX_HOPS times);
//   after an any_reference the next segment must exist, with the same field
//   type (and the same target for references), on every one of its targets, so
//   the rest of the path means one thing whichever target a record points at;
// - everything after a json field is a JSON path, untyped.
import { SYSTEM_FIELDS, type FieldDefinition, type RegistrySnapshot, type SystemField } from '../entities/core/definitions.ts';
import { closeMatches } from './closest.ts';
import type { PathHop, ResolvedPath, ResolvedRelation } from './resolved.ts';
import { systemFieldType, valueTypeOf, type PathFieldType } from './value-types.ts';

export type Resolution<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

interface Segment {
  readonly system: boolean;
  readonly fieldType: PathFieldType;
  readonly definitions: readonly FieldDefinition[];
}

function isSystemField(key: string): key is SystemField {
  return Object.prototype.hasOwnProperty.call(SYSTEM_FIELDS, key);
}

function unknownField(key: string, owners: readonly string[], registry: RegistrySnapshot): string {
  const common = owners
    .map((owner) => new Set((registry.type(owner)?.fields ?? []).map((field) => field.key)))
    .reduce((left, right) => new Set([...left].filter((key) => right.has(key))));
  const candidates = [...common, ...Object.keys(SYSTEM_FIELDS)];
  const matches = closeMatches(key, candidates);
  const where = owners.length === 1 ? `type '${owners[0]}'` : `every one of the types ${owners.join(', ')}`;
  const hint = matches.length > 0 ? `did you mean: ${matches.join(', ')}` : `fields are: ${candidates.slice(0, 30).join(', ')}`;
  return `unknown field '${key}' on ${where}; ${hint}`;
}

function segment(key: string, owners: readonly string[], registry: RegistrySnapshot): Resolution<Segment> {
  if (isSystemField(key)) return { ok: true, value: { system: true, fieldType: systemFieldType(key), definitions: [] } };
  const definitions: FieldDefinition[] = [];
  for (const owner of owners) {
    const definition = registry.type(owner)?.fields.find((field) => field.key === key);
    if (!definition) return { ok: false, message: unknownField(key, owners, registry) };
    definitions.push(definition);
  }
  const first = definitions[0]!;
  const sameShape = definitions.every((definition) =>
    definition.type === first.type && definition.target === first.target && (definition.targets ?? []).join() === (first.targets ?? []).join());
  if (!sameShape) return { ok: false, message: `field '${key}' has different types on the types ${owners.join(', ')}; it cannot be used through an any_reference` };
  return { ok: true, value: { system: false, fieldType: first.type, definitions } };
}

export function resolvePath(path: string, rootType: string, registry: RegistrySnapshot, maxHops: number): Resolution<ResolvedPath> {
  const keys = path.split('.');
  let owners: readonly string[] = [rootType];
  const hops: PathHop[] = [];
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index]!;
    const found = segment(key, owners, registry);
    if (!found.ok) return found;
    const { system, fieldType, definitions } = found.value;
    const last = index === keys.length - 1;
    if (last || fieldType === 'json') {
      const values = definitions.flatMap((definition) => definition.values ?? []);
      return {
        ok: true,
        value: {
          path, hops, ownerTypes: owners, field: key, system, fieldType,
          jsonPath: keys.slice(index + 1),
          valueType: fieldType === 'json' ? 'json' : valueTypeOf(fieldType),
          enumValues: fieldType === 'enum' || fieldType === 'multi_enum' ? [...new Set(values)] : null,
        },
      };
    }
    if (fieldType !== 'reference' && fieldType !== 'any_reference') {
      return { ok: false, message: `'${key}' is a ${fieldType} field: only reference, any_reference and json fields have sub-paths` };
    }
    if (hops.length >= maxHops) return { ok: false, message: `too many hops: a path may follow at most ${maxHops} references` };
    const first = definitions[0]!;
    const targets = fieldType === 'reference' ? (first.target === undefined ? [] : [first.target]) : [...(first.targets ?? [])];
    const missing = targets.filter((target) => registry.type(target) === undefined);
    if (targets.length === 0 || missing.length > 0) return { ok: false, message: `'${key}' refers to types that are not defined: ${missing.join(', ') || '(none)'}` };
    hops.push({ fromTypes: owners, field: key, fieldType, targets });
    owners = targets;
  }
  return { ok: false, message: 'empty path' };
}

const RELATION_HINT = 'a quantifier ranges over a references field of the type, or a reverse relation written "<type>.<reference field>"';

export function resolveRelation(path: string, rootType: string, registry: RegistrySnapshot): Resolution<ResolvedRelation> {
  const keys = path.split('.');
  if (keys.length === 1) {
    const key = keys[0]!;
    const definition = registry.type(rootType)?.fields.find((field) => field.key === key);
    if (!definition) {
      const references = (registry.type(rootType)?.fields ?? []).filter((field) => field.type === 'references').map((field) => field.key);
      const matches = closeMatches(key, references);
      return { ok: false, message: `unknown references field '${key}' on type '${rootType}'; ${matches.length > 0 ? `did you mean: ${matches.join(', ')}` : RELATION_HINT}` };
    }
    if (definition.type !== 'references' || definition.target === undefined || registry.type(definition.target) === undefined) {
      return { ok: false, message: `'${key}' is a ${definition.type} field; ${RELATION_HINT}` };
    }
    return { ok: true, value: { kind: 'forward', path, fromType: rootType, field: key, targetType: definition.target } };
  }
  if (keys.length !== 2) return { ok: false, message: RELATION_HINT };
  const [sourceType, key] = keys as [string, string];
  const source = registry.type(sourceType);
  if (!source) return { ok: false, message: `unknown type '${sourceType}'; ${RELATION_HINT}` };
  const definition = source.fields.find((field) => field.key === key);
  const pointsHere = (field: FieldDefinition) =>
    (field.type === 'reference' || field.type === 'references') ? field.target === rootType : field.type === 'any_reference' && (field.targets ?? []).includes(rootType);
  if (!definition || !pointsHere(definition)) {
    const candidates = source.fields.filter(pointsHere).map((field) => field.key);
    return { ok: false, message: `type '${sourceType}' has no reference field '${key}' to '${rootType}'; ${candidates.length > 0 ? `its fields referring to '${rootType}' are: ${candidates.join(', ')}` : RELATION_HINT}` };
  }
  return { ok: true, value: { kind: 'reverse', path, fromType: rootType, sourceType, field: key, fieldType: definition.type as 'reference' | 'references' | 'any_reference' } };
}
