/**
 * The summary stream (SPEC 16.1): jobs, job errors and run summaries on connect (`init`), then batched
 * changes every 0.5 s. A client that falls too far behind is closed with 1013 and reconnects with init.
 */
import type { WebSocket } from 'ws';
import type { App } from '../engine/app.js';
import { toSummary } from '../engine/run.js';
import { jobJson } from '../jobs/job-json.js';

const FRAME_MESSAGES = 4096;
const BATCH_MS = 500;
const MAX_BACKLOG = 100_000;
const MAX_BUFFERED = 64 * 1024 * 1024;

type Message = Record<string, unknown>;

/** Live summary subscriptions, for the stats object. */
export const summarySubscribers = { count: 0, queued: 0 };

export function serveSummary(app: App, ws: WebSocket, init: boolean): void {
  const engine = app.engine;
  let queue: Message[] = [];
  let flushing = false;
  let closed = false;
  summarySubscribers.count += 1;

  const send = async (messages: Message[]): Promise<void> => {
    for (let i = 0; i < messages.length && !closed; i += FRAME_MESSAGES) {
      ws.send(JSON.stringify(messages.slice(i, i + FRAME_MESSAGES)));
      if (i + FRAME_MESSAGES < messages.length) await new Promise((r) => setTimeout(r, 1));
    }
  };

  /**
   * The init: `head` then the summaries of `runIds`, FRAME_MESSAGES a frame. Each frame's summaries are built just
   * before it is sent, so 100,000 runs never block the engine's loop for the whole init (SPEC 20), and each run is
   * looked up then: one deleted meanwhile is left out. A change after the subscription also comes as a
   * run_transition, so the client ends current whichever it gets first.
   */
  const sendInit = async (head: Message[], runIds: string[]): Promise<void> => {
    let h = 0;
    let r = 0;
    while (!closed && (h < head.length || r < runIds.length)) {
      const frame = head.slice(h, h + FRAME_MESSAGES);
      h += frame.length;
      while (frame.length < FRAME_MESSAGES && r < runIds.length) {
        const run = engine.runs.get(runIds[r] as string);
        r += 1;
        if (run !== undefined) frame.push({ type: 'run_summary', run_summary: toSummary(run) });
      }
      ws.send(JSON.stringify(frame));
      if (h < head.length || r < runIds.length) await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };

  const push = (m: Message): void => {
    if (closed) return;
    queue.push(m);
    summarySubscribers.queued += 1;
    if (queue.length > MAX_BACKLOG || ws.bufferedAmount > MAX_BUFFERED) {
      ws.close(1013, 'client too slow; reconnect with init');
      return;
    }
    if (flushing) return;
    flushing = true;
    const at = engine.clock.now() + BATCH_MS;
    void engine.clock.sleepUntil(at).then(() =>
      // Everything in the batch happened at least 0.5 s ago; afterCommit makes "already durable" certain.
      engine.afterCommit(() => {
        const batch = queue;
        queue = [];
        summarySubscribers.queued -= batch.length;
        flushing = false;
        void send(batch);
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

  ws.on('close', () => {
    closed = true;
    summarySubscribers.count -= 1;
    summarySubscribers.queued -= queue.length;
    queue = [];
    for (const off of offs) off();
  });

  if (init) {
    const now = engine.clock.now();
    const messages: Message[] = [];
    for (const job of engine.jobs.values())
      messages.push({ type: 'job', job: jobJson(job, now, engine.loadErrorJobs.has(job.jobId)) });
    messages.push({ type: 'job_errors', errors: engine.jobErrors });
    void sendInit(
      messages,
      Array.from(engine.runs.all(), (run) => run.runId),
    );
  }
}
