// Everything the engine is asked with, gathered inside the transaction that
// holds the record's lock: the record's workflow version (cached: versions
// are immutable) compiled against the current registry (cached by the
// registry's stamp), the facts (one statement: facts.sql.ts), and the
// related records the transitions' guards read (loadRelated, only when a
// guard reads beyond the record). External guard answers come from outside
// the transaction (they are asked before it opens).
import type { EntityTypeDefinition, RegistrySnapshot } from '../entities/index.ts';
import type { TenantCall } from '../platform/context.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { AppError } from '../platform/http/errors.ts';
import { storedOf, type LockedRecord, type TypeState } from '../records/index.ts';
import { needsOf, type CompiledWorkflow } from './core/compile.ts';
import type { EngineActor, EngineFacts, EngineRecord, ExternalAnswer } from './core/decision.ts';
import { stateOf, type TransitionDefinition } from './core/definition.ts';
import { factsOf, factsStatement, loadFacts, type FactsRequest, type LoadedFacts } from './guards/facts.ts';
import { loadRelatedFacts } from './guards/related-facts.ts';
import { TransitionErrors } from './transitions.errors.ts';
import type { WorkflowVersions } from './workflow-versions.ts';

export interface TransitionContext {
  readonly compiled: CompiledWorkflow;
  readonly record: EngineRecord;
  readonly actor: EngineActor;
  /** External answers left empty: the caller sets them per transition. */
  readonly facts: EngineFacts;
}

/** The registry definitions this process last read for each organisation, by stamp. */
export class Registries {
  private readonly byTenant = new Map<string, { stamp: string; definitions: ReadonlyMap<string, EntityTypeDefinition> }>();
  constructor(private readonly capacity = 1_000) {}

  get(tenantId: string): { stamp: string; definitions: ReadonlyMap<string, EntityTypeDefinition> } | undefined {
    return this.byTenant.get(tenantId);
  }

  set(tenantId: string, stamp: string, definitions: ReadonlyMap<string, EntityTypeDefinition>): void {
    this.byTenant.delete(tenantId);
    this.byTenant.set(tenantId, { stamp, definitions });
    if (this.byTenant.size > this.capacity) this.byTenant.delete(this.byTenant.keys().next().value as string);
  }
}

export function actorOf(call: TenantCall, teams: readonly string[]): EngineActor {
  switch (call.actor.type) {
    case 'user':
      return { kind: 'user', userId: call.actor.id, role: call.role, teams };
    case 'api_key':
      return { kind: 'api_key', userId: null, role: null, teams: [] };
    default:
      return { kind: 'system', userId: null, role: null, teams: [] };
  }
}

export function notAttached(type: string): AppError {
  return new AppError(TransitionErrors['workflow-not-attached'], `Records of type "${type}" have no workflow: none is published for it.`);
}

/** What the facts statement must read for these transitions: calendars for the states they enter, team loads for assign-by-team. */
function factNeeds(transitions: readonly TransitionDefinition[], definition: CompiledWorkflow['definition'] | undefined, forDecision: boolean) {
  if (!forDecision || !definition) return { calendars: false, teamLoads: [] as { team: string; field: string }[] };
  let calendars = false;
  const teamLoads: { team: string; field: string }[] = [];
  for (const transition of transitions) {
    const to = stateOf(definition, transition.to);
    if (to?.sla || (to?.timeouts ?? []).length > 0) calendars = true;
    for (const effect of transition.effects ?? []) {
      if ('start_timer' in effect) calendars = true;
      if ('assign' in effect && effect.assign.team !== undefined) teamLoads.push({ team: effect.assign.team, field: effect.assign.field });
    }
  }
  return { calendars, teamLoads };
}

export interface ContextRequest {
  /** The transitions to evaluate: one (perform) or those leaving the current state (listing). */
  readonly transitions: (definition: CompiledWorkflow['definition']) => readonly TransitionDefinition[];
  /** A decision follows (perform): read calendars and team loads too. */
  readonly forDecision: boolean;
  readonly now: Date;
}

/** What a facts statement was asked for, but the registry stamp: equal needs give equal answers. */
function sameNeeds(sent: FactsRequest, wanted: Omit<FactsRequest, 'knownStamp'>): boolean {
  return (
    sent.userId === wanted.userId &&
    sent.type === wanted.type &&
    sent.calendars === wanted.calendars &&
    sent.teamLoads.length === wanted.teamLoads.length &&
    sent.teamLoads.every((load, index) => load.team === wanted.teamLoads[index]?.team && load.field === wanted.teamLoads[index]?.field)
  );
}

