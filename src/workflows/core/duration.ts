// Durations as definitions write them (`4h`, `1h30m`, `2d`, `90s`, `1w`) and
// the signed offsets of the `now` value expression (`+2d`, `-1h`). Parts come
// largest unit first, each unit at most once, each a positive integer; a day
// is 24 hours and a week 7 days of *elapsed* time here: calendar.ts decides
// how that time is counted under a business calendar.
import type { Duration } from './definition.ts';

const UNIT_MS = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;
const PARTS = /^(?:([1-9]\d{0,6})w)?(?:([1-9]\d{0,6})d)?(?:([1-9]\d{0,6})h)?(?:([1-9]\d{0,8})m)?(?:([1-9]\d{0,9})s)?$/;

/** The longest duration a definition may write: an SLA or timeout more than a year away is a mistake. */
export const MAX_DURATION_MS = 366 * UNIT_MS.d;

/** What a parse error message says a duration looks like. */
export const DURATION_HINT = 'must be a duration such as 90s, 15m, 4h, 1h30m, 2d or 1w (at most 366 days)';
export const OFFSET_HINT = 'must be a signed duration such as +2d, -1h or +1h30m (at most 366 days)';

/** A signed duration: `ms` is negative for `-…`. */
export interface Offset {
  readonly text: string;
  readonly ms: number;
}

export function parseDuration(text: string): Duration | null {
  if (typeof text !== 'string' || text === '') return null;
  const match = PARTS.exec(text);
  if (!match) return null;
  const units = ['w', 'd', 'h', 'm', 's'] as const;
  let ms = 0;
  units.forEach((unit, index) => {
    const part = match[index + 1];
    if (part !== undefined) ms += Number(part) * UNIT_MS[unit];
  });
  if (ms <= 0 || ms > MAX_DURATION_MS) return null;
  return { text, ms };
}

/** `+2d` / `-1h`: the sign is required so that a reader never guesses the direction. */
export function parseOffset(text: string): Offset | null {
  if (typeof text !== 'string' || text.length < 3) return null;
  const sign = text[0];
  if (sign !== '+' && sign !== '-') return null;
  const duration = parseDuration(text.slice(1));
  if (!duration) return null;
  return { text, ms: sign === '-' ? -duration.ms : duration.ms };
}
