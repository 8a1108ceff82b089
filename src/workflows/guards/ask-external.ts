// External guards inside a transition's run: which ones are still to ask
// (only when every other guard passed: a refusal for another reason needs no
// call), and the loop that runs the transaction, asks them OUTSIDE it, and
// runs it again with their answers. The answers hold for the record version
// they were given for (Answers.version).
import { actorId, type TenantCall } from '../../platform/context.ts';
import type { ExternalAnswer, GuardResult } from '../core/decision.ts';
import type { TransitionContext } from '../transition-context.ts';
import type { ExternalGuardCall, ExternalGuards } from './external-guards.ts';

/** External answers, by guard index, given for one record version. */
export interface Answers {
  readonly version: number;
  readonly byTransition: ReadonlyMap<string, ReadonlyMap<number, ExternalAnswer>>;
}

export type Step<T> = { readonly kind: 'done'; readonly value: T } | { readonly kind: 'ask'; readonly version: number; readonly calls: readonly PendingCall[] };

export interface PendingCall {
  readonly transition: string;
  readonly index: number;
  readonly call: ExternalGuardCall;
}

/** Runs of one request at most: the first, one with answers, and one more for a timer whose record changed meanwhile. */
const ATTEMPTS = 3;

/** The external guards still to ask: only when every other guard passed (a refusal for another reason needs no call). */
export function pendingCalls(
  context: TransitionContext,
  call: TenantCall,
  transition: string,
  guards: readonly GuardResult[],
  input: unknown,
  asked: boolean,
): PendingCall[] {
  if (asked) return [];
  const compiledTransition = context.compiled.transitions.get(transition);
  const external = (compiledTransition?.guards ?? []).flatMap((guard) => (guard.kind === 'external' ? [guard] : []));
  if (external.length === 0) return [];
  const others = guards.filter((result) => result.kind !== 'external');
  if (!others.every((result) => result.passed)) return [];
  const { record } = context;
  return external.map((guard) => ({
    transition,
    index: guard.index,
    call: {
      tenantId: call.scope.tenantId,
      url: guard.url,
      timeoutMs: guard.timeoutMs,
      cacheSeconds: guard.cacheSeconds,
      payload: {
        record: { id: record.id, type: record.type, version: record.version, state: record.state },
        transition,
        input: input ?? {},
        actor: { type: call.actor.type, id: actorId(call.actor) },
      },
    },
  }));
}

/**
 * Runs `run` (one transaction) until it needs no external answers: between
 * runs, outside any transaction, the guards it names are asked (in
 * parallel). At most ATTEMPTS runs; then `exhausted` answers.
 */
export async function withAnswers<T>(guards: ExternalGuards, run: (answers: Answers | null) => Promise<Step<T>>, exhausted: () => T): Promise<T> {
  let answers: Answers | null = null;
  for (let attempt = 1; ; attempt += 1) {
    const step = await run(answers);
    if (step.kind === 'done') return step.value;
    if (attempt >= ATTEMPTS) return exhausted();
    const asked = await Promise.all(step.calls.map(async (pending) => ({ pending, answer: await guards.ask(pending.call) })));
    const byTransition = new Map<string, Map<number, ExternalAnswer>>();
    for (const { pending, answer } of asked) {
      const map = byTransition.get(pending.transition) ?? new Map<number, ExternalAnswer>();
      map.set(pending.index, answer);
      byTransition.set(pending.transition, map);
    }
    answers = { version: step.version, byTransition };
  }
}
