// Which events an endpoint receives. An endpoint lists event types or
// patterns: an exact type ('record.created'), every type under a prefix
// ('record.*', 'tenant.*') or everything ('*'). Matching is done in SQL with
// array overlap: an event matches an endpoint when one of the patterns that
// would match it (patternsMatching) is among the endpoint's.

/** An event type or a pattern an endpoint may list. */
export const EVENT_PATTERN = '^(\\*|[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*(\\.\\*)?)$';

const PATTERN = new RegExp(EVENT_PATTERN);

export function isEventPattern(value: string): boolean {
  return PATTERN.test(value);
}

/**
 * Every pattern that matches `type`: itself, each of its prefixes with `.*`
 * and `*`. 'record.created' → ['record.created', 'record.*', '*'].
 */
export function patternsMatching(type: string): string[] {
  const parts = type.split('.');
  const patterns = [type];
  for (let length = parts.length - 1; length >= 1; length -= 1) patterns.push(`${parts.slice(0, length).join('.')}.*`);
  patterns.push('*');
  return patterns;
}

/** Whether an endpoint listing `patterns` receives events of `type` (the SQL overlap, for tests and the docs). */
export function matchesAny(patterns: readonly string[], type: string): boolean {
  const matching = new Set(patternsMatching(type));
  return patterns.some((pattern) => matching.has(pattern));
}
