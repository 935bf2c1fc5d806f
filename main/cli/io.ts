/** What CLI commands need from the outside world, so tests can run them in-process. */
import type { ClientLimits } from './client.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Wall-clock now (epoch ms). */
  now(): number;
  /** Writes what is buffered now (long-running commands print before they finish). */
  flushNow?(): Promise<void>;
  /** Writes bytes or text to stdout as they are, after any buffered lines; resolves once they are taken. */
  write?(chunk: Uint8Array | string): Promise<void>;
  /** Whether stdout is a terminal (then `apsis output` escapes control sequences). */
  isTerminal?: boolean;
  /** Client deadlines and size limits other than the defaults (tests use short ones). */
  limits?: Partial<ClientLimits>;
}

/** Buffered stdout so that large outputs (`apsis plan`) are not written line by line. */
export function processIo(): CliIo & { flush(): Promise<void> } {
  const chunks: string[] = [];
  let size = 0;
  const flushSync = (): void => {
    if (chunks.length === 0) return;
    process.stdout.write(chunks.join(''));
    chunks.length = 0;
    size = 0;
  };
  // A reader that went away (`apsis output RUN | head`) ends the writing, not the process with a stack trace.
  let broken: Error | null = null;
  process.stdout.on('error', (e: Error) => {
    broken = e;
  });
  const throwIfBroken = (): void => {
    if (broken !== null) throw broken;
  };
  return {
    out(line) {
      chunks.push(line, '\n');
      size += line.length + 1;
      if (size > 1 << 20) flushSync();
    },
    err(line) {
      process.stderr.write(`${line}\n`);
    },
    now: () => Date.now(),
    flushNow: () => flush(),
    flush: () => flush(),
    async write(chunk) {
      flushSync();
      throwIfBroken();
      if (!process.stdout.write(chunk))
        await new Promise<void>((resolve) => {
          const done = (): void => {
            process.stdout.off('drain', done);
            process.stdout.off('error', done);
            process.stdout.off('close', done);
            resolve();
          };
          process.stdout.on('drain', done);
          process.stdout.on('error', done);
          process.stdout.on('close', done);
        });
      throwIfBroken();
    },
    isTerminal: process.stdout.isTTY === true,
  };
  function flush(): Promise<void> {
    return new Promise<void>((resolve) => {
      const data = chunks.join('');
      chunks.length = 0;
      size = 0;
      if (data === '' || broken !== null) resolve();
      else process.stdout.write(data, () => resolve());
    });
  }
}
