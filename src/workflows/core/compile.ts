// A published workflow prepared for the engine: per transition, its guards
// compiled against the registry as it is now. Condition guards read the
// record like #4 conditions do, plus two synthetic paths:
//   input.<key>            the transition's input (its declared inputs),
//   actor.user, actor.role the caller.
// They exist only while guards compile: the root type is given two synthetic
// reference fields, `input` → `$input:<transition>` (the transition's input
// definitions as fields) and `actor` → `$actor`, and the engine evaluates
// over synthetic records of those types (engine-records.ts). Nothing else in
// the application sees them. An input `reference` cannot be followed in a
// guard (its record is not loaded): it compares as an id.
//
// `related` guards compile to a #4 quantifier over the relation whose
// `where` is `state in [...]` or `state_category in [...]`.
//
// Compiling never throws: a guard that no longer type-checks (a field was
// removed after publishing) becomes a "broken" guard that fails with a
// reason naming the problem.
import { compileCondition, type ResolvedCondition } from '../../conditions/index.ts';
import {
  SYSTEM_FIELDS, type EntityTypeDefinition, type FieldDefinition, type RegistrySnapshot,
} from '../../entities/core/definitions.ts';
import type { FieldError } from '../../platform/http/errors.ts';
import { relationNeeds, type RelationNeeds } from '../../records/core/rules.ts';
import {
  LIMITS, ROLES, STATE_CATEGORIES, guardKind,
  type Guard, type GuardKind, type InputDefinition, type PublishedWorkflow, type StateDefinition, type TransitionDefinition, type WorkflowDefinition,
} from './definition.ts';
import type { Role } from '../../platform/context.ts';

export const INPUT_FIELD = 'input';
export const ACTOR_FIELD = 'actor';
export const ACTOR_TYPE = '$actor';
/** Input references compare as ids; this target has no type, so they cannot be followed. */
const INPUT_REFERENCE_TARGET = '$input-reference';

export function inputTypeKey(transition: string): string {
  return `$input:${transition}`;
}

export type CompiledGuard =
  | { readonly kind: 'role'; readonly index: number; readonly roles: readonly Role[] }
  /** Team names lower-cased. */
  | { readonly kind: 'team'; readonly index: number; readonly teams: readonly string[] }
  | { readonly kind: 'condition' | 'related'; readonly index: number; readonly condition: ResolvedCondition }
  | { readonly kind: 'external'; readonly index: number; readonly url: string; readonly timeoutMs: number; readonly cacheSeconds: number }
  /** Did not compile against the current registry: always fails with `reason`. */
  | { readonly kind: 'broken'; readonly index: number; readonly guardKind: GuardKind; readonly reason: string };

export interface CompiledTransition {
  readonly definition: TransitionDefinition;
  readonly guards: readonly CompiledGuard[];
}

export interface CompiledWorkflow {
  readonly key: string;
  readonly version: number;
  readonly definition: WorkflowDefinition;
  readonly states: ReadonlyMap<string, StateDefinition>;
  readonly transitions: ReadonlyMap<string, CompiledTransition>;
  /** Transition keys leaving each state, in definition order. */
  readonly leaving: ReadonlyMap<string, readonly string[]>;
  /**
   * The entity types effects write, as the registry had them at compile
   * time: the workflow's own type and the types `create` effects make (absent
   * when the registry given does not hold them). Effects use them only to
   * shape values (`now` into a date field is a local date).
   */
  readonly types: ReadonlyMap<string, EntityTypeDefinition>;
}

function inputField(input: InputDefinition): FieldDefinition {
  switch (input.type) {
    case 'enum':
      return { key: input.key, type: 'enum', values: input.values ?? [] };
    case 'reference':
      return { key: input.key, type: 'reference', target: INPUT_REFERENCE_TARGET };
    default:
      return { key: input.key, type: input.type };
  }
}

const ACTOR_DEFINITION: EntityTypeDefinition = {
  key: ACTOR_TYPE, label: 'Actor',
  fields: [{ key: 'user', type: 'user' }, { key: 'role', type: 'enum', values: [...ROLES] }],
};

/** While `state_category` is not a system field, every type gets it as an enum field for guards. */
const stateCategoryIsSystem = Object.prototype.hasOwnProperty.call(SYSTEM_FIELDS, 'state_category');
const STATE_CATEGORY_FIELD: FieldDefinition = { key: 'state_category', type: 'enum', values: [...STATE_CATEGORIES] };

/** The registry as guards of `transition` on `rootType` see it. */
export function guardRegistry(registry: RegistrySnapshot, rootType: string, transition: TransitionDefinition): RegistrySnapshot {
  const inputType: EntityTypeDefinition = { key: inputTypeKey(transition.key), label: 'Input', fields: (transition.input ?? []).map(inputField) };
  const cache = new Map<string, EntityTypeDefinition | undefined>();
  return {
    type(key) {
      if (key === inputType.key) return inputType;
      if (key === ACTOR_TYPE) return ACTOR_DEFINITION;
      if (cache.has(key)) return cache.get(key);
      const real = registry.type(key);
      let seen = real;
      if (real) {
        const extra: FieldDefinition[] = [];
        if (!stateCategoryIsSystem && !real.fields.some((field) => field.key === 'state_category')) extra.push(STATE_CATEGORY_FIELD);
        if (key === rootType) {
          extra.push({ key: INPUT_FIELD, type: 'reference', target: inputType.key }, { key: ACTOR_FIELD, type: 'reference', target: ACTOR_TYPE });
        }
        const synthetic = new Set(extra.map((field) => field.key));
        seen = extra.length === 0 ? real : { ...real, fields: [...real.fields.filter((field) => !synthetic.has(field.key)), ...extra] };
      }
      cache.set(key, seen);
      return seen;
    },
  };
}

