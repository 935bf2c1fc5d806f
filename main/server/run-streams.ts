/** Per-run streams (SPEC 16.2, 16.3): a run's transitions, meta, log and outputs; and its output bytes. */
import type { WebSocket } from 'ws';
import { isFinished } from '../../shared/model/states.js';
import type { App } from '../engine/app.js';
import type { Run } from '../engine/run.js';
import { runFeed } from '../service/feeds.js';
import { outputBytes } from '../store/output-codec.js';

/** `{run, meta, run_log, outputs}` with init, then one message per change: the run feed of main/service as JSON. */
export function serveRunUpdates(app: App, ws: WebSocket, run: Run, init: boolean): void {
  const engine = app.engine;
  let first = true;
  const stop = runFeed(app, run, (m) => {
    // The feed always starts with the init message; without ?init the client does not want it.
    if (first) {
      first = false;
      if (!init) return;
    }
    // Sent once the change is committed (engine.atomic batches writes per event-loop turn), never before.
    const text = JSON.stringify(m);
    engine.afterCommit(() => {
      if (ws.readyState === ws.OPEN) ws.send(text);
    });
  });
  ws.on('close', stop);
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
