/** Streaming helpers for long stats exports: bounded memory, and the engine's event loop never stalled for long. */
import type { Writable } from 'node:stream';
import { setImmediate as yieldToLoop } from 'node:timers/promises';

/** Items between yields to the event loop: about a few milliseconds of work on stats rows. */
export const PACE = 2000;

/** The items of `items`, yielding to the event loop every PACE items so timers and requests go on meanwhile. */
export async function* paced<T>(items: Iterable<T>): AsyncGenerator<T, void, undefined> {
  let count = 0;
  for (const item of items) {
    yield item;
    if (++count % PACE === 0) await yieldToLoop();
  }
}

/**
 * Writes chunks to `out`, waiting for it to drain when its buffer is full, so memory stays bounded. Stops early
 * (false) when `out` is closed, e.g. a client that went away.
 */
export async function writeChunks(chunks: AsyncIterable<string>, out: Writable): Promise<boolean> {
  for await (const chunk of chunks) {
    if (out.destroyed) return false;
    if (!out.write(chunk)) await drained(out);
  }
  return !out.destroyed;
}

/** Resolves when `out` drains or closes; rejects on its error. */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error): void => {
      out.off('drain', onDrain);
      out.off('close', onDrain);
      out.off('error', settle);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onDrain = (): void => settle();
    out.on('drain', onDrain);
    out.on('close', onDrain);
    out.on('error', settle);
  });
}
