/** Facts read from a run's times (pure). */

/** Seconds from `running` to the end (success, failure or error), or to `now` while it runs; null if it never ran. */
export function runElapsed(times: Record<string, string>, now: number): number | null {
  const start = times['running'];
  if (start === undefined) return null;
  const end = times['success'] ?? times['failure'] ?? times['error'];
  return ((end === undefined ? now : Date.parse(end)) - Date.parse(start)) / 1000;
}
