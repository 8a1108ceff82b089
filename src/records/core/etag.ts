// Entity tags of records: the record version in quotes (`"3"`), strong.

export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * Whether an If-Match header (RFC 9110 §13.1.1) matches the current version:
 * `*`, or any listed tag equal to it. Weak tags (`W/"3"`) are compared by
 * their value, as a client that got one from a proxy means the same version.
 * A malformed header matches nothing, so it is refused as stale, never ignored.
 */
export function ifMatchAccepts(header: string, version: number): boolean {
  const trimmed = header.trim();
  if (trimmed === '*') return true;
  return trimmed.split(',').some((tag) => /^(W\/)?"(\d{1,10})"$/.exec(tag.trim())?.[2] === String(version));
}
