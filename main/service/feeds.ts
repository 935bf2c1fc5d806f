/**
 * The live streams of SPEC 16 over any transport: a feed subscribes to the engine's events and hands messages to a
 * sink (the desktop app's webContents.send). Same semantics as the WebSocket streams of main/server: init, 0.5 s
 * batches of at most 4096 messages for the summary, one message per change for a run, byte ranges for output.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { RunStreamMessage, SummaryMessage } from '../../shared/api/console-api.js';
import { isFinished } from '../../shared/model/states.js';
import type { App } from '../engine/app.js';
import { toSummary, type Run } from '../engine/run.js';
import { jobJson } from '../jobs/job-json.js';
import { outputBytes } from '../store/output-codec.js';

const FRAME_MESSAGES = 4096;
const BATCH_MS = 500;
/** Past this backlog the subscriber starts again from init, as a WebSocket client closed with 1013 would. */
const MAX_BACKLOG = 100_000;

/** Stops a feed; idempotent. */
export type StopFeed = () => void;

/** Receives summary batches; `reset` on the first batch of an init, after which the console starts afresh. */
export type SummarySink = (messages: SummaryMessage[], reset: boolean) => void;

/** Live summary subscriptions (WebSocket and IPC), for the stats object. */
export const summarySubscribers = { count: 0, queued: 0 };

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
}

/** The summary stream: init, then changes batched every 0.5 s, sent in frames of at most 4096 messages. */
export function summaryFeed(app: App, sink: SummarySink, options: SummaryFeedOptions = {}): StopFeed {
  const engine = app.engine;
  let queue: SummaryMessage[] = [];
  let flushing = false;
  let closed = false;
  /** Batches wait for the init to be out, so the console never sees a change before the state it changes. */
  let ready: Promise<void> = Promise.resolve();
  summarySubscribers.count += 1;

  const deliver = (messages: SummaryMessage[], reset: boolean): boolean => {
    try {
      sink(messages, reset);
      return true;
    } catch (e) {
      // A sink that cannot deliver (its window gone) ends the feed; the subscriber starts again with init.
      console.error('apsis: summary feed stopped:', e);
      stop();
      return false;
    }
  };

  const send = async (messages: SummaryMessage[]): Promise<void> => {
    for (let i = 0; i < messages.length && !closed; i += FRAME_MESSAGES) {
      if (!deliver(messages.slice(i, i + FRAME_MESSAGES), false)) return;
      if (i + FRAME_MESSAGES < messages.length) await yieldToLoop();
    }
  };

  /**
   * Jobs and job errors, then every run in memory. Each frame's summaries are built just before it is sent, so
   * 100,000 runs never block the engine's loop for the whole init (SPEC 20); a run deleted meanwhile is left out,
   * and one changed meanwhile also comes as a run_transition.
   */
  const sendInit = async (): Promise<void> => {
    const now = engine.clock.now();
    const head: SummaryMessage[] = [];
    for (const job of engine.jobs.values())
      head.push({ type: 'job', job: jobJson(job, now, engine.loadErrorJobs.has(job.jobId)) });
    head.push({ type: 'job_errors', errors: engine.jobErrors });
    const runIds = Array.from(engine.runs.all(), (run) => run.runId);
    let h = 0;
    let r = 0;
    let first = true;
    while (!closed && (first || h < head.length || r < runIds.length)) {
      const frame = head.slice(h, h + FRAME_MESSAGES);
      h += frame.length;
      while (frame.length < FRAME_MESSAGES && r < runIds.length) {
        const run = engine.runs.get(runIds[r] as string);
        r += 1;
        if (run !== undefined) frame.push({ type: 'run_summary', run_summary: toSummary(run) });
      }
      if (!deliver(frame, first)) return;
      first = false;
      if (h < head.length || r < runIds.length) await yieldToLoop();
    }
  };

  const init = (): void => {
    ready = ready.then(sendInit);
  };

  const push = (m: SummaryMessage): void => {
    if (closed) return;
    queue.push(m);
    summarySubscribers.queued += 1;
    if (queue.length > MAX_BACKLOG || options.tooSlow?.() === true) {
      summarySubscribers.queued -= queue.length;
      queue = [];
      if (options.onOverflow !== undefined) options.onOverflow();
      else init();
      return;
    }
    if (flushing) return;
    flushing = true;
    void engine.clock.sleepUntil(engine.clock.now() + BATCH_MS).then(() =>
      // Everything in the batch happened at least 0.5 s ago; afterCommit makes "already durable" certain.
      engine.afterCommit(() => {
        flushing = false;
        ready = ready.then(() => {
          const batch = queue;
          queue = [];
          summarySubscribers.queued -= batch.length;
          return batch.length === 0 ? undefined : send(batch);
        });
      }),
    );
  };

  const offs = [
    engine.events.on('transition', (run) => push({ type: 'run_transition', run_summary: toSummary(run) })),
    engine.events.on('delete', (runId) => push({ type: 'run_delete', run_id: runId })),
    engine.events.on('job', (job, kind) => {
      if (!job.adHoc)
        push({
          type: kind === 'add' ? 'job_add' : 'job',
          job: jobJson(job, engine.clock.now(), engine.loadErrorJobs.has(job.jobId)),
        });
    }),
    engine.events.on('job_delete', (jobId) => push({ type: 'job_delete', job_id: jobId })),
    engine.events.on('job_errors', (errors) => push({ type: 'job_errors', errors })),
  ];
  const stop = (): void => {
    if (closed) return;
    closed = true;
    summarySubscribers.count -= 1;
    summarySubscribers.queued -= queue.length;
    queue = [];
    for (const off of offs) off();
  };
  if (options.init !== false) init();
  return stop;
}

