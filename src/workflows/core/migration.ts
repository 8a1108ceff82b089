// The state map of POST /api/workflows/{key}/migrate, checked against both
// versions: every non-final state of `from` (the states records can be in
// flight in) maps to a state of `to`. A state left out of the map keeps its
// key when `to` has it; otherwise it must be mapped. Records in final states
// are not in flight and never move, so mapping a final state is refused.
// Pointers: `/state_map/<state>` (the request body's member).
import type { FieldError } from '../../platform/http/errors.ts';
import { pointerTo } from '../../conditions/pointer.ts';
import type { WorkflowDefinition } from './definition.ts';

export type StateMapCheck = { ok: true; map: ReadonlyMap<string, string> } | { ok: false; errors: FieldError[] };

export function validateStateMap(from: WorkflowDefinition, to: WorkflowDefinition, stateMap: unknown): StateMapCheck {
  if (typeof stateMap !== 'object' || stateMap === null || Array.isArray(stateMap)) {
    return { ok: false, errors: [{ pointer: '/state_map', message: 'must be an object of state keys (from_version) to state keys (to_version)' }] };
  }
  const entries = stateMap as Readonly<Record<string, unknown>>;
  const errors: FieldError[] = [];
  const fromStates = new Map(from.states.map((state) => [state.key, state]));
  const toStates = new Set(to.states.map((state) => state.key));
  const toList = to.states.map((state) => state.key).join(', ');
  for (const [key, target] of Object.entries(entries)) {
    const pointer = pointerTo('/state_map', key);
    const state = fromStates.get(key);
    if (!state) errors.push({ pointer, message: `is not a state of the version migrated from; its states are: ${from.states.map((candidate) => candidate.key).join(', ')}` });
    else if (state.final) errors.push({ pointer, message: `${key} is final: records there are not in flight and are never migrated` });
    if (typeof target !== 'string' || !toStates.has(target)) {
      errors.push({ pointer, message: `must name a state of the version migrated to (${toList})` });
    }
  }
  const map = new Map<string, string>();
  for (const state of from.states) {
    if (state.final) continue;
    const target = Object.prototype.hasOwnProperty.call(entries, state.key) ? entries[state.key] : undefined;
    if (typeof target === 'string') {
      if (toStates.has(target)) map.set(state.key, target);
    } else if (target !== undefined) {
      continue; // reported above
    } else if (toStates.has(state.key)) map.set(state.key, state.key);
    else errors.push({ pointer: pointerTo('/state_map', state.key), message: `${state.key} is not a state of the version migrated to: map it to one of ${toList}` });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, map };
}
