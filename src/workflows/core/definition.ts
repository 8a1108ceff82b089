// The workflow definition language (issue #6, docs/workflows.md): the shapes a
// definition is parsed into, shared by the parser, the validator, the engine,
// the service and the timer worker. Pure types and constants: no I/O.
//
// A definition as written (POST /api/workflows) is JSON; parse-definition.ts
// turns it into a WorkflowDefinition (shape only, with JSON Pointers for every
// problem), validate.ts checks it against the registry (states, reachability,
// fields, roles, teams, types, calendars), and the engine (engine.ts) runs it.

import type { FieldType } from '../../entities/core/definitions.ts';
import type { Role } from '../../platform/context.ts';

export const STATE_CATEGORIES = ['new', 'active', 'waiting', 'resolved', 'closed', 'cancelled'] as const;
export type StateCategory = (typeof STATE_CATEGORIES)[number];

export const ROLES: readonly Role[] = ['gestor', 'cliente'];

/** Workflow keys: like entity type keys, hyphens allowed (`incident-lifecycle`). */
export const WORKFLOW_KEY_PATTERN = '^[a-z][a-z0-9_-]{0,62}$';
/** State, transition, input and timer keys. */
export const STEP_KEY_PATTERN = '^[a-z][a-z0-9_]{0,62}$';
/** Calendar keys (built-in: `24x7`, `business-hours`). */
export const CALENDAR_KEY_PATTERN = '^[a-z0-9][a-z0-9_-]{0,62}$';
export const BUILT_IN_CALENDARS = ['24x7', 'business-hours'] as const;

/** Limits that keep a definition (and its evaluation) small. */
export const LIMITS = {
  states: 100,
  transitions: 300,
  guardsPerTransition: 20,
  effectsPerTransition: 20,
  inputsPerTransition: 30,
  timeoutsPerState: 10,
  /** External guards: the longest timeout a definition may ask for. */
  externalTimeoutMsMax: 10_000,
  externalTimeoutMsDefault: 2_000,
  externalCacheSecondsMax: 3_600,
} as const;

/**
 * A duration as written: one or more `<integer><unit>` parts, units
 * w, d, h, m, s (`4h`, `1h30m`, `2d`); `ms` is its length (d = 24 h, w = 7 d).
 * Under a business calendar it is counted in working time only: `8h` is one
 * working day of a 09:00-17:00 calendar (docs/workflows.md, "Time").
 */
export interface Duration {
  readonly text: string;
  readonly ms: number;
}

export interface SlaDefinition {
  /** e.g. "4h": working time under `calendar`. */
  readonly within: string;
  /** A calendar key; default `24x7`. */
  readonly calendar?: string;
  /** When the SLA turns `at_risk`, as a fraction of `within` elapsed (0 < f < 1); default 0.8. */
  readonly at_risk?: number;
}

/** A timeout: after a duration in the state, or at a date/datetime field's value, perform `transition`. */
export interface TimeoutDefinition {
  readonly key: string;
  readonly transition: string;
  /** Exactly one of after / at. */
  readonly after?: string;
  /** A date or datetime field of the record (a date means its start in the calendar's zone). */
  readonly at?: string;
  /** For `after`: count working time of this calendar; default `24x7`. */
  readonly calendar?: string;
}

export interface StateDefinition {
  readonly key: string;
  readonly label?: string;
  readonly category: StateCategory;
  readonly final?: boolean;
  readonly sla?: SlaDefinition;
  readonly timeouts?: readonly TimeoutDefinition[];
}

/** Types an input value may have: the scalar field types of #2. */
export const INPUT_TYPES = ['text', 'long_text', 'integer', 'decimal', 'boolean', 'date', 'datetime', 'enum', 'email', 'url', 'user', 'reference'] as const;
export type InputType = (typeof INPUT_TYPES)[number] & FieldType;

export interface InputDefinition {
  readonly key: string;
  readonly type: InputType;
  readonly label?: string;
  readonly required?: boolean;
  /** enum */
  readonly values?: readonly string[];
  /** reference: the entity type referenced */
  readonly target?: string;
  /** text, long_text */
  readonly max_length?: number;
}

/** A value computed when an effect runs. */
export type ValueExpression =
  | { readonly literal: string | number | boolean | null }
  | { readonly current_user: true }
  /** now, optionally moved by a duration (`"+2d"`, `"-1h"`; 24x7). */
  | { readonly now: true | string }
  | { readonly input: string }
  | { readonly field: string };

