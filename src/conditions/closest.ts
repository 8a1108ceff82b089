// "Did you mean" suggestions for unknown names: small edit distance or a shared prefix.

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

export function closeMatches(name: string, candidates: Iterable<string>, limit = 5): string[] {
  const lower = name.toLowerCase();
  const scored: { candidate: string; score: number }[] = [];
  for (const candidate of new Set(candidates)) {
    const score = distance(lower, candidate.toLowerCase());
    const related = candidate.startsWith(lower) || lower.startsWith(candidate) || candidate.includes(lower);
    if (score <= Math.max(2, Math.floor(name.length / 3)) || (related && lower.length >= 2)) scored.push({ candidate, score });
  }
  return scored.sort((a, b) => a.score - b.score || (a.candidate < b.candidate ? -1 : 1)).slice(0, limit).map((entry) => entry.candidate);
}
