/**
 * The live streams of SPEC 16 for every transport (WebSocket, IPC): a feed subscribes to the engine's events, which
 * arrive only once committed, and hands messages to a sink: init, 0.5 s batches of at most 4096 messages for the
 * summary, one message per change for a run, byte ranges for output. Everything here belongs to one engine: two
 * engines in one process (the desktop switching folders) share nothing.
 */
import { CompactEncoder } from '../../shared/api/compact-runs.js';
import type { RunStreamMessage, SummaryMessage } from '../../shared/api/console-api.js';
import { isFinished } from '../../shared/model/states.js';
import type { App } from '../engine/app.js';
import type { Job } from '../jobs/job.js';
import type { TransitionEvent } from '../engine/engine-types.js';
import { summaryExtra, toSummary, type Run } from '../engine/run.js';
import { jobJson } from '../jobs/job-json.js';
import { OUTPUT_INFO, outputsOf, storedOutput, visibleRun } from './views.js';

const FRAME_MESSAGES = 4096;
/** Runs of a compact init's first chunk: enough to fill a screen around the present, sent at once. */
const FIRST_CHUNK = 1024;
const BATCH_MS = 500;
/** Past this backlog the subscriber starts again from init, as a WebSocket client closed with 1013 would. */
const MAX_BACKLOG = 100_000;

/** Stops a feed; idempotent. */
export type StopFeed = () => void;

/** Receives output bytes `data` from byte `start` up to `end`, or `null` once everything was sent. */
export type OutputSink = (
  chunk: { data: Buffer; start: number; end: number; contentType: string } | null,
) => void;

/** One frame of the summary stream: its messages, and their JSON text made once for every subscriber. */
export interface SummaryFrame {
  readonly messages: SummaryMessage[];
  json(): string;
}

/** Receives summary frames; `reset` on the first frame of an init, after which the console starts afresh. */
export type SummarySink = (frame: SummaryFrame, reset: boolean) => void;

export interface SummaryFeedOptions {
  /** Send the init first (SPEC 16.1 `?init`); default true. */
  init?: boolean;
  /** True when the transport's own buffer is too full (a WebSocket's bufferedAmount). */
  tooSlow?: () => boolean;
  /**
   * What to do when the subscriber falls too far behind: a WebSocket is closed with 1013 and its client reconnects
   * with init; by default (IPC) the feed drops its backlog and sends a fresh init itself.
   */
  onOverflow?: () => void;
  /**
   * The init's runs as compact chunks (`run_summaries`, at most 4096 runs each, the runs nearest the present
   * first) instead of one `run_summary` message per run; live changes are the same either way.
   */
  compact?: boolean;
}

function frame(messages: SummaryMessage[]): SummaryFrame {
  let text: string | undefined;
  return { messages, json: () => (text ??= JSON.stringify(messages)) };
}

function framesOf(messages: SummaryMessage[]): SummaryFrame[] {
  const frames: SummaryFrame[] = [];
  for (let i = 0; i < messages.length; i += FRAME_MESSAGES)
    frames.push(frame(messages.slice(i, i + FRAME_MESSAGES)));
  return frames;
}

/**
 * Init frames and batch deliveries of every subscriber, one per event-loop turn in arrival order: fifty consoles
 * reconnecting at once cost fifty inits of CPU, but never block the engine's loop for longer than one frame.
 */
class Pacer {
  private readonly tasks: (() => void)[] = [];
  private scheduled = false;

  run(task: () => void): Promise<void> {
    return new Promise((resolve) => {
      this.tasks.push(() => {
        try {
          task();
        } finally {
          resolve();
        }
      });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.next());
      }
    });
  }

  private next(): void {
    this.tasks.shift()?.();
    if (this.tasks.length > 0) setImmediate(() => this.next());
    else this.scheduled = false;
  }
}

/**
 * The summary feed of one App, shared by all its subscribers: one set of engine listeners, one queue, one 0.5 s
 * batch, and each frame serialized once however many subscribers receive it.
 */
class SummaryHub {
  private readonly subs = new Set<SummarySubscriber>();
  private queue: SummaryMessage[] = [];
  private flushing = false;
  private offs: (() => void)[] = [];
  readonly pacer = new Pacer();

  constructor(private readonly app: App) {}

  add(sub: SummarySubscriber): void {
    if (this.subs.size === 0) this.listen();
    this.subs.add(sub);
    // Messages queued before it joined are older than its init: it gets only later ones (SPEC 16.1).
    sub.joinedAt = this.queue.length;
  }

