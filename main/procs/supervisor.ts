/** Starting one detached supervisor for one process (runs inside the launcher helper, not the engine). */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { runFiles, type LaunchResult, type ProcessSpec } from './local-process.js';
import { SUPERVISOR_SCRIPT } from './supervisor-script.js';

/** Absolute path of `perl` on this PATH, or null. */
export function findPerl(): string | null {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'perl');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here: try the next directory.
    }
  }
  return null;
}

interface Pending {
  files: { spool: string; result: string };
  resolve: (result: LaunchResult) => void;
}

/**
 * Starts supervisors through one fork server (SUPERVISOR_SCRIPT) with the perl at `perl`, spawned on first use in
 * its own session and again if it dies. Each supervisor is forked into a session of its own, so it outlives the
 * launcher, the fork server and the engine.
 */
export class SupervisorForker {
  private server: ChildProcessWithoutNullStreams | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private out = '';
  private err = '';

  constructor(private readonly perl: string) {}

  /**
   * Resolves once the job has exec'd, or with the reason it could not start. With `notBefore` (epoch ms) the job's
   * process is made ready at once and execs at that instant.
   */
  async start(spec: ProcessSpec, notBefore?: number): Promise<LaunchResult> {
    const invalid = checkSpec(spec);
    if (invalid !== null) return { ok: false, error: invalid };
    const files = runFiles(spec.runDir);
    try {
      // The supervisor makes the run's folder itself; its parent (the engine's runs folder) is made here when it is
      // missing (at the first launch, or after someone removed it).
      const parent = dirname(spec.runDir);
      if (!existsSync(parent)) mkdirSync(parent, { recursive: true });
    } catch (e) {
      return {
        ok: false,
        error: `cannot create run directory: ${e instanceof Error ? e.message : String(e)}`,
      };
    }
    const server = this.server ?? this.spawn();
    if (server === null)
      return { ok: false, error: `cannot start the supervisor (${this.perl}): ${this.err}` };
    const id = this.nextId++;
    const env = Object.entries(spec.env).map(([k, v]) => `${k}=${v}`);
    // The instant both ways: absolute for a perl with Time::HiRes, and as a wait from now for one without.
    const wait = notBefore === undefined ? 0 : Math.max(0, notBefore - Date.now());
    const fields = [
      String(id),
      files.result,
      files.spool,
      spec.cwd,
      String(rusageSyscall()),
      wait > 0 && notBefore !== undefined ? String(notBefore / 1000) : '0',
      String(wait / 1000),
      String(spec.argv.length),
      ...spec.argv,
      String(env.length),
      ...env,
    ];
    const request = Buffer.from(fields.join('\0'));
    return new Promise((resolve) => {
      this.pending.set(id, { files, resolve });
      // One write (one system call) per request: its length line, then its bytes.
      server.stdin.write(Buffer.concat([Buffer.from(`${request.length}\n`), request]));
    });
  }

  /** Ends the fork server once started supervisors have answered; those keep running. */
  close(): void {
    this.server?.stdin.end();
  }

  private spawn(): ChildProcessWithoutNullStreams | null {
    // An empty environment for perl itself: PERL5OPT or PERL5LIB meant for jobs must not alter the supervisors.
    const server = spawn(this.perl, ['-e', SUPERVISOR_SCRIPT], {
      detached: true,
      stdio: 'pipe',
      env: {},
      cwd: '/',
    });
    this.server = server;
    this.out = '';
    this.err = '';
    server.stdin.on('error', () => {});
    server.stdout.setEncoding('utf8').on('data', (d: string) => this.onData(d));
    server.stderr.setEncoding('utf8').on('data', (d: string) => (this.err = (this.err + d).slice(-2000)));
    const gone = (why: string) => {
      if (this.server !== server) return;
      this.server = null;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.resolve({ ok: false, error: `supervisor failed: ${this.err.trim() || why}` });
      }
    };
    server.on('error', (e) => gone(e.message));
    server.on('close', () => gone('the fork server ended'));
    server.unref();
    return server;
  }

  private onData(data: string): void {
    this.out += data;
    let nl: number;
    while ((nl = this.out.indexOf('\n')) >= 0) {
      const line = this.out.slice(0, nl);
      this.out = this.out.slice(nl + 1);
      const m = /^(\d+) (ok (\d+) (\d+)(?: (\d+(?:\.\d+)?))?|error (.*))$/.exec(line);
      const p = m === null ? undefined : this.pending.get(Number(m[1]));
      if (m === null || p === undefined) continue;
      this.pending.delete(Number(m[1]));
      if (m[3] === undefined || m[4] === undefined) {
        p.resolve({ ok: false, error: m[6] ?? 'supervisor failed' });
        continue;
      }
      // The real clock, not the engine's injected one: this is a fact about a real process. The job's process took
      // it just before its exec; a perl without Time::HiRes gives none, and the helper's now stands in.
      const execAt = m[5] === undefined ? Date.now() : Number(m[5]) * 1000;
      const start = new Date(execAt).toISOString();
      const pid = Number(m[3]);
      p.resolve({ ok: true, runState: { pid, pgid: pid, supervisor_pid: Number(m[4]), ...p.files, start } });
    }
  }
}

/**
 * The getrusage syscall number for the supervisor, 0 when unknown. Taken from Node's platform rather
 * than perl's Config, which costs ~2 ms per run to load; perl (built for the same machine) still checks
 * that its longs are 64-bit, and a wrong number fails harmlessly with EFAULT or ENOSYS.
 */
function rusageSyscall(): number {
  if (process.platform !== 'linux') return 0;
  if (process.arch === 'x64') return 98;
  return process.arch === 'arm64' || process.arch === 'riscv64' ? 165 : 0;
}

/** Why `spec` cannot be passed to a process (execve takes NUL-terminated strings), or null. */
function checkSpec(spec: ProcessSpec): string | null {
  if (spec.argv.length === 0) return 'empty argv: nothing to run';
  const strings = [spec.cwd, spec.runDir, ...spec.argv, ...Object.entries(spec.env).flat()];
  if (strings.some((s) => s.includes('\0')))
    return 'argv, env, cwd and run directory may not contain NUL characters';
  if (Object.keys(spec.env).some((k) => k === '' || k.includes('=')))
    return 'environment names may not be empty or contain "="';
  return null;
}
