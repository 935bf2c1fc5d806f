/** Starting one detached supervisor for one process (runs inside the launcher helper, not the engine). */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
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

/**
 * Starts a supervisor for `spec` with the perl at `perl`: in its own session (so it outlives the
 * launcher and the engine), with its stdio released after the handshake. Resolves once the process has
 * exec'd, or with the reason it could not start.
 */
export async function startSupervisor(perl: string, spec: ProcessSpec): Promise<LaunchResult> {
  const invalid = checkSpec(spec);
  if (invalid !== null) return { ok: false, error: invalid };
  const files = runFiles(spec.runDir);
  try {
    await mkdir(spec.runDir, { recursive: true });
  } catch (e) {
    return { ok: false, error: `cannot create run directory: ${e instanceof Error ? e.message : String(e)}` };
  }
  const env = Object.entries(spec.env).map(([k, v]) => `${k}=${v}`);
  const fields = [
    files.result,
    files.spool,
    spec.cwd,
    String(rusageSyscall()),
    String(spec.argv.length),
    ...spec.argv,
    String(env.length),
    ...env,
  ];
  // An empty environment for perl itself: PERL5OPT or PERL5LIB meant for the job must not alter the supervisor.
  const child = spawn(perl, ['-e', SUPERVISOR_SCRIPT], { detached: true, stdio: 'pipe', env: {}, cwd: '/' });
  return new Promise((resolve) => {
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(0, 2000)));
    // Perl died before reading its request: the handshake (or its stderr) says why.
    child.stdin.on('error', () => {});
    child.on('error', (e) =>
      resolve({ ok: false, error: `cannot start the supervisor (${perl}): ${e.message}` }),
    );
    child.stdout.on('end', () => {
      const line = out.split('\n', 1)[0] ?? '';
      const pid = /^ok (\d+)$/.exec(line)?.[1];
      if (pid !== undefined && child.pid !== undefined) {
        child.unref();
        // The helper's clock, not the engine's injected one: this is a fact about a real process.
        const start = new Date().toISOString();
        const runState = { pid: Number(pid), pgid: Number(pid), supervisor_pid: child.pid, ...files, start };
        resolve({ ok: true, runState });
      } else if (line.startsWith('error ')) {
        resolve({ ok: false, error: line.slice('error '.length) });
      } else {
        child.on('close', () =>
          resolve({ ok: false, error: `supervisor failed: ${err.trim() || 'no reply'}` }),
        );
      }
    });
    child.stdin.end(fields.join('\0'));
  });
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
