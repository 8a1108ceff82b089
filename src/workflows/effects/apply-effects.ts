// Carries out a Decision's planned effects inside the transition's
// transaction (after the record's own update): child records through the
// records service (validated as POST, starting their own workflow), in-app
// notifications, and outbox events for everything outside the database
// (webhooks, domain events, notification emails). The outbox is delivered
// after commit, at least once; each event id is its delivery id, so a
// receiver deduplicates by it. An effect that fails (a child record that
// does not validate) throws, and the whole transition rolls back with it.
//
// Answers what was done, for the history entry: one summary per effect of
// the transition, in the definition's order.
import { queueEvents } from '../../events/index.ts';
import { insertNotifications, queueNotifications } from '../../notifications/index.ts';
import type { TenantCall } from '../../platform/context.ts';
import type { TenantTx } from '../../platform/db/tenant-database.ts';
import type { RecordsService, RecordView } from '../../records/index.ts';
import type { Decision, PlannedEffect, TimerPlan } from '../core/decision.ts';
import { effectKind, type Effect, type TransitionDefinition } from '../core/definition.ts';

/** What a transition's outbox events say about it. */
export interface TransitionFacts {
  readonly record: RecordView;
  readonly transition: string;
  readonly from: string;
  readonly to: string;
  readonly actor: { readonly type: string; readonly id: string | null };
}

export type EffectSummary = Readonly<Record<string, unknown>>;

export function timerSummary(timer: TimerPlan): EffectSummary {
  return {
    kind: timer.kind,
    key: timer.key,
    due_at: timer.dueAt.toISOString(),
    ...(timer.transition === undefined ? {} : { transition: timer.transition }),
    ...(timer.event === undefined ? {} : { event: timer.event }),
  };
}

async function applyOne(
  tx: TenantTx,
  call: TenantCall,
  records: RecordsService,
  facts: TransitionFacts,
  effect: PlannedEffect,
): Promise<EffectSummary> {
  const subject = { type: 'record', id: facts.record.id };
  const payload = { record: facts.record, transition: facts.transition, from: facts.from, to: facts.to, actor: facts.actor };
  switch (effect.kind) {
    case 'create': {
      const body = { ...effect.values, ...(effect.link === undefined ? {} : { [effect.link]: facts.record.id }) };
      const created = await records.createWithin(tx, call, effect.type, body);
      return { kind: 'create', type: effect.type, id: created.record.id, ...(effect.link === undefined ? {} : { link: effect.link }) };
    }
    case 'notify': {
      const request = {
        users: effect.users,
        roles: effect.roles,
        teams: effect.teams,
        record: { type: facts.record.type, id: facts.record.id },
        title: effect.title,
        body: effect.message,
      };
      if (!effect.email) {
        queueNotifications(tx, request);
        return { kind: 'notify', users: effect.users, roles: effect.roles, teams: effect.teams, email: false };
      }
      const notified = await insertNotifications(tx, request);
      const outbox = queueEvents(
        tx,
        notified.map((recipient) => ({
          type: 'notification.email_requested',
          subject: { type: 'notification', id: recipient.id },
          payload: { notification_id: recipient.id, user_id: recipient.userId, email: recipient.email, title: effect.title, body: effect.message, ...payload },
        })),
      );
      return { kind: 'notify', recipients: notified.map((recipient) => recipient.userId), email: true, outbox_ids: outbox };
    }
    case 'webhook': {
      const [id] = queueEvents(tx, [{ type: effect.event, subject, payload }]);
      return { kind: 'webhook', event: effect.event, outbox_id: id };
    }
    case 'event': {
      const [id] = queueEvents(tx, [{ type: effect.type, subject, payload }]);
      return { kind: 'event', type: effect.type, outbox_id: id };
    }
  }
}

/**
 * Applies the planned effects in order and summarises every effect of the
 * transition (set and assign from the decision's changes, start_timer from
 * its timers) for the history entry.
 */
export async function applyEffects(
  tx: TenantTx,
  call: TenantCall,
  records: RecordsService,
  transition: TransitionDefinition,
  decision: Decision,
  facts: TransitionFacts,
): Promise<EffectSummary[]> {
  const done = new Map<number, EffectSummary>();
  // In order: a child created by one effect exists before a later one runs.
  for (const effect of decision.effects) done.set(effect.index, await applyOne(tx, call, records, facts, effect));
  const notes = new Map((decision.notes ?? []).map((note) => [note.index, note.note]));
  return (transition.effects ?? []).map((effect, index) => {
    const summary = summarise(effect, index, done, decision);
    const note = notes.get(index);
    return note === undefined ? summary : { ...summary, note };
  });
}

/** One effect of the transition as history records it: what was applied, or what the decision says it did. */
function summarise(effect: Effect, index: number, done: ReadonlyMap<number, EffectSummary>, decision: Decision): EffectSummary {
  const applied = done.get(index);
  if (applied) return applied;
  if ('set' in effect) {
    return { kind: 'set', fields: Object.fromEntries(Object.keys(effect.set).map((field) => [field, decision.changes[field] ?? null])) };
  }
  if ('assign' in effect) return { kind: 'assign', field: effect.assign.field, user: decision.changes[effect.assign.field] ?? null };
  if ('start_timer' in effect) {
    const timer = decision.timers.find((plan) => plan.key === effect.start_timer.key);
    return timer ? { ...timerSummary(timer), kind: 'start_timer', timer: timer.kind } : { kind: 'start_timer', key: effect.start_timer.key, armed: false };
  }
  return { kind: effectKind(effect) };
}