export type Guard =
  /** The caller has one of these roles (members; API keys have no role). */
  | { readonly role: readonly Role[] }
  /** The caller is a member of one of these teams (by name, case-insensitive). */
  | { readonly team: readonly string[] }
  /**
   * A #4 condition over the record (and related records through paths), where
   * `input.<key>` reads the transition's input and `actor.role` / `actor.user`
   * the caller; `current_user` operands work as in queries.
   */
  | { readonly condition: unknown }
  /**
   * Related records are in given states: `relation` is a references field of
   * the type or a reverse relation `<type>.<field>` (as #4 quantifiers);
   * `every` (default), `some` or `none` of them must be in one of `states`
   * or `categories`.
   */
  | {
      readonly related: {
        readonly relation: string;
        readonly quantifier?: 'every' | 'some' | 'none';
        readonly states?: readonly string[];
        readonly categories?: readonly StateCategory[];
      };
    }
  /** An HTTP POST to `url`, signed (Standard Webhooks); 2xx `{ "allow": boolean, "reason"?: string }`. */
  | { readonly external: { readonly url: string; readonly timeout_ms?: number; readonly cache_seconds?: number } };

/** Who `notify` reaches. */
export type Recipient =
  /** A `user` field of the record (`created_by`, `updated_by` or a field of type user). */
  | string
  | { readonly role: Role }
  | { readonly team: string };

export type Effect =
  /** Field updates of the record. */
  | { readonly set: Readonly<Record<string, ValueExpression>> }
  /**
   * Sets a `user` field: to `user` (an expression), or to the member of
   * `team` with the fewest open records (state category not resolved,
   * closed or cancelled) of this type in that field; ties by user id.
   */
  | { readonly assign: { readonly field: string; readonly user?: ValueExpression; readonly team?: string } }
  /**
   * A new record of `type` with `values`; `link` is a reference field of the
   * new record set to this record (the parent). The child starts its own
   * type's workflow if it has one.
   */
  | { readonly create: { readonly type: string; readonly values?: Readonly<Record<string, ValueExpression>>; readonly link?: string } }
  /** In-app notifications (and an email through the outbox when `email` is true). */
  | { readonly notify: { readonly to: Recipient | readonly Recipient[]; readonly title?: string; readonly message?: string; readonly email?: boolean } }
  /** An outbox event for webhook delivery (#7). */
  | { readonly webhook: { readonly event: string } }
  /** A domain event through the outbox (NATS, #7). */
  | { readonly event: { readonly type: string } }
  /**
   * A timer of this stay in the new state: after `after` (or at field `at`),
   * perform `transition` or emit `event`. Cancelled when the record leaves the state.
   */
  | {
      readonly start_timer: {
        readonly key: string;
        readonly after?: string;
        readonly at?: string;
        readonly calendar?: string;
        readonly transition?: string;
        readonly event?: string;
      };
    };

export interface TransitionDefinition {
  readonly key: string;
  readonly label?: string;
  readonly from: readonly string[];
  readonly to: string;
  readonly input?: readonly InputDefinition[];
  readonly guards?: readonly Guard[];
  readonly effects?: readonly Effect[];
}

export interface WorkflowDefinition {
  readonly key: string;
  readonly entity_type: string;
  readonly label?: string;
  readonly description?: string;
  readonly initial: string;
  readonly states: readonly StateDefinition[];
  readonly transitions: readonly TransitionDefinition[];
}

/** A published version: the definition the engine runs, and its number. */
export interface PublishedWorkflow {
  readonly key: string;
  readonly version: number;
  readonly definition: WorkflowDefinition;
}

export function stateOf(definition: WorkflowDefinition, key: string): StateDefinition | undefined {
  return definition.states.find((state) => state.key === key);
}

export function transitionOf(definition: WorkflowDefinition, key: string): TransitionDefinition | undefined {
  return definition.transitions.find((transition) => transition.key === key);
}

/** A guard's kind: the single key of its object. */
export type GuardKind = 'role' | 'team' | 'condition' | 'related' | 'external';
export type EffectKind = 'set' | 'assign' | 'create' | 'notify' | 'webhook' | 'event' | 'start_timer';

export function guardKind(guard: Guard): GuardKind {
  return Object.keys(guard)[0] as GuardKind;
}

export function effectKind(effect: Effect): EffectKind {
  return Object.keys(effect)[0] as EffectKind;
}