/**
 * Sends the facts statement inside the lock's statement (records'
 * LockOptions.alongside), saving its round trip: the facts do not depend on
 * the locked row. What to read is decided from the type's latest published
 * workflow (the record's own version is known only once it is locked); when
 * the record runs on a version that needs other facts, transitionContext
 * reads them again. One per transaction run.
 */
export class FactsPrefetch {
  /** What was sent, with the registry this process held then. */
  sent: { request: FactsRequest; knownStamp: string; definitions: ReadonlyMap<string, EntityTypeDefinition> | undefined } | null = null;

  constructor(
    private readonly call: TenantCall,
    private readonly registries: Registries,
    private readonly request: Pick<ContextRequest, 'transitions' | 'forDecision'>,
  ) {}

  readonly alongside = (state: TypeState, first: number): { text: string; values: readonly unknown[] } | null => {
    this.sent = null;
    const workflow = state.workflow;
    if (!workflow) return null;
    const needs = factNeeds(this.request.transitions(workflow.definition), workflow.definition, this.request.forDecision);
    const known = this.registries.get(this.call.scope.tenantId);
    const request: FactsRequest = {
      userId: this.call.actor.type === 'user' ? this.call.actor.id : null,
      type: state.type,
      ...needs,
      knownStamp: known?.stamp ?? '',
    };
    this.sent = { request, knownStamp: request.knownStamp, definitions: known?.definitions };
    return factsStatement(request, first);
  };
}

/** The engine's inputs for the locked record; 409 workflow-not-attached when the record has no workflow. */
export async function transitionContext(
  tx: TenantTx,
  call: TenantCall,
  locked: LockedRecord,
  versions: WorkflowVersions,
  registries: Registries,
  request: ContextRequest,
  prefetch?: FactsPrefetch,
): Promise<TransitionContext> {
  const { row, state } = locked;
  if (row.workflow_key === null || row.workflow_version === null || row.state === null) throw notAttached(row.type_key);
  const tenantId = tx.scope.tenantId;
  if (state.workflow && state.workflow.key === row.workflow_key) versions.remember(tenantId, state.workflow);
  const published = await versions.load(tx, row.workflow_key, row.workflow_version);
  if (!published) throw notAttached(row.type_key);
  const transitions = request.transitions(published.definition);
  const needs = factNeeds(transitions, published.definition, request.forDecision);
  const factsRequest = { userId: call.actor.type === 'user' ? call.actor.id : null, type: row.type_key, ...needs };
  // The facts the lock's statement brought (FactsPrefetch), when they were asked for what this record needs; else read now.
  const sent = prefetch?.sent ?? null;
  const known = sent ? { stamp: sent.knownStamp, definitions: sent.definitions } : registries.get(tenantId);
  let loaded: LoadedFacts =
    sent && locked.alongside !== undefined && sameNeeds(sent.request, factsRequest)
      ? factsOf(locked.alongside, sent.request)
      : await loadFacts(tx, { ...factsRequest, knownStamp: known?.stamp ?? '' });
  let definitions = loaded.definitions ?? (known?.stamp === loaded.stamp ? (known?.definitions ?? null) : null);
  if (!definitions) {
    // The cached registry went between reading its stamp and now (another request replaced it): read it whole.
    loaded = await loadFacts(tx, { ...factsRequest, knownStamp: '' });
    definitions = loaded.definitions ?? new Map();
  }
  if (loaded.definitions) registries.set(tenantId, loaded.stamp, loaded.definitions);
  const byKey = definitions;
  const registry: RegistrySnapshot = { type: (key) => (key === row.type_key ? state.definition : byKey.get(key)) };
  const compiled = versions.compiled(tenantId, published, loaded.stamp, () => registry);
  const related = await loadRelatedFacts(tx, storedOf(row), needsOf(compiled, transitions.map((transition) => transition.key)), registry);
  if (!related.ok) {
    throw new AppError(TransitionErrors['transition-guard-failed'], `The guards cannot be evaluated: ${related.message}.`, [], { guards: [] });
  }
  return {
    compiled,
    record: {
      id: row.id,
      type: row.type_key,
      version: row.version,
      state: row.state,
      stateEnteredAt: row.state_entered_at ?? row.created_at,
      data: row.data,
      createdBy: row.created_by,
      updatedBy: row.updated_by,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    },
    actor: actorOf(call, loaded.teams),
    facts: {
      now: request.now,
      timeZone: loaded.timeZone,
      related: related.records,
      external: new Map<number, ExternalAnswer>(),
      teamLoads: loaded.teamLoads,
      calendars: loaded.calendars,
    },
  };
}
