/**
 * "Did you mean ...?" for unknown names (workflow callees, flow and job names, definition keys, CLI
 * arguments): the closest candidate within a small edit distance. One place, so every message reads alike.
 */

/** ` (did you mean 'x'?)`, or '' when no candidate is close. */
export function suggest(name: string, candidates: Iterable<string>): string {
  const best = closest(name, candidates);
  return best === undefined ? '' : ` (did you mean '${best}'?)`;
}

/** The candidate closest to `name` within a small edit distance (case differences count as half), if any. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDist = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    // A difference of case only ("Flow" for "flow") is the likeliest slip: it wins over any other edit.
    const d = c === name ? 0 : c.toLowerCase() === name.toLowerCase() ? 0.5 : distance(name, c, bestDist);
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

function distance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev = Array.from({ length: b.length + 1 }, (_, k) => k);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}
