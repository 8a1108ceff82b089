// The related records a transition's condition and related guards read,
// loaded by the records capability's loadRelated (the same loader rules on
// write use: level by level, bounded, in the caller's transaction, so the
// row ACL hides what the caller may not see) and listed as the engine's
// facts (EngineFacts.related).
//
// loadRelated answers a RecordSet (a view for the condition evaluator), not
// the list, so the list is read back from it along the same needs tree:
// references by id, reverse relations through the set's own `related`.
import type { RecordSet, ResolvedPath, ResolvedRelation, StoredRecord } from '../../conditions/index.ts';
import type { RegistrySnapshot } from '../../entities/index.ts';
import type { TenantTx } from '../../platform/db/tenant-database.ts';
import { loadRelated } from '../../records/index.ts';
import type { RelationNeeds } from '../../records/core/rules.ts';

const ID_PATH: ResolvedPath = {
  path: 'id',
  hops: [],
  ownerTypes: [],
  field: 'id',
  system: true,
  fieldType: 'uuid',
  jsonPath: [],
  valueType: 'uuid',
  enumValues: null,
};

function isEmpty(needs: RelationNeeds): boolean {
  return needs.follow.size === 0 && needs.forward.size === 0 && needs.reverse.size === 0;
}

/** The ids a stored relation value names. */
function idsIn(value: unknown): string[] {
  const candidates = Array.isArray(value) ? value : typeof value === 'object' && value !== null ? [(value as { id?: unknown }).id] : [value];
  return candidates.filter((id): id is string => typeof id === 'string');
}

function walk(set: RecordSet, record: StoredRecord, needs: RelationNeeds, registry: RegistrySnapshot, found: Map<string, StoredRecord>): void {
  const visit = (next: StoredRecord | undefined, child: RelationNeeds) => {
    if (!next) return;
    found.set(next.id.toLowerCase(), next);
    walk(set, next, child, registry, found);
  };
  for (const [field, child] of [...needs.follow, ...needs.forward]) {
    for (const id of idsIn(record[field])) visit(set.byId(id), child);
  }
  for (const reverse of needs.reverse.values()) {
    const fieldType = registry.type(reverse.sourceType)?.fields.find((field) => field.key === reverse.field)?.type;
    if (fieldType !== 'reference' && fieldType !== 'references' && fieldType !== 'any_reference') continue;
    const relation: ResolvedRelation = {
      kind: 'reverse',
      path: reverse.path,
      fromType: record.type,
      sourceType: reverse.sourceType,
      field: reverse.field,
      fieldType,
    };
    for (const view of set.view(record).related(relation)) {
      const id = view.get(ID_PATH);
      if (typeof id === 'string') visit(set.byId(id), reverse.needs);
    }
  }
}

export type RelatedFacts = { readonly ok: true; readonly records: readonly StoredRecord[] } | { readonly ok: false; readonly message: string };

/** The records `needs` reads from `root` (root itself excluded); none needed: no statement. */
export async function loadRelatedFacts(tx: TenantTx, root: StoredRecord, needs: RelationNeeds, registry: RegistrySnapshot): Promise<RelatedFacts> {
  if (isEmpty(needs)) return { ok: true, records: [] };
  const loaded = await loadRelated(tx, root, needs, false);
  if (!loaded.ok) return loaded;
  const found = new Map<string, StoredRecord>();
  walk(loaded.records, root, needs, registry, found);
  found.delete(root.id.toLowerCase());
  return { ok: true, records: [...found.values()] };
}