const OUTPUT_INFO = { name: 'combined stdout & stderr', content_type: 'application/octet-stream' };

function outputsOf(app: App, runId: string): NonNullable<RunStreamMessage['outputs']> {
  const live = app.engine.outputs.get(runId);
  if (live !== undefined) return { output: { ...OUTPUT_INFO, length: live.length } };
  const out: NonNullable<RunStreamMessage['outputs']> = {};
  for (const o of app.engine.store.listOutputs(runId))
    out[o.output_id] = { name: o.name, length: o.length, content_type: o.content_type };
  return out;
}

/** A run's stream (SPEC 16.2): `{run, meta, run_log, outputs}` first, then one message per change. */
export function runFeed(app: App, run: Run, sink: (m: RunStreamMessage) => void): StopFeed {
  const engine = app.engine;
  const iso = (t: number): string => new Date(t).toISOString();
  sink({
    run: toSummary(run),
    meta: engine.full(run).meta,
    run_log: engine.runLog(run.runId).map((e) => ({ timestamp: iso(e.timestamp), message: e.message })),
    outputs: outputsOf(app, run.runId),
  });
  let lastMeta = JSON.stringify(engine.full(run).meta);
  const offs = [
    engine.events.on('transition', (r) => {
      if (r.runId !== run.runId) return;
      const meta = JSON.stringify(r.meta);
      sink(meta === lastMeta ? { run: toSummary(r) } : { run: toSummary(r), meta: r.meta });
      lastMeta = meta;
    }),
    engine.events.on('meta', (r) => {
      if (r.runId !== run.runId) return;
      lastMeta = JSON.stringify(r.meta);
      sink({ meta: r.meta });
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

/** Receives output text up to byte offset `end`, or `null` once everything was sent. */
export type OutputSink = (chunk: { text: string; end: number } | null) => void;

/**
 * A run's output from byte `start` (SPEC 16.3): for a finished run everything at once, then the end; for an
 * unfinished one the current bytes, then the new bytes of each update until the run finishes. Text is decoded as
 * UTF-8 across chunk boundaries (invalid bytes replaced).
 */
export function outputFeed(app: App, run: Run, start: number, sink: OutputSink): StopFeed {
  const engine = app.engine;
  const decoder = new TextDecoder();
  if (isFinished(run.state)) {
    const stored = engine.store.readOutput(run.runId, 'output');
    const bytes =
      engine.outputs.get(run.runId)?.bytes() ??
      (stored === undefined ? Buffer.alloc(0) : outputBytes(stored));
    const from = Math.min(start, bytes.length);
    sink({ text: decoder.decode(bytes.subarray(from)), end: bytes.length });
    sink(null);
    return () => {};
  }
  // Unfinished: the output so far (none before the program's first write), then each update.
  const current = engine.outputs.get(run.runId)?.bytes() ?? Buffer.alloc(0);
  const from = Math.min(start, current.length);
  let end = current.length;
  sink({ text: decoder.decode(current.subarray(from), { stream: true }), end });
  let offs: (() => void)[] = [];
  const stop = (): void => offs.splice(0).forEach((off) => off());
  offs = [
    engine.events.on('output', (runId, data, length) => {
      if (runId !== run.runId) return;
      // Bytes before `start` were asked not to be sent.
      const skip = Math.max(0, start - (length - data.length));
      end = length;
      if (skip < data.length) sink({ text: decoder.decode(data.subarray(skip), { stream: true }), end });
    }),
    engine.events.on('transition', (r) => {
      if (r.runId !== run.runId || !isFinished(r.state)) return;
      const rest = decoder.decode(); // a UTF-8 sequence cut short by the end of the output
      if (rest !== '') sink({ text: rest, end });
      stop();
      sink(null);
    }),
  ];
  return stop;
}
