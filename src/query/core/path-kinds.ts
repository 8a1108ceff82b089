// Which resolved paths may be sorted, grouped and aggregated. A path is a
// scalar when each record has at most one comparable value there: not the
// arrays (multi_enum, references), not an any_reference (a type and an id),
// not a whole json document (a path inside one is fine: compared as a JSON scalar).
import type { ResolvedPath, ValueType } from '../../conditions/index.ts';

export function describePath(path: ResolvedPath): string {
  return path.jsonPath.length > 0 ? `a json path ('${path.path}')` : `a ${path.fieldType} field ('${path.path}')`;
}

export function isScalarPath(path: ResolvedPath): boolean {
  switch (path.valueType) {
    case 'multi_enum': case 'references': case 'any_reference': return false;
    case 'json': return path.jsonPath.length > 0;
    default: return true;
  }
}

export const SCALAR_RULE = 'fields and paths of a single value: not multi_enum, references or any_reference fields, nor a whole json field (a path inside one is fine)';

/** A json path, or a field whose value type is one of `types`. */
export function isPathOf(path: ResolvedPath, types: readonly ValueType[]): boolean {
  return path.valueType === 'json' ? path.jsonPath.length > 0 : types.includes(path.valueType);
}
