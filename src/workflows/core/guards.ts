// Guard evaluation: each compiled guard of a transition against the record,
// the caller, the input and the facts the service gathered. Conditions run
// on #4's in-memory evaluator over the record, its loaded related records and
// two synthetic records (the input and the actor, see compile.ts); only
// `true` passes (three-valued: unknown fails, with a reason saying so).
import { evaluate, inMemoryRecords, type RecordView, type ResolvedCondition, type ResolvedOperand, type StoredRecord } from '../../conditions/index.ts';
import { ACTOR_FIELD, ACTOR_TYPE, INPUT_FIELD, inputTypeKey, type CompiledGuard, type CompiledTransition, type CompiledWorkflow } from './compile.ts';
import type { EngineActor, EngineFacts, EngineRecord, ExternalAnswer, GuardResult } from './decision.ts';
import type { Guard } from './definition.ts';

/** Ids of the synthetic records; real records have UUIDv7 ids, which never look like these. */
const INPUT_RECORD_ID = '00000000-0000-4000-8000-00000000000a';
const ACTOR_RECORD_ID = '00000000-0000-4000-8000-00000000000b';

/** Guards are evaluated to perform a transition, or to preview it before the input is known. */
export type GuardMode = 'perform' | 'preview';

/** The record as conditions read it: its fields, its system fields, and the synthetic input and actor hops. */
export function storedRecordOf(compiled: CompiledWorkflow, record: EngineRecord): { id: string; type: string; [field: string]: unknown } {
  // System fields first, then the data's own keys (a literal spread of the data followed by
  // a dozen keys measured several times slower in V8; system fields win either way).
  const stored: { id: string; type: string; [field: string]: unknown } = {
    id: record.id,
    type: record.type,
    version: record.version,
    state: record.state,
    state_category: compiled.states.get(record.state)?.category ?? null,
    state_entered_at: record.stateEnteredAt.toISOString(),
    workflow_version: compiled.version,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
    created_by: record.createdBy,
    updated_by: record.updatedBy,
  };
  for (const key of Object.keys(record.data)) if (!(key in stored)) stored[key] = record.data[key];
  return stored;
}

function operandReadsInput(operand: ResolvedOperand): boolean {
  return operand.kind === 'field' && operand.path.hops[0]?.field === INPUT_FIELD;
}

/** Whether a condition reads `input.*` on the root record (quantifier bodies range over other records). */
export function readsInput(condition: ResolvedCondition): boolean {
  switch (condition.kind) {
    case 'and': case 'or': return condition.items.some(readsInput);
    case 'not': return readsInput(condition.item);
    case 'quantifier': return false;
    case 'compare': return condition.path.hops[0]?.field === INPUT_FIELD || operandReadsInput(condition.operand);
    case 'between': return condition.path.hops[0]?.field === INPUT_FIELD || operandReadsInput(condition.low) || operandReadsInput(condition.high);
    default: return condition.path.hops[0]?.field === INPUT_FIELD;
  }
}

function describeList(values: readonly string[]): string {
  return values.length === 1 ? values[0]! : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}

function conditionReason(definition: Guard | undefined, truth: boolean | null): string {
  if (definition && 'related' in definition) {
    const { relation, quantifier = 'every', states = [], categories = [] } = definition.related;
    const wanted = [...states.map((state) => `state ${state}`), ...categories.map((category) => `category ${category}`)];
    const how = quantifier === 'every' ? 'not every' : quantifier === 'some' ? 'no' : 'at least one';
    return `${how} related record through ${relation} is in ${describeList(wanted)}`;
  }
  const text = JSON.stringify(definition && 'condition' in definition ? definition.condition : null);
  const shown = text.length > 300 ? `${text.slice(0, 297)}...` : text;
  return truth === null ? `the condition cannot be decided (a value it reads is missing): ${shown}` : `the condition is not met: ${shown}`;
}

function externalReason(url: string, answer: ExternalAnswer | undefined): string | null {
  if (answer === undefined) return `the external check (${url}) was not evaluated`;
  if (!answer.ok) return `the external check (${url}) failed: ${answer.error}`;
  if (!answer.allow) return `the external check (${url}) refused${answer.reason ? `: ${answer.reason}` : ''}`;
  return null;
}

function failure(guard: CompiledGuard, reason: string): GuardResult {
  return { index: guard.index, kind: guard.kind === 'broken' ? guard.guardKind : guard.kind, passed: false, reason };
}

function success(guard: CompiledGuard): GuardResult {
  return { index: guard.index, kind: guard.kind === 'broken' ? guard.guardKind : guard.kind, passed: true };
}

/**
 * Every guard of the transition, in order (none is skipped: the caller is told
 * all that stands in the way). In `preview` mode the input is not known yet: a
 * condition that reads it and comes out unknown counts as passing; false still fails.
 */
export function evaluateGuards(
  compiled: CompiledWorkflow, transition: CompiledTransition, record: EngineRecord, actor: EngineActor,
  input: Readonly<Record<string, unknown>>, facts: EngineFacts, mode: GuardMode,
): GuardResult[] {
  let view: RecordView | undefined;
  const recordView = () => {
    if (!view) {
      const root = storedRecordOf(compiled, record);
      root[INPUT_FIELD] = INPUT_RECORD_ID;
      root[ACTOR_FIELD] = ACTOR_RECORD_ID;
      const inputRecord: StoredRecord = { ...input, id: INPUT_RECORD_ID, type: inputTypeKey(transition.definition.key) };
      const actorRecord: StoredRecord = { id: ACTOR_RECORD_ID, type: ACTOR_TYPE, user: actor.userId, role: actor.role };
      view = inMemoryRecords([root, ...facts.related.filter((related) => related.id.toLowerCase() !== record.id.toLowerCase()), inputRecord, actorRecord]).view(root);
    }
    return view;
  };
  return transition.guards.map((guard): GuardResult => {
    switch (guard.kind) {
      case 'role':
        if (actor.kind === 'system') return success(guard);
        if (actor.role === null) return failure(guard, `needs the role ${describeList(guard.roles)}; API keys have no role`);
        return guard.roles.includes(actor.role) ? success(guard) : failure(guard, `needs the role ${describeList(guard.roles)}; the caller is ${actor.role}`);
      case 'team': {
        if (actor.kind === 'system') return success(guard);
        const teams = new Set(actor.teams.map((team) => team.toLowerCase()));
        return guard.teams.some((team) => teams.has(team)) ? success(guard) : failure(guard, `needs a member of the team ${describeList(guard.teams)}`);
      }
      case 'condition':
      case 'related': {
        const truth = evaluate(guard.condition, recordView(), { now: facts.now, timeZone: facts.timeZone, userId: actor.userId });
        if (truth === true) return success(guard);
        if (mode === 'preview' && truth === null && readsInput(guard.condition)) return success(guard);
        return failure(guard, conditionReason(transition.definition.guards?.[guard.index], truth));
      }
      case 'external': {
        const reason = externalReason(guard.url, facts.external.get(guard.index));
        return reason === null ? success(guard) : failure(guard, reason);
      }
      case 'broken':
        return failure(guard, guard.reason);
    }
  });
}
