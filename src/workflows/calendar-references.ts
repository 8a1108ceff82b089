// Where a stored workflow definition names a business calendar: state SLAs,
// state timeouts and start_timer effects (definition.ts). Reads the stored
// JSON tolerantly (it was validated when published): anything not shaped as
// expected simply names no calendar.

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** JSON Pointers into the definition of every place that names calendar `key`. */
export function calendarReferences(definition: unknown, key: string): string[] {
  if (!isObject(definition)) return [];
  const pointers: string[] = [];
  listOf(definition.states).forEach((state, s) => {
    if (!isObject(state)) return;
    if (isObject(state.sla) && state.sla.calendar === key) pointers.push(`/states/${s}/sla/calendar`);
    listOf(state.timeouts).forEach((timeout, t) => {
      if (isObject(timeout) && timeout.calendar === key) pointers.push(`/states/${s}/timeouts/${t}/calendar`);
    });
  });
  listOf(definition.transitions).forEach((transition, t) => {
    if (!isObject(transition)) return;
    listOf(transition.effects).forEach((effect, e) => {
      if (isObject(effect) && isObject(effect.start_timer) && effect.start_timer.calendar === key) {
        pointers.push(`/transitions/${t}/effects/${e}/start_timer/calendar`);
      }
    });
  });
  return pointers;
}
