/** Fuzzy job ID matching of the API (SPEC 15.1). */

const words = (s: string): string[] => s.split(/[^A-Za-z0-9]+/).filter((w) => w !== '');

/** The job ID that `target` names: exact, else the one job whose words each target word prefixes. */
export function matchJobId(
  target: string,
  jobIds: Iterable<string>,
): { ok: true; jobId: string } | { ok: false; error: string } {
  const ids = [...jobIds];
  if (ids.includes(target)) return { ok: true, jobId: target };
  const want = words(target);
  const matches =
    want.length === 0
      ? []
      : ids.filter((id) => {
          const have = words(id);
          return want.every((w) => have.some((h) => h.startsWith(w)));
        });
  if (matches.length === 1) return { ok: true, jobId: matches[0] as string };
  if (matches.length === 0) return { ok: false, error: `no job id match: ${target}` };
  const listed = matches.sort().slice(0, 8).join(', ');
  return { ok: false, error: `ambiguous job id: ${listed}${matches.length > 8 ? ', …' : ''}` };
}
