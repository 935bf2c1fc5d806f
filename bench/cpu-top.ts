/**
 * `node dist/bench/cpu-top.js FILE.cpuprofile [N]`: the N (default 25) entries with the most self time in a V8 CPU
 * profile (as `node --cpu-prof` writes it; BENCH_CPU_PROF=DIR makes the serve rows write one), by function and file,
 * then self time summed by file. With a window.json beside the profile (written by the end-to-end row under
 * BENCH_CPU_PROF), only samples inside that span count.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function shortUrl(url: string): string {
  const i = url.indexOf('/dist/');
  if (i >= 0) return url.slice(i + 1);
  const m = url.indexOf('/node_modules/');
  if (m >= 0) return url.slice(m + 1);
  return url === '' ? '(native)' : url.replace(/^file:\/\//, '');
}

function main(): void {
  const [file, count] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: cpu-top FILE.cpuprofile [N]');
  const top = Number(count ?? 25);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const hits = new Map<string, number>();
  const byFile = new Map<string, number>();
  const windowFile = join(dirname(file), 'window.json');
  const span = existsSync(windowFile)
    ? (JSON.parse(readFileSync(windowFile, 'utf8')) as { fromUs: number; toUs: number })
    : { fromUs: -Infinity, toUs: Infinity };
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    const node = byId.get(id);
    if (node === undefined || at < span.fromUs || at > span.toUs) return;
    total += dt;
    const f = node.callFrame;
    const where = shortUrl(f.url);
    const key = `${f.functionName === '' ? '(anonymous)' : f.functionName}  ${where}${f.url === '' ? '' : `:${f.lineNumber + 1}`}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    hits.set(key, (hits.get(key) ?? 0) + 1);
    byFile.set(where, (byFile.get(where) ?? 0) + dt);
  });
  const idle = self.get('(idle)  (native)') ?? 0;
  self.delete('(idle)  (native)');
  byFile.set('(native)', (byFile.get('(native)') ?? 0) - idle);
  const busy = total - idle;
  const line = (ms: number, what: string): string =>
    `${ms.toFixed(1).padStart(9)} ms ${((100 * ms) / (busy / 1000)).toFixed(1).padStart(5)}%  ${what}`;
  process.stdout.write(
    `${file}: ${(total / 1e6).toFixed(2)} s sampled${Number.isFinite(span.fromUs) ? ' (the burst only)' : ''}, ${(busy / 1e6).toFixed(2)} s not idle (percentages of that)\n`,
  );
  // Samples as well as time: a thread waiting for a core is sampled once it runs again, and the wait is charged to
  // where it resumed (often a system call); on a busy machine the sample count is nearer the CPU time.
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
    process.stdout.write(`${line(us / 1000, key)}  [${hits.get(key) ?? 0} samples]\n`);
  process.stdout.write('by file:\n');
  for (const [where, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 15))
    process.stdout.write(`${line(us / 1000, where)}\n`);
}

main();
