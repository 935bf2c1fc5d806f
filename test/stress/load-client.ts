/**
 * One console's view of the summary stream for the load scenario (load-scenario.ts): runs encoded as one number
 * each, and the client that keeps them and checks every transition against the table (SPEC 15.2, 16.1).
 */
import { WebSocket } from 'ws';
import { CompactDecoder } from '../../shared/api/compact-runs.js';
import type { SummaryMessage } from '../../shared/api/console-api.js';
import { RUN_STATES, TRANSITIONS, isFinished, type RunState } from '../../shared/model/states.js';

/** The summary fields a view keeps (SPEC 15.2), as the stream, the API and the database give them. */
export interface SummaryFields {
  run_id: string;
  job_id: string;
  args: Record<string, string>;
  state: string;
  times: Record<string, string>;
  labels: readonly string[];
  expected?: boolean;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const sorted = (o: Record<string, string>): string =>
  Object.keys(o)
    .sort()
    .map((k) => `${k}=${o[k] ?? ''}`)
    .join(',');

/**
 * A run as one number: fingerprint of its summary × 64 + state index × 2 + expected. Fifty views of 50,000 runs
 * then take a few MB each; the summaries themselves would take GBs in the test process.
 */
export function encode(s: SummaryFields): number {
  const expected = s.expected === true ? 1 : 0;
  const text = `${s.run_id}|${s.job_id}|${sorted(s.args)}|${s.state}|${expected}|${sorted(s.times)}|${s.labels.join(',')}`;
  const state = RUN_STATES.indexOf(s.state as RunState);
  return fnv1a(text) * 64 + (state < 0 ? 31 : state) * 2 + expected;
}

const stateOf = (v: number): RunState | undefined => RUN_STATES[Math.floor((v % 64) / 2)];
export const fingerprintOf = (v: number): number => Math.floor(v / 64);
export const isFinishedValue = (v: number): boolean => {
  const s = stateOf(v);
  return s !== undefined && isFinished(s);
};

/** Order along a run's life: a transition replayed after an init goes back at most to where the init showed it. */
const RANK: Record<RunState, number> = {
  new: 0,
  scheduled: 1,
  waiting: 2,
  starting: 3,
  running: 4,
  stopping: 5,
  success: 6,
  failure: 6,
  error: 6,
  skipped: 6,
};
const MAX_RECONNECTS = 5;
/** The server sends at most this many messages per frame; a shorter frame ends an init (SPEC 16.1). */
const FRAME_MESSAGES = 4096;

export function text(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString();
  return (Buffer.isBuffer(data) ? data : Buffer.from(data)).toString();
}

/**
 * A summary stream client that keeps its own map of runs as the console does (renderer/src/lib/summary-model.ts):
 * init, then transitions and deletes. It checks that every run it saw created moves through the transition table
 * one step at a time (a dropped or repeated message shows), and reconnects with init after 1 s when closed.
 */
export class SummaryClient {
  /** Run number → encoded summary. */
  readonly runs = new Map<number, number>();
  /** Runs from an init not changed since: their first transition may replay one the init already showed. */
  private readonly fromInit = new Set<number>();
  /** Finished runs deleted from the view (retired): how many, and the sum of their fingerprints. */
  retiredCount = 0;
  retiredDigest = 0;
  messages = 0;
  frames = 0;
  bytes = 0;
  lastMessageAt = Date.now();
  /** When the current connection's init was complete (a short frame, or the first change after it). */
  initDoneAt = 0;
  reconnects = 0;
  anomalies = 0;
  readonly anomalyExamples: string[] = [];
  private readonly closes: string[] = [];
  private ws: WebSocket | null = null;
  /** The tables of the current connection's compact init. */
  private decoder = new CompactDecoder();
  private retry: NodeJS.Timeout | null = null;
  private ended = false;
  private pausedAt = 0;
  private resumedAt = 0;
  private caughtUpAt = 0;

  constructor(private readonly url: string) {}

