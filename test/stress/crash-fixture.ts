/**
 * The fixture of the crash stress (crash-scenario.ts): the job folder, the timing constants, the report's shape and
 * small helpers shared by the scenario and its end-of-scenario checks (crash-checks.ts).
 */
import type { ChildProcess } from 'node:child_process';
import type { RunCollection, RunJson, RunSummary } from '../../shared/model/run.js';
import type { RunState } from '../../shared/model/states.js';

/** Interval occurrences whose time fell while the engine was down, and how many of them ran. */
export interface CatchUp {
  downtimeMs: number;
  due: number;
  ran: number;
}

export interface CrashReport {
  seed: number;
  rounds: number;
  /** Runs the API confirmed creating (POST answered). */
  runsCreated: number;
  /** POSTs cut off by a kill: their runs may or may not exist. */
  postsCutOff: number;
  /** Distinct runs the API reported (created, caught up, scheduled by actions), all checked at the end. */
  runsChecked: number;
  /** Rows of the runs table after the final shutdown, and non-expected runs of the API's last listing. */
  dbRuns: number;
  apiRuns: number;
  /** Spawn → `listening on` line, per start (the first is a fresh database). */
  startMs: number[];
  /** Restart → no active run without a process, per restart. */
  settleMs: number[];
  catchUp: CatchUp[];
  /** Interval occurrences that ran, and the latest start of one not caught up (ms after its time). */
  ticks: number;
  maxTickLatenessMs: number;
  /** Final state → count. */
  finalStates: Record<string, number>;
  /** Why runs ended in error (from their run logs) → count. */
  errorReasons: Record<string, number>;
  /** Transitions of `chain` whose action made no run (each one also a violation: actions are never lost). */
  actionsLost: number;
  wallMs: number;
  violations: string[];
}

export const INTERVAL_MS = 2000;
/** Longer than an interval, so every downtime window holds at least one occurrence to catch up. */
export const DOWNTIME_MS: [number, number] = [2100, 3500];
export const START_TIMEOUT_MS = 30_000;
export const HTTP_TIMEOUT_MS = 15_000;
export const POLL_MS = 250;
export const SETTLE_MS = 15_000;
export const DRAIN_MS = 60_000;
/** Clock slack between our observations and the engine's time stamps (same host clock). */
export const MARGIN_MS = 100;
/** A caught-up occurrence starts this soon after the engine listens (SPEC 12.2: "started at once"). */
export const CATCH_UP_SLACK_MS = 5000;
export const ACTIVE: ReadonlySet<RunState> = new Set(['starting', 'running', 'stopping']);

/** `k` as the key name (any plain word that YAML 1.1 reads as a string would do). */
export const JOBS: Record<string, string> = {
  'sh.yaml': 'params: [k]\nprogram: "sleep 0.{{ k }}; echo hi {{ k }}"\n',
  'slow.yaml': 'params: [k]\nprogram: "sleep 1.{{ k }}; echo slow {{ k }}"\n',
  'fail.yaml': 'params: [k]\nprogram: "sleep 0.{{ k }}; echo failing {{ k }} >&2; exit 3"\n',
  'noop.yaml': 'params: [k]\nprogram: {type: no-op, duration: 0.3}\n',
  'nap.yaml': 'params: [k]\nprogram: {type: no-op, duration: "1.{{ k }}"}\n',
  'dep.yaml':
    'params: [k]\ncondition: {type: dependency, job_id: sh, states: success, exist: true}\n' +
    'program: {type: no-op, duration: 0.1}\n',
  'limited.yaml': 'condition: {type: max_running, count: 2}\nprogram: "sleep 0.4; echo limited"\n',
  'chain.yaml':
    'params: [k]\nprogram: "sleep 0.{{ k }}; test {{ k }} -lt 7"\nsuccessors: after\n' +
    'action: {type: schedule, job_id: notify, if: {states: [failure, error]}}\n',
  'after.yaml': 'params: [k]\nprogram: {type: no-op, duration: 0.2}\n',
  'notify.yaml': 'params: [k]\nprogram: "echo notify {{ k }}"\n',
  'tick.yaml': 'params: [time]\nschedule: {type: interval, interval: 2s}\nprogram: "echo tick {{ time }}"\n',
};
/** Jobs the scenario schedules, with weights; `after` and `notify` come from actions, `tick` from its schedule. */
export const MIX: [string, number][] = [
  ['sh', 25],
  ['slow', 10],
  ['fail', 10],
  ['noop', 15],
  ['nap', 10],
  ['dep', 10],
  ['limited', 8],
  ['chain', 12],
];
export const PROCESS_JOBS = new Set(['sh', 'slow', 'fail', 'limited', 'chain', 'notify', 'tick']);
/** Error reasons a crash may legitimately cause (SPEC 12.3) or the jobs produce (8.3 `exist`). */
export const EXPECTED_ERRORS = [
  /^restored starting: might have started$/,
  /^no dependency sh\(k=\d\) exists in /,
];

export type Summaries = RunCollection<RunSummary>;

export interface Engine {
  child: ChildProcess;
  url: string;
  spawnedAt: number;
  listeningAt: number;
  exited: Promise<void>;
}

export type KillPlan = { afterPosts: number; onAnswer: boolean } | { afterMs: number };

export interface Seen {
  jobId: string;
  args: string;
  state: RunState;
  /** Reported lost once; not checked again. */
  lost?: true;
}

/** One restart: the kill, the spawn of the next engine and when it listened; down over [killAt, spawnedAt). */
export interface Downtime {
  killAt: number;
  spawnedAt: number;
  listeningAt: number;
}

// ---- small helpers -----------------------------------------------------------------------------------

/** A small seeded PRNG (mulberry32): the same seed gives the same plan. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** One run, or null when the engine says 404. */
export async function getRun(url: string, id: string): Promise<RunJson | null> {
  const res = await fetch(`${url}/api/v1/runs/${id}`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`GET run ${id}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as RunCollection).runs[id] ?? null;
}

export function programPid(run: RunJson | null): number | null {
  const program = run?.meta['program'];
  if (typeof program !== 'object' || program === null) return null;
  const pid = (program as Record<string, unknown>)['pid'];
  return typeof pid === 'number' ? pid : null;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const ms = (n: number): string => `${(n / 1000).toFixed(2)} s`;
export const isoOf = (t: number): string => (Number.isFinite(t) ? new Date(t).toISOString() : 'never');
