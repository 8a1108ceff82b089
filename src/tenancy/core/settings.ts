// Validation of an organisation's settings against what the runtime knows:
// IANA time zones and BCP 47 locales (Intl), and the billing currencies.
export const CURRENCIES = ['BRL', 'USD', 'EUR'] as const;
export type Currency = (typeof CURRENCIES)[number];

const TIME_ZONES: ReadonlySet<string> = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);

export function isTimeZone(value: string): boolean {
  return TIME_ZONES.has(value);
}

/** A well-formed BCP 47 tag, in its canonical spelling (pt-br → pt-BR). */
export function canonicalLocale(value: string): string | null {
  try {
    const [canonical] = Intl.getCanonicalLocales(value);
    return canonical ?? null;
  } catch {
    return null;
  }
}