/** The #4 condition a `related` guard stands for. */
export function relatedCondition(guard: Extract<Guard, { related: unknown }>['related']): unknown {
  const tests: unknown[] = [];
  if (guard.states && guard.states.length > 0) tests.push({ field: 'state', op: 'in', value: [...guard.states] });
  if (guard.categories && guard.categories.length > 0) tests.push({ field: 'state_category', op: 'in', value: [...guard.categories] });
  const where = tests.length === 1 ? tests[0] : { or: tests };
  return { [guard.quantifier ?? 'every']: { path: guard.relation, where } };
}

export type GuardCompilation =
  | { readonly ok: true; readonly guard: CompiledGuard }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

/** Compiles one guard; errors point below `pointer` (the guard's own pointer). */
export function compileGuard(
  guard: Guard, index: number, transition: TransitionDefinition, rootType: string, registry: RegistrySnapshot, pointer = '',
): GuardCompilation {
  if ('role' in guard) return { ok: true, guard: { kind: 'role', index, roles: guard.role } };
  if ('team' in guard) return { ok: true, guard: { kind: 'team', index, teams: guard.team.map((team) => team.toLowerCase()) } };
  if ('external' in guard) {
    return {
      ok: true,
      guard: {
        kind: 'external', index, url: guard.external.url,
        timeoutMs: Math.min(guard.external.timeout_ms ?? LIMITS.externalTimeoutMsDefault, LIMITS.externalTimeoutMsMax),
        cacheSeconds: guard.external.cache_seconds ?? 0,
      },
    };
  }
  const scoped = guardRegistry(registry, rootType, transition);
  if ('condition' in guard) {
    const compiled = compileCondition(guard.condition, rootType, scoped, { pointerPrefix: `${pointer}/condition` });
    return compiled.ok ? { ok: true, guard: { kind: 'condition', index, condition: compiled.condition } } : compiled;
  }
  const compiled = compileCondition(relatedCondition(guard.related), rootType, scoped);
  if (compiled.ok) return { ok: true, guard: { kind: 'related', index, condition: compiled.condition } };
  // The synthesised condition's pointers mean nothing to the author: name the relation.
  return { ok: false, errors: compiled.errors.map((error) => ({ pointer: `${pointer}/related/relation`, message: error.message })) };
}

export function compileWorkflow(published: PublishedWorkflow, registry: RegistrySnapshot): CompiledWorkflow {
  const { definition } = published;
  const transitions = new Map<string, CompiledTransition>();
  const leaving = new Map<string, string[]>(definition.states.map((state) => [state.key, []]));
  for (const transition of definition.transitions) {
    const guards = (transition.guards ?? []).map((guard, index): CompiledGuard => {
      const compiled = compileGuard(guard, index, transition, definition.entity_type, registry);
      if (compiled.ok) return compiled.guard;
      const reason = `this ${guardKind(guard)} guard no longer fits the entity types: ${compiled.errors.map((error) => error.message).join('; ')}`;
      return { kind: 'broken', index, guardKind: guardKind(guard), reason };
    });
    if (!transitions.has(transition.key)) transitions.set(transition.key, { definition: transition, guards });
    for (const from of transition.from) leaving.get(from)?.push(transition.key);
  }
  const types = new Map<string, EntityTypeDefinition>();
  const written = [definition.entity_type, ...definition.transitions.flatMap((transition) => (transition.effects ?? []).flatMap((effect) => ('create' in effect ? [effect.create.type] : [])))];
  for (const key of written) {
    const type = registry.type(key);
    if (type) types.set(key, type);
  }
  return {
    key: published.key,
    version: published.version,
    definition,
    states: new Map(definition.states.map((state) => [state.key, state])),
    transitions,
    leaving,
    types,
  };
}

/**
 * What the service must load beyond the record to evaluate these
 * transitions' condition and related guards (the synthetic input and actor
 * hops are not records to load).
 */
export function needsOf(compiled: CompiledWorkflow, transitionKeys: readonly string[]): RelationNeeds {
  const conditions: ResolvedCondition[] = [];
  for (const key of transitionKeys) {
    for (const guard of compiled.transitions.get(key)?.guards ?? []) {
      if (guard.kind === 'condition' || guard.kind === 'related') conditions.push(guard.condition);
    }
  }
  const needs = relationNeeds(conditions);
  needs.follow.delete(INPUT_FIELD);
  needs.follow.delete(ACTOR_FIELD);
  return needs;
}
