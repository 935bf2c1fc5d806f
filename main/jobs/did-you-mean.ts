/** Suggests the closest allowed word for a misspelt key or type name. */

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = row[j] as number;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

/** The allowed word nearest to `word` when it is close enough to be a typo, else null. */
export function didYouMean(word: string, allowed: readonly string[]): string | null {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | null = null;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const candidate of allowed) {
    const c = candidate.toLowerCase();
    // The edit distance is at least the difference in length: a much longer word (a 1 MB key) is no typo of
    // `program`, and measuring it would cost its length times the candidate's.
    if (Math.abs(c.length - lower.length) > limit) continue;
    const d =
      c.startsWith(lower) || lower.startsWith(c) ? Math.abs(c.length - lower.length) : distance(lower, c);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= limit ? best : null;
}
