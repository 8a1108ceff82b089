// Small pure helpers the query tests share to compute expected answers.

/** A stable text of a JSON value (object keys sorted): equal values, equal texts. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** PostgreSQL's percentile_cont over ascending values: linear interpolation between the closest ranks. */
export function percentileCont(sorted: readonly number[], p: number): number {
  const place = p * (sorted.length - 1);
  const low = Math.floor(place);
  const high = Math.ceil(place);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (place - low);
}
