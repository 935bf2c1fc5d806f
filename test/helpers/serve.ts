// `apsis serve` as a real child process for tests: started with the given arguments, resolved with its URL once it
// prints `listening on`, and killed after each test.
import { spawn, type ChildProcess } from 'node:child_process';
import { APSIS_BIN } from './folders.js';

export interface Served {
  child: ChildProcess;
  url: string;
  /** Resolves with the exit code (null after a signal). */
  exited: Promise<number | null>;
  /** What it wrote to stderr so far. */
  stderr: () => string;
}

/** The `apsis serve` processes of one test file; `killAll()` in its afterEach. */
export class ServeProcesses {
  readonly #children: ChildProcess[] = [];

  /** `apsis serve ARGS`; rejects when it exits or prints no `listening on` line within `timeoutMs`. */
  start(args: string[], timeoutMs = 15_000): Promise<Served> {
    const child = spawn(process.execPath, [APSIS_BIN, 'serve', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#children.push(child);
    let out = '';
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no listening line in ${timeoutMs} ms; stdout ${out} stderr ${err}`)),
        timeoutMs,
      );
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
        if (m !== null) {
          clearTimeout(timer);
          resolve({ child, url: m[1] as string, exited, stderr: () => err });
        }
      });
      child.on('exit', () => {
        clearTimeout(timer);
        reject(new Error(`exited early; stdout ${out} stderr ${err}`));
      });
    });
  }

  /** SIGKILL to every process still running. */
  killAll(): void {
    for (const c of this.#children.splice(0))
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}
