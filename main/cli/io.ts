/** What CLI commands need from the outside world, so tests can run them in-process. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Wall-clock now (epoch ms). */
  now(): number;
  /** Writes what is buffered now (long-running commands print before they finish). */
  flushNow?(): Promise<void>;
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
  };
  function flush(): Promise<void> {
    return new Promise<void>((resolve) => {
      const data = chunks.join('');
      chunks.length = 0;
      size = 0;
      if (data === '') resolve();
      else process.stdout.write(data, () => resolve());
    });
  }
}
