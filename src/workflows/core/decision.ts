// What the engine (engine.ts) is asked and what it answers: pure data in,
// pure data out. The service gathers the facts (the locked record, related
// records, external guard answers, team loads, calendars), calls the engine,
// and applies its Decision in one transaction. No I/O here.
import type { StoredRecord } from '../../conditions/index.ts';
import type { Role } from '../../platform/context.ts';
import type { FieldError } from '../../platform/http/errors.ts';
import type { BusinessCalendar } from './calendar-types.ts';
import type { EffectKind, GuardKind, StateCategory } from './definition.ts';

/** The record as the engine sees it: its workflow position and stored field values. */
export interface EngineRecord {
  readonly id: string;
  readonly type: string;
  readonly version: number;
  readonly state: string;
  readonly stateEnteredAt: Date;
  /** Stored field values (the `data` column). */
  readonly data: Readonly<Record<string, unknown>>;
  readonly createdBy: string | null;
  readonly updatedBy: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Who asks. Timers act as `system`, which passes role and team guards. */
export interface EngineActor {
  readonly kind: 'user' | 'api_key' | 'system';
  readonly userId: string | null;
  readonly role: Role | null;
  /** Names of the member's teams, lower-cased. */
  readonly teams: readonly string[];
}

/** An external guard's answer, fetched by the service before the transaction (never under a row lock). */
export type ExternalAnswer =
  | { readonly ok: true; readonly allow: boolean; readonly reason?: string }
  | { readonly ok: false; readonly error: string };

export interface EngineFacts {
  readonly now: Date;
  /** The organisation's time zone (conditions' `start_of`, calendars without their own zone). */
  readonly timeZone: string;
  /**
   * Records the transition's conditions read beyond the record itself
   * (loaded by the service from needsOf(); records the caller cannot see
   * are absent). Each carries its system fields, `state` and `state_category` included.
   */
  readonly related: readonly StoredRecord[];
  /** By guard index within the transition; absent: not fetched (the guard fails as "not evaluated"). */
  readonly external: ReadonlyMap<number, ExternalAnswer>;
  /** assign-by-team: each member of the named team (lower-cased name) with their open records of this type in the field. */
  readonly teamLoads: ReadonlyMap<string, readonly { readonly userId: string; readonly open: number }[]>;
  /** Calendars by key (built-ins included), for SLAs and timers of the new state. */
  readonly calendars: ReadonlyMap<string, BusinessCalendar>;
}

export interface GuardResult {
  readonly index: number;
  readonly kind: GuardKind;
  readonly passed: boolean;
  /** Why it failed (absent when it passed). */
  readonly reason?: string;
}

/** One transition as the caller may see it now (GET .../transitions). */
export interface TransitionAvailability {
  readonly key: string;
  readonly label?: string;
  readonly to: string;
  /** Every guard passes (input is not considered: it is not given yet). */
  readonly allowed: boolean;
  readonly guards: readonly GuardResult[];
  readonly input: readonly { readonly key: string; readonly type: string; readonly required: boolean }[];
}

/** A timer to arm for the new state's stay (rows of workflow_timers). */
export interface TimerPlan {
  readonly kind: 'transition' | 'sla_at_risk' | 'sla_breached' | 'event';
  readonly key: string;
  readonly dueAt: Date;
  readonly transition?: string;
  readonly event?: string;
}

/** An effect the service carries out in the transaction (outbox rows for anything outside the database). */
export type PlannedEffect =
  | { readonly kind: 'create'; readonly type: string; readonly values: Readonly<Record<string, unknown>>; readonly link?: string; readonly index: number }
  | {
      readonly kind: 'notify';
      /** User ids are resolved from fields; roles and teams are resolved by the service. */
      readonly users: readonly string[];
      readonly roles: readonly Role[];
      readonly teams: readonly string[];
      readonly title: string;
      readonly message: string | null;
      readonly email: boolean;
      readonly index: number;
    }
  | { readonly kind: 'webhook'; readonly event: string; readonly index: number }
  | { readonly kind: 'event'; readonly type: string; readonly index: number };

export interface Decision {
  readonly transition: string;
  readonly from: string;
  readonly to: string;
  readonly toCategory: StateCategory;
  /** True when `to` is a final state. */
  readonly final: boolean;
  /** Input as validated and normalised (only declared keys). */
  readonly input: Readonly<Record<string, unknown>>;
  readonly guards: readonly GuardResult[];
  /** Field values `set` and `assign` produce (null clears a field), to merge into `data` and validate as a PATCH. */
  readonly changes: Readonly<Record<string, unknown>>;
  readonly effects: readonly PlannedEffect[];
  /** The new state's timers (SLA marks, timeouts, start_timer). Leaving the old state cancels its timers. */
  readonly timers: readonly TimerPlan[];
  /** The new state's SLA, or null when it has none. */
  readonly sla: { readonly dueAt: Date; readonly atRiskAt: Date } | null;
  /** For the history entry: every effect's kind in order. */
  readonly effectKinds: readonly EffectKind[];
  /**
   * (Added by the core, additive.) Effects that did nothing and why, for the
   * history entry: an assign-by-team with no member, a timer whose `at` field
   * is empty, a due date the calendar cannot reach.
   */
  readonly notes?: readonly EffectNote[];
}

/** An effect that changed nothing, and why. */
export interface EffectNote {
  readonly index: number;
  readonly kind: EffectKind;
  readonly note: string;
}

export type RefusalReason =
  /** No transition with that key in the record's workflow version. */
  | 'unknown-transition'
  /** The transition does not leave the record's current state (409: state conflict). */
  | 'not-from-state'
  /** The record is in a final state. */
  | 'final-state'
  | 'guard-failed'
  | 'invalid-input';

export interface Refusal {
  readonly reason: RefusalReason;
  readonly message: string;
  /** guard-failed: every guard's result. */
  readonly guards?: readonly GuardResult[];
  /** invalid-input: JSON Pointers into the request body (`/input/resolution`). */
  readonly errors?: readonly FieldError[];
}

export type EngineAnswer = { readonly ok: true; readonly decision: Decision } | { readonly ok: false; readonly refusal: Refusal };