  remove(sub: SummarySubscriber): void {
    if (!this.subs.delete(sub) || this.subs.size > 0) return;
    for (const off of this.offs) off();
    this.offs = [];
    this.app.summaryPublisher.len_queues -= this.queue.length;
    this.queue = [];
  }

  private listen(): void {
    const engine = this.app.engine;
    const push = (m: SummaryMessage) => this.push(m);
    this.offs = [
      engine.events.on('transition', (e) => push({ type: 'run_transition', run_summary: e.summary })),
      engine.events.on('delete', (runId) => push({ type: 'run_delete', run_id: runId })),
      engine.events.on('job', (job, kind) => {
        if (!job.adHoc)
          push({
            type: kind === 'add' ? 'job_add' : 'job',
            job: jobJson(job, engine.clock.now(), engine.loadErrorJobs.has(job.jobId)),
          });
      }),
      engine.events.on('job_delete', (jobId) => push({ type: 'job_delete', job_id: jobId })),
      engine.events.on('job_errors', (errors) => push({ type: 'job_errors', errors: [...errors] })),
    ];
  }

  private push(m: SummaryMessage): void {
    this.queue.push(m);
    this.app.summaryPublisher.len_queues += 1;
    if (this.flushing) return;
    this.flushing = true;
    const engine = this.app.engine;
    void engine.clock.sleepUntil(engine.clock.now() + BATCH_MS).then(() => this.flush());
  }

  private flush(): void {
    this.flushing = false;
    const batch = this.queue;
    this.queue = [];
    this.app.summaryPublisher.len_queues -= batch.length;
    if (batch.length === 0) return;
    let shared: SummaryFrame[] | undefined;
    for (const sub of [...this.subs]) {
      const joinedAt = sub.joinedAt;
      sub.joinedAt = 0;
      if (joinedAt >= batch.length) continue;
      const frames = joinedAt === 0 ? (shared ??= framesOf(batch)) : framesOf(batch.slice(joinedAt));
      // One subscriber per turn, in the same FIFO as init frames (so each one's order holds): a minute's burst of
      // thousands of messages to fifty clients never holds the engine's loop at once.
      void this.pacer.run(() => sub.receive(frames));
    }
  }
}

/** One subscriber of a hub: its init, then the hub's batches, held while its init is still going out. */
class SummarySubscriber {
  /** Messages of the hub's current queue that came before this subscriber. */
  joinedAt = 0;
  private closed = false;
  private initializing = false;
  private held: SummaryFrame[] = [];
  private heldMessages = 0;
  /** Bumped by each init, so an init overtaken by a newer one stops. */
  private generation = 0;

  constructor(
    private readonly app: App,
    private readonly hub: SummaryHub,
    private readonly sink: SummarySink,
    private readonly options: SummaryFeedOptions,
  ) {}

  start(): void {
    this.app.summaryPublisher.num_subs += 1;
    this.hub.add(this);
    if (this.options.init !== false) void this.init();
  }

  stop(): void {
    if (this.closed) return;
    this.closed = true;
    this.app.summaryPublisher.num_subs -= 1;
    this.held = [];
    this.hub.remove(this);
  }

  receive(frames: SummaryFrame[]): void {
    if (this.closed) return;
    if (this.options.tooSlow?.() === true) return this.overflow();
    if (!this.initializing) {
      for (const f of frames) if (!this.deliver(f, false)) return;
      return;
    }
    this.held.push(...frames);
    for (const f of frames) this.heldMessages += f.messages.length;
    if (this.heldMessages > MAX_BACKLOG) this.overflow();
  }

  private overflow(): void {
    this.held = [];
    this.heldMessages = 0;
    if (this.options.onOverflow !== undefined) this.options.onOverflow();
    else void this.init();
  }

  private deliver(f: SummaryFrame, reset: boolean): boolean {
    try {
      this.sink(f, reset);
      return true;
    } catch (e) {
      // A sink that cannot deliver (its window gone) ends the feed; the subscriber starts again with init.
      console.error('apsis: summary feed stopped:', e);
      this.stop();
      return false;
    }
  }

