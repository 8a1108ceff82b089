// The state graph of a definition: unique keys, known states, nothing leaving
// a final state, and reachability (validate.ts lists the rules). Pure.
import type { WorkflowDefinition } from './definition.ts';

type Report = (pointer: string, message: string) => void;

function duplicates(keys: readonly string[], pointerOf: (index: number) => string, what: string, report: Report): void {
  const first = new Map<string, number>();
  keys.forEach((key, index) => {
    const seen = first.get(key);
    if (seen === undefined) first.set(key, index);
    else report(pointerOf(index), `duplicates the ${what} key ${key} (first at index ${seen})`);
  });
}

/** States reachable from `start` following the transitions (`edges`: state → states it leads to). */
function reachable(start: string, edges: ReadonlyMap<string, readonly string[]>): Set<string> {
  const seen = new Set([start]);
  const queue = [start];
  while (queue.length > 0) {
    for (const next of edges.get(queue.shift()!) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

export function checkGraph(definition: WorkflowDefinition, report: Report): void {
  const { states, transitions } = definition;
  duplicates(states.map((state) => state.key), (index) => `/states/${index}/key`, 'state', report);
  duplicates(transitions.map((transition) => transition.key), (index) => `/transitions/${index}/key`, 'transition', report);
  states.forEach((state, index) => {
    duplicates((state.timeouts ?? []).map((timeout) => timeout.key), (position) => `/states/${index}/timeouts/${position}/key`, 'timeout', report);
    for (const [position, timeout] of (state.timeouts ?? []).entries()) {
      if (timeout.key === 'sla_at_risk' || timeout.key === 'sla_breached') report(`/states/${index}/timeouts/${position}/key`, `${timeout.key} is reserved for the SLA's timers`);
    }
  });
  transitions.forEach((transition, index) => {
    duplicates((transition.input ?? []).map((input) => input.key), (position) => `/transitions/${index}/input/${position}/key`, 'input', report);
  });

  const byKey = new Map(states.map((state) => [state.key, state]));
  const known = [...byKey.keys()].join(', ');
  const initialKnown = byKey.has(definition.initial);
  if (!initialKnown) report('/initial', `is not a state of this workflow: ${definition.initial}; states are: ${known}`);
  const edges = new Map<string, string[]>();
  transitions.forEach((transition, index) => {
    const toKnown = byKey.has(transition.to);
    if (!toKnown) report(`/transitions/${index}/to`, `is not a state of this workflow: ${transition.to}; states are: ${known}`);
    duplicates(transition.from, (position) => `/transitions/${index}/from/${position}`, 'from state', report);
    transition.from.forEach((from, position) => {
      const state = byKey.get(from);
      if (!state) report(`/transitions/${index}/from/${position}`, `is not a state of this workflow: ${from}; states are: ${known}`);
      else if (state.final) report(`/transitions/${index}/from/${position}`, `${from} is a final state: no transition may leave it`);
      else if (toKnown) edges.set(from, [...(edges.get(from) ?? []), transition.to]);
    });
  });

  const finals = states.filter((state) => state.final).map((state) => state.key);
  if (finals.length === 0) {
    report('/states', 'needs at least one final state ("final": true): records must be able to finish');
    return;
  }
  if (!initialKnown) return;
  const fromInitial = reachable(definition.initial, edges);
  states.forEach((state, index) => {
    if (!fromInitial.has(state.key)) report(`/states/${index}`, `${state.key} is unreachable: no sequence of transitions leads to it from the initial state ${definition.initial}`);
  });
  if (!finals.some((key) => fromInitial.has(key))) {
    report('/initial', `no final state (${finals.join(', ')}) can be reached from the initial state ${definition.initial}`);
    return;
  }
  states.forEach((state, index) => {
    if (state.final || !fromInitial.has(state.key)) return;
    const onward = reachable(state.key, edges);
    if (!finals.some((key) => onward.has(key))) report(`/states/${index}`, `no final state can be reached from ${state.key}: a record entering it could never finish`);
  });
}
