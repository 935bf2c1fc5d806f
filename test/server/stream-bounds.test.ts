// The bounds of SPEC 16.1 on WebSocket clients (issue 15 item 7): a connection over the count, a client holding too
// much unsent data, and the total unsent data of all clients. Each such client is closed with 1013 (and its console
// reconnects with init); a client that does not read gets that 1013 once it reads again, not a bare 1006.
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { openServer, type ServerHarness } from './server-harness.js';

let h: ServerHarness | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await h?.close();
  h = undefined;
});

const MiB = 1024 * 1024;

function open(path: string): Promise<WebSocket> {
  const ws = (h as ServerHarness).ws(path);
  sockets.push(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function closeCode(ws: WebSocket, ms = 20_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no close')), ms);
    ws.once('close', (code: number) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** A job folder and 20,000 runs in memory: an init of several megabytes. */
async function bigServer(limits: {
  maxConnections: number;
  maxBufferedTotal: number;
  maxBufferedClient: number;
}) {
  h = await openServer({ 'later.yaml': 'params: [n]\nprogram: {type: no-op}\n' }, { streamLimits: limits });
  const later = Date.now() + 3_600_000;
  h.app.engine.atomic(() => {
    for (let i = 0; i < 20_000; i += 1)
      h?.app.engine.createRun('later', { n: `${i}-${'x'.repeat(100)}` }, { time: later });
  });
  await new Promise((r) => setTimeout(r, 50));
}

describe('WebSocket bounds', () => {
  it('a connection over the count is closed with 1013; the others stay', async () => {
    h = await openServer(
      {},
      { streamLimits: { maxConnections: 2, maxBufferedTotal: 256 * MiB, maxBufferedClient: 64 * MiB } },
    );
    const a = await open('/api/v1/summary');
    const b = await open('/api/v1/summary');
    const c = await open('/api/v1/summary');
    expect(await closeCode(c)).toBe(1013);
    expect([a.readyState, b.readyState]).toEqual([WebSocket.OPEN, WebSocket.OPEN]);
    a.close();
    await closeCode(a);
    const d = await open('/api/v1/summary'); // room again
    expect(d.readyState).toBe(WebSocket.OPEN);
  }, 30_000);

  it('a client that stops reading is closed with 1013 once it holds too much, and reads that code when it resumes', async () => {
    await bigServer({ maxConnections: 1000, maxBufferedTotal: 256 * MiB, maxBufferedClient: 2 * MiB });
    const slow = await open('/api/v1/summary?init');
    const socket = (slow as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const reader = await open('/api/v1/summary?init'); // reads: gets the whole init
    let messages = 0;
    reader.on('message', (data: Buffer) => (messages += (JSON.parse(data.toString()) as unknown[]).length));
    const closed = closeCode(slow);
    await expect.poll(() => messages, { timeout: 20_000 }).toBeGreaterThanOrEqual(20_000);
    socket.resume();
    expect(await closed).toBe(1013);
    expect(reader.readyState).toBe(WebSocket.OPEN);
  }, 40_000);

  it('the unsent data of all clients together is bounded: the client holding the most is closed with 1013', async () => {
    await bigServer({ maxConnections: 1000, maxBufferedTotal: 3 * MiB, maxBufferedClient: 64 * MiB });
    const stalled = await Promise.all([1, 2, 3].map(() => open('/api/v1/summary?init')));
    const codes = stalled.map((ws) => closeCode(ws, 30_000));
    for (const ws of stalled) (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await new Promise((r) => setTimeout(r, 3000));
    for (const ws of stalled) (ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const first = await Promise.race(codes);
    expect(first).toBe(1013);
  }, 40_000);
});