  /**
   * Jobs and job errors, then every run in memory, paced one frame per turn with other subscribers' inits. Each
   * frame's messages are made just before it is sent, so 100,000 runs never block the engine's loop for the whole
   * init (SPEC 20); a run deleted meanwhile is left out, and one changed meanwhile also comes as a run_transition.
   */
  private async init(): Promise<void> {
    const generation = ++this.generation;
    this.initializing = true;
    const engine = this.app.engine;
    const jobs = [...engine.jobs.values()];
    if (this.options.compact === true) return this.compactInit(generation, jobs);
    const runIds = Array.from(engine.runs.all(), (run) => run.runId);
    const total = jobs.length + 1 + runIds.length;
    for (let i = 0, first = true; first || i < total; first = false) {
      let ok = true;
      await this.hub.pacer.run(() => {
        if (this.closed || generation !== this.generation) return;
        const now = engine.clock.now();
        const messages: SummaryMessage[] = [];
        for (; i < total && messages.length < FRAME_MESSAGES; i += 1) {
          if (i < jobs.length) {
            const job = jobs[i] as (typeof jobs)[number];
            messages.push({ type: 'job', job: jobJson(job, now, engine.loadErrorJobs.has(job.jobId)) });
          } else if (i === jobs.length) messages.push({ type: 'job_errors', errors: [...engine.jobErrors] });
          else {
            const held = engine.runs.get(runIds[i - jobs.length - 1] as string);
            const run = held === undefined ? undefined : visibleRun(this.app, held);
            if (run !== undefined) messages.push({ type: 'run_summary', run_summary: toSummary(run) });
          }
        }
        ok = this.deliver(frame(messages), first);
      });
      if (!ok || this.closed || generation !== this.generation) return;
    }
    this.endInit();
  }

  /**
   * The compact init (`?init&compact=1`): jobs and job errors as in a full init, then the runs in `run_summaries`
   * chunks, nearest the present first, so a console can show the rows around "now" from the first frame.
   */
  private async compactInit(generation: number, jobs: Job[]): Promise<void> {
    const engine = this.app.engine;
    const runIds = nearestNowFirst(engine.runs.all(), engine.clock.now());
    const encoder = new CompactEncoder();
    const head = jobs.length + 1;
    let r = 0;
    let last = false;
    for (let i = 0, first = true; !last; first = false) {
      let ok = true;
      await this.hub.pacer.run(() => {
        if (this.closed || generation !== this.generation) return;
        const now = engine.clock.now();
        const messages: SummaryMessage[] = [];
        for (; i < head && messages.length < FRAME_MESSAGES; i += 1) {
          if (i < jobs.length) {
            const job = jobs[i] as Job;
            messages.push({ type: 'job', job: jobJson(job, now, engine.loadErrorJobs.has(job.jobId)) });
          } else messages.push({ type: 'job_errors', errors: [...engine.jobErrors] });
        }
        if (i === head && messages.length < FRAME_MESSAGES) {
          const end = Math.min(runIds.length, r + (r === 0 ? FIRST_CHUNK : FRAME_MESSAGES));
          for (; r < end; r += 1) {
            const held = engine.runs.get(runIds[r] as string);
            const run = held === undefined ? undefined : visibleRun(this.app, held);
            if (run === undefined) continue;
            encoder.add({
              runId: run.runId,
              jobId: run.jobId,
              state: run.state,
              args: run.args,
              labels: run.labels,
              times: run.times,
              extra: summaryExtra(run),
            });
          }
          last = r >= runIds.length;
          messages.push(encoder.chunk(runIds.length, last));
        }
        ok = this.deliver(frame(messages), first);
      });
      if (!ok || this.closed || generation !== this.generation) return;
    }
    this.endInit();
  }

  private endInit(): void {
    // Batches that came during the init follow it, in order.
    this.initializing = false;
    const held = this.held;
    this.held = [];
    this.heldMessages = 0;
    for (const f of held) if (!this.deliver(f, false)) return;
  }
}

/** A run's sort time (SPEC 19.3): its schedule time, else running, else error time (epoch ms). */
function sortTime(run: Run): number {
  return run.times['schedule'] ?? run.times['running'] ?? run.times['error'] ?? 0;
}

/**
 * Run IDs in the order a compact init sends them: first the runs just before and just after `now` (what a console
 * opened at the present shows), then the later ones nearest first, then the earlier ones newest first.
 */
function nearestNowFirst(runs: Iterable<Run>, now: number): string[] {
  const held = Array.from(runs);
  const keys = new Float64Array(held.length);
  for (let i = 0; i < held.length; i += 1) keys[i] = sortTime(held[i] as Run);
  const order = Array.from(held.keys()).sort((a, b) => (keys[a] as number) - (keys[b] as number) || a - b);
  let p = 0;
  while (p < order.length && (keys[order[p] as number] as number) <= now) p += 1;
  const after = Math.min(order.length - p, FIRST_CHUNK >> 2);
  const before = Math.min(p, FIRST_CHUNK - after);
  const ids: string[] = [];
  const push = (k: number): void => void ids.push((held[order[k] as number] as Run).runId);
  for (let k = p - before; k < p + after; k += 1) push(k);
  for (let k = p + after; k < order.length; k += 1) push(k);
  for (let k = p - before - 1; k >= 0; k -= 1) push(k);
  return ids;
}