  /** Opens the stream with init; resolves on the first frame. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url);
      this.ws = ws;
      let first = true;
      const timer = setTimeout(() => reject(new Error('no init frame within 60 s')), 60_000);
      ws.on('message', (data: WebSocket.RawData) => {
        if (first) {
          first = false;
          clearTimeout(timer);
          this.reset();
          this.initDoneAt = 0;
          resolve();
        }
        this.onFrame(text(data));
      });
      ws.on('error', (e) => reject(e)); // 'close' follows
      ws.on('close', (code, reason) => {
        clearTimeout(timer);
        if (this.ended) return;
        this.closes.push(`${code}${reason.length > 0 ? ` "${reason.toString()}"` : ''}`);
        reject(new Error(`summary stream closed: ${code}`));
        if (this.reconnects >= MAX_RECONNECTS) return;
        this.reconnects += 1;
        // The console reconnects after 1 s and starts again from init (SPEC 16.1).
        this.retry = setTimeout(() => {
          this.retry = null;
          this.connect().catch(() => {});
        }, 1000);
      });
    });
  }

  pause(): void {
    this.pausedAt = Date.now();
    this.ws?.pause();
  }

  resume(): void {
    this.resumedAt = Date.now();
    this.ws?.resume();
  }

  /** What happened to a paused client; times from `begin`. */
  story(begin: number): string {
    const after = this.caughtUpAt > 0 ? ((this.caughtUpAt - this.resumedAt) / 1000).toFixed(1) : '?';
    const paused = `${((this.resumedAt - this.pausedAt) / 1000).toFixed(1)} s from ${((this.pausedAt - begin) / 1000).toFixed(0)} s`;
    if (this.closes.length === 0)
      return `paused ${paused}, never disconnected; caught up ${after} s after resuming`;
    return `paused ${paused}; closed by the server: ${this.closes.join(', ')}; reconnected ${this.reconnects}x with init`;
  }

  /** Closes for good. */
  end(): void {
    this.ended = true;
    if (this.retry !== null) clearTimeout(this.retry);
    this.ws?.terminate();
  }

  private reset(): void {
    this.decoder = new CompactDecoder();
    this.runs.clear();
    this.fromInit.clear();
    this.retiredCount = 0;
    this.retiredDigest = 0;
  }

  private onFrame(frame: string): void {
    const now = Date.now();
    // Caught up: after resuming, the backlog comes back to back; the first gap of a batch period ends it.
    if (
      this.resumedAt > 0 &&
      this.caughtUpAt === 0 &&
      now - this.lastMessageAt > 300 &&
      this.lastMessageAt > this.resumedAt
    )
      this.caughtUpAt = this.lastMessageAt;
    this.frames += 1;
    this.bytes += frame.length;
    this.lastMessageAt = now;
    const messages = JSON.parse(frame) as SummaryMessage[];
    this.messages += messages.length;
    const compact = messages.some((m) => m.type === 'run_summaries');
    if (
      this.initDoneAt === 0 &&
      (compact
        ? messages.some((m) => m.type === 'run_summaries' && m.last)
        : messages.length < FRAME_MESSAGES ||
          messages.some((m) => m.type.startsWith('run_') && m.type !== 'run_summary'))
    )
      this.initDoneAt = now;
    for (const m of messages) {
      if (m.type === 'run_summary') this.fromInitRun(m.run_summary);
      else if (m.type === 'run_summaries') {
        // A compact init (?init&compact=1): the same summaries, read from its rows.
        this.decoder.extend(m);
        for (const row of m.runs) this.fromInitRun(this.decoder.summary(row));
      } else if (m.type === 'run_transition') this.transition(m.run_summary);
      else if (m.type === 'run_delete') this.delete(m.run_id);
    }
  }

  private fromInitRun(s: SummaryFields): void {
    const n = Number(s.run_id.slice(1));
    this.runs.set(n, encode(s));
    this.fromInit.add(n);
  }

  private anomaly(message: string): void {
    this.anomalies += 1;
    if (this.anomalyExamples.length < 5) this.anomalyExamples.push(message);
  }

  private transition(s: SummaryFields & { state: RunState }): void {
    const n = Number(s.run_id.slice(1));
    const prev = this.runs.get(n);
    const to = s.state;
    if (prev === undefined) {
      if (to !== 'scheduled' && to !== 'error') this.anomaly(`${s.run_id} first seen in state ${to}`);
    } else {
      const from = stateOf(prev) ?? 'new';
      const replay = this.fromInit.delete(n) && RANK[to] <= RANK[from];
      if (!replay && from === to) this.anomaly(`${s.run_id}: ${to} twice`);
      else if (!replay && !(TRANSITIONS[to] as readonly RunState[]).includes(from))
        this.anomaly(`${s.run_id}: ${from} → ${to}`);
    }
    this.runs.set(n, encode(s));
  }

  private delete(runId: string): void {
    const n = Number(runId.slice(1));
    const prev = this.runs.get(n);
    // A run deleted while an init was being sent was left out of it; its run_delete still comes.
    if (prev === undefined) return;
    this.runs.delete(n);
    this.fromInit.delete(n);
    if (prev % 2 === 1) return; // an expected run removed by the reload: never in the database
    if (!isFinishedValue(prev)) this.anomaly(`${runId} deleted while ${stateOf(prev) ?? '?'}`);
    this.retiredCount += 1;
    this.retiredDigest += fingerprintOf(prev);
  }
}
