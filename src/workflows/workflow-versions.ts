// A per-process cache of published workflow versions and their compiled
// forms, for running transitions without reading the definition each time.
//
// Published versions are immutable (workflow_versions has no UPDATE grant),
// so a version, once read, is cached by (organisation, workflow key, version)
// with no check at all. A compiled form also depends on the registry: guard
// conditions are type-checked against the current definitions of the types
// they read. It is cached by the version AND a stamp of the registry (every
// type's key and current version, read with the transition's facts), so a
// change to any type compiles the workflow again on the next transition.
// Both maps are bounded; the least recently used entries go first.
import type { RegistrySnapshot } from '../entities/index.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { compileWorkflow, type CompiledWorkflow } from './core/compile.ts';
import type { PublishedWorkflow, WorkflowDefinition } from './core/definition.ts';

const SELECT_VERSION = `select definition from workflow_versions where workflow_key = $1 and version = $2`;

/** A bounded map that keeps the most recently used entries. */
class Recent<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
}

export class WorkflowVersions {
  private readonly versions: Recent<PublishedWorkflow>;
  private readonly compiledForms: Recent<CompiledWorkflow>;

  constructor(capacity = 2_000) {
    this.versions = new Recent(capacity);
    this.compiledForms = new Recent(capacity);
  }

  private static key(tenantId: string, workflowKey: string, version: number): string {
    return `${tenantId}/${workflowKey}/${version}`;
  }

  cached(tenantId: string, workflowKey: string, version: number): PublishedWorkflow | undefined {
    return this.versions.get(WorkflowVersions.key(tenantId, workflowKey, version));
  }

  /** Keeps a version read elsewhere (the type state holds the latest one). */
  remember(tenantId: string, published: PublishedWorkflow): void {
    this.versions.set(WorkflowVersions.key(tenantId, published.key, published.version), published);
  }

  /** The version from the cache, or read in the caller's transaction (one statement); undefined when it does not exist. */
  async load(tx: TenantTx, workflowKey: string, version: number): Promise<PublishedWorkflow | undefined> {
    const tenantId = tx.scope.tenantId;
    const known = this.cached(tenantId, workflowKey, version);
    if (known) return known;
    const row = (await tx.query<{ definition: WorkflowDefinition }>(SELECT_VERSION, [workflowKey, version])).rows[0];
    if (!row) return undefined;
    const published: PublishedWorkflow = { key: workflowKey, version, definition: row.definition };
    this.remember(tenantId, published);
    return published;
  }

  /** Whether a compiled form for this registry stamp is at hand (else the caller loads the registry and calls compiled()). */
  hasCompiled(tenantId: string, published: PublishedWorkflow, registryStamp: string): boolean {
    return this.compiledForms.get(`${WorkflowVersions.key(tenantId, published.key, published.version)}@${registryStamp}`) !== undefined;
  }

  /** The version compiled against the registry whose stamp is given; `registry` is asked only when it is not cached. */
  compiled(tenantId: string, published: PublishedWorkflow, registryStamp: string, registry: () => RegistrySnapshot): CompiledWorkflow {
    const key = `${WorkflowVersions.key(tenantId, published.key, published.version)}@${registryStamp}`;
    const known = this.compiledForms.get(key);
    if (known) return known;
    const fresh = compileWorkflow(published, registry());
    this.compiledForms.set(key, fresh);
    return fresh;
  }
}
