/** Per-run streams (SPEC 16.2, 16.3): a run's transitions, meta, log and outputs; and its output bytes. */
import type { WebSocket } from 'ws';
import { isFinished } from '../../shared/model/states.js';
import type { App } from '../engine/app.js';
import { toSummary, type Run } from '../engine/run.js';
import { outputBytes } from '../store/output-codec.js';

/** `{run, meta, run_log, outputs}` with init, then one message per change. */
export function serveRunUpdates(app: App, ws: WebSocket, run: Run, init: boolean): void {
  const engine = app.engine;
  // Sent once the change is committed (engine.atomic batches writes per event-loop turn), never before.
  const send = (m: unknown): void => {
    const text = JSON.stringify(m);
    engine.afterCommit(() => {
      if (ws.readyState === ws.OPEN) ws.send(text);
    });
  };
  if (init) {
    send({
      run: toSummary(run),
      meta: engine.full(run).meta,
      run_log: engine
        .runLog(run.runId)
        .map((e) => ({ timestamp: new Date(e.timestamp).toISOString(), message: e.message })),
      outputs: outputsOf(app, run.runId),
    });
  }
  let lastMeta = JSON.stringify(engine.full(run).meta);
  const offs = [
    engine.events.on('transition', (r) => {
      if (r.runId !== run.runId) return;
      const meta = JSON.stringify(r.meta);
      send(meta === lastMeta ? { run: toSummary(r) } : { run: toSummary(r), meta: r.meta });
      lastMeta = meta;
    }),
    engine.events.on('meta', (r) => {
      if (r.runId !== run.runId) return;
      lastMeta = JSON.stringify(r.meta);
      send({ meta: r.meta });
    }),
    engine.events.on('log', (runId, timestamp, message) => {
      if (runId === run.runId)
        send({ run_log_append: { timestamp: new Date(timestamp).toISOString(), message } });
    }),
    engine.events.on('output', (runId, _data, length) => {
      if (runId === run.runId)
        send({
          outputs: {
            output: { name: 'combined stdout & stderr', length, content_type: 'application/octet-stream' },
          },
        });
    }),
  ];
  ws.on('close', () => offs.forEach((off) => off()));
}

function outputsOf(
  app: App,
  runId: string,
): Record<string, { name: string; length: number; content_type: string }> {
  const live = app.engine.outputs.get(runId);
  if (live !== undefined)
    return {
      output: {
        name: 'combined stdout & stderr',
        length: live.length,
        content_type: 'application/octet-stream',
      },
    };
  const out: Record<string, { name: string; length: number; content_type: string }> = {};
  for (const o of app.engine.store.listOutputs(runId))
    out[o.output_id] = { name: o.name, length: o.length, content_type: o.content_type };
  return out;
}

/** One HTTP-like binary frame of output bytes (SPEC 16.3). */
function frame(contentType: string, start: number, data: Buffer, total: number): Buffer {
  const header =
    `Content-Type: ${contentType}\r\n` +
    `Content-Range: bytes=${start}-${start + data.length - 1}/${total}\r\n` +
    `Content-Length: ${data.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(header, 'latin1'), data]);
}

/** Output bytes from `start`: one frame for a finished run; for an unfinished one, frames as it grows. */
export function serveOutputUpdates(app: App, ws: WebSocket, run: Run, start: number): void {
  const engine = app.engine;
  const live = engine.outputs.get(run.runId);
  const contentType = 'application/octet-stream';
  if (isFinished(run.state)) {
    const stored = engine.store.readOutput(run.runId, 'output');
    const bytes = stored === undefined ? Buffer.alloc(0) : outputBytes(stored);
    ws.send(frame(stored?.content_type ?? contentType, start, bytes.subarray(start), bytes.length));
    ws.close(1000);
    return;
  }
  // A run that has written nothing yet has no buffer: start from empty and follow.
  const current = live?.bytes() ?? Buffer.alloc(0);
  const from = Math.min(start, current.length);
  ws.send(frame(contentType, from, current.subarray(from), current.length));
  const offs = [
    engine.events.on('output', (runId, data, length) => {
      if (runId !== run.runId || ws.readyState !== ws.OPEN) return;
      ws.send(frame(contentType, length - data.length, data, length));
    }),
    engine.events.on('transition', (r) => {
      if (r.runId === run.runId && isFinished(r.state)) ws.close(1000);
    }),
  ];
  ws.on('close', () => offs.forEach((off) => off()));
}