/** The live feeds of one engine: one summary hub, and the run and output streams. */
export class Feeds {
  private readonly hub: SummaryHub;

  constructor(private readonly app: App) {
    this.hub = new SummaryHub(app);
  }

  /** The summary stream: init, then changes batched every 0.5 s, sent in frames of at most 4096 messages. */
  summary(sink: SummarySink, options: SummaryFeedOptions = {}): StopFeed {
    const sub = new SummarySubscriber(this.app, this.hub, sink, options);
    sub.start();
    return () => sub.stop();
  }

  /** A run's stream (SPEC 16.2): `{run, meta, run_log, outputs}` first, then one message per committed change. */
  run(run: Run, sink: (m: RunStreamMessage) => void): StopFeed {
    const engine = this.app.engine;
    const iso = (t: number): string => new Date(t).toISOString();
    const failing = this.app.store.writeFailure !== null;
    const shown = visibleRun(this.app, run) ?? run;
    const meta = engine.full(shown).meta;
    sink({
      run: toSummary(shown),
      meta,
      run_log: engine
        .runLog(run.runId, failing)
        .map((e) => ({ timestamp: iso(e.timestamp), message: e.message })),
      outputs: outputsOf(this.app, run.runId),
    });
    let lastMeta = JSON.stringify(meta);
    const offs = [
      engine.events.on('transition', (e: TransitionEvent) => {
        if (e.run.runId !== run.runId) return;
        const text = JSON.stringify(e.meta);
        sink(text === lastMeta ? { run: e.summary } : { run: e.summary, meta: e.meta });
        lastMeta = text;
      }),
      engine.events.on('meta', (runId, m) => {
        if (runId !== run.runId) return;
        lastMeta = JSON.stringify(m);
        sink({ meta: m });
      }),
      engine.events.on('log', (runId, timestamp, message) => {
        if (runId === run.runId) sink({ run_log_append: { timestamp: iso(timestamp), message } });
      }),
      engine.events.on('output', (runId, _data, length) => {
        if (runId === run.runId) sink({ outputs: { output: { ...OUTPUT_INFO, length } } });
      }),
    ];
    return () => offs.splice(0).forEach((off) => off());
  }

  /**
   * A run's output from byte `start` (SPEC 16.3): for a finished run everything at once, then the end; for an
   * unfinished one the current bytes, then the new bytes of each update until the run finishes.
   */
  output(run: Run, start: number, sink: OutputSink): StopFeed {
    const engine = this.app.engine;
    if (isFinished(run.state)) {
      const stored = storedOutput(this.app, run.runId);
      const bytes = stored?.bytes ?? Buffer.alloc(0);
      const from = Math.min(start, bytes.length);
      const contentType = stored?.contentType ?? OUTPUT_INFO.content_type;
      sink({ data: bytes.subarray(from), start: from, end: bytes.length, contentType });
      sink(null);
      return () => {};
    }
    // Unfinished: the output so far (none before the program's first write), then each update.
    const live = engine.liveOutput(run.runId);
    const current = live?.bytes() ?? Buffer.alloc(0);
    const contentType = live?.contentType ?? OUTPUT_INFO.content_type;
    const from = Math.min(start, current.length);
    sink({ data: current.subarray(from), start: from, end: current.length, contentType });
    let offs: (() => void)[] = [];
    const stop = (): void => offs.splice(0).forEach((off) => off());
    offs = [
      engine.events.on('output', (runId, data, length) => {
        if (runId !== run.runId) return;
        // Bytes before `start` were asked not to be sent.
        const first = length - data.length;
        const skip = Math.max(0, start - first);
        if (skip < data.length)
          sink({ data: data.subarray(skip), start: first + skip, end: length, contentType });
      }),
      engine.events.on('transition', (e) => {
        if (e.run.runId !== run.runId || !isFinished(e.summary.state)) return;
        stop();
        sink(null);
      }),
    ];
    return stop;
  }

  /** Whether any summary subscriber is connected (for tests and diagnostics). */
  get summarySubscribers(): number {
    return this.app.summaryPublisher.num_subs;
  }
}
