// An in-memory RecordView over plain record objects ({ id, type, ...fields },
// as the records API returns them): follows references by id, walks JSON
// paths, finds related records in both directions. Used by the tests, by
// workflow guards over already-loaded records, and as the reference side of
// the query engine's differential test.
import type { RecordView } from './evaluate.ts';
import type { ResolvedPath, ResolvedRelation } from './resolved.ts';

export interface StoredRecord {
  readonly id: string;
  readonly type: string;
  readonly [field: string]: unknown;
}

export interface RecordSet {
  view(record: StoredRecord): RecordView;
  byId(id: string): StoredRecord | undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(record: StoredRecord, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

export function inMemoryRecords(records: Iterable<StoredRecord>): RecordSet {
  const byId = new Map<string, StoredRecord>();
  const byType = new Map<string, StoredRecord[]>();
  for (const record of records) {
    byId.set(record.id.toLowerCase(), record);
    const list = byType.get(record.type) ?? [];
    list.push(record);
    byType.set(record.type, list);
  }
  const find = (id: unknown, types: readonly string[]): StoredRecord | undefined => {
    const found = typeof id === 'string' ? byId.get(id.toLowerCase()) : undefined;
    return found && types.includes(found.type) ? found : undefined;
  };

  const get = (record: StoredRecord, path: ResolvedPath): unknown => {
    let current: StoredRecord | undefined = record;
    for (const hop of path.hops) {
      const value = field(current, hop.field);
      current = hop.fieldType === 'reference'
        ? find(value, hop.targets)
        : isObject(value) && typeof value.type === 'string' && hop.targets.includes(value.type) ? find(value.id, [value.type]) : undefined;
      if (current === undefined) return null;
    }
    let value: unknown = field(current, path.field);
    for (const key of path.jsonPath) {
      if (Array.isArray(value) && /^(0|[1-9]\d*)$/.test(key)) value = value[Number(key)];
      else if (isObject(value) && Object.prototype.hasOwnProperty.call(value, key)) value = value[key];
      else return null;
    }
    return value;
  };

  const pointsAt = (source: StoredRecord, relation: Extract<ResolvedRelation, { kind: 'reverse' }>, target: StoredRecord): boolean => {
    const value = field(source, relation.field);
    const id = target.id.toLowerCase();
    switch (relation.fieldType) {
      case 'reference': return typeof value === 'string' && value.toLowerCase() === id;
      case 'references': return Array.isArray(value) && value.some((item) => typeof item === 'string' && item.toLowerCase() === id);
      case 'any_reference': return isObject(value) && value.type === target.type && typeof value.id === 'string' && value.id.toLowerCase() === id;
    }
  };

  const related = (record: StoredRecord, relation: ResolvedRelation): StoredRecord[] => {
    switch (relation.kind) {
      case 'forward': {
        const ids = field(record, relation.field);
        if (!Array.isArray(ids)) return [];
        return ids.map((id) => find(id, [relation.targetType])).filter((found): found is StoredRecord => found !== undefined);
      }
      case 'reverse':
        return (byType.get(relation.sourceType) ?? []).filter((source) => pointsAt(source, relation, record));
    }
  };

  const view = (record: StoredRecord): RecordView => ({
    get: (path) => get(record, path),
    related: (relation) => related(record, relation).map(view),
  });
  return { view, byId: (id) => byId.get(id.toLowerCase()) };
}
