/**
 * Databases shaped like Apsis 1.1.2's, for import tests and the import benchmark. The tables are Apsis's own
 * (`python/apsis/sqlite.py`, as SQLAlchemy creates them: the DDL below is what the fixture database recorded from
 * Apsis 1.1.2 holds in its `sqlite_master`), and the rows copy the shapes of that fixture's rows
 * (test/fixtures/apsis-db/): no-op interval runs, agent shell runs with their output, failures, errors, skips, and a
 * few runs left scheduled, waiting and running at the end. Some outputs are large and brotli-compressed, as Apsis's
 * agent hands them over.
 */
import { brotliCompressSync, constants } from 'node:zlib';
import Database from 'better-sqlite3';

/** Apsis 1.1.2's tables and indexes, as SQLAlchemy emits them for SQLite. */
export const APSIS_SCHEMA = `
CREATE TABLE clock (
	time FLOAT NOT NULL
);
CREATE TABLE next_run_id (
	number INTEGER NOT NULL
);
CREATE TABLE jobs (
	job_id VARCHAR NOT NULL, 
	job VARCHAR NOT NULL
);
CREATE TABLE runs (
	rowid INTEGER NOT NULL, 
	run_id VARCHAR NOT NULL, 
	timestamp FLOAT NOT NULL, 
	job_id VARCHAR NOT NULL, 
	args VARCHAR NOT NULL, 
	state VARCHAR NOT NULL, 
	program VARCHAR, 
	times VARCHAR NOT NULL, 
	meta VARCHAR NOT NULL, 
	message VARCHAR, 
	run_state VARCHAR, 
	rerun VARCHAR, 
	expected BOOLEAN, 
	conds VARCHAR, 
	actions VARCHAR, 
	PRIMARY KEY (rowid)
);
CREATE TABLE run_history (
	run_id VARCHAR NOT NULL, 
	timestamp FLOAT NOT NULL, 
	message VARCHAR NOT NULL
);
CREATE TABLE output (
	run_id VARCHAR NOT NULL, 
	output_id VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	content_type VARCHAR NOT NULL, 
	length INTEGER NOT NULL, 
	compression VARCHAR, 
	data BINARY NOT NULL, 
	PRIMARY KEY (run_id, output_id)
);
CREATE INDEX index_runs_job_id ON runs (job_id);
CREATE INDEX idx_run_id ON run_history (run_id);
`;

export interface ApsisDbOptions {
  /** Number of runs (default 1000). */
  runs?: number;
  /** One output in this many is large (about 25 KiB) and stored brotli-compressed (default 50). */
  compressedEvery?: number;
  /** Epoch seconds of the first run (default 2026-01-01T00:00:00Z). */
  start?: number;
}

/** What a generated database holds, for checks. */
export interface ApsisDbSummary {
  runs: number;
  logLines: number;
  outputs: number;
  compressed: number;
  states: Record<string, number>;
  clock: number;
  nextRunId: number;
}

/** Apsis's `str(ora.Time)`: UTC with `+00:00` and up to 8 fractional digits, trailing zeros dropped. */
export function apsisTime(seconds: number): string {
  const whole = Math.floor(seconds);
  const base = new Date(whole * 1000).toISOString().slice(0, 19);
  const frac = Math.round((seconds - whole) * 1e8)
    .toString()
    .padStart(8, '0')
    .replace(/0+$/, '');
  return `${base}${frac === '' ? '' : `.${frac}`}+00:00`;
}

const NOOP_PROGRAM = '{"type":"apsis.program.noop.BoundNoOpProgram","duration":null,"success":true}';

function agentProgram(command: string, argv = ['/bin/bash', '-c', command]): string {
  return JSON.stringify({
    type: 'apsis.program.agent.BoundAgentProgram',
    argv,
    host: null,
    user: null,
  }).replace(/\//g, '\\/'); // ujson escapes slashes
}

function agentMeta(
  runId: string,
  command: string,
  pid: number,
  start: number,
  code: number,
  labels: string,
): string {
  return (
    `{"job": {"labels": ${labels}}, "program": {"proc_id": "${pid.toString(16).padStart(8, '0')}-ff85-4bb2-b669-aaba48a793b0", ` +
    `"state": "done", "program": {"argv": ["/bin/bash", "-c", ${JSON.stringify(command)}], "cwd": "/", ` +
    `"env": {"PATH": "/usr/bin:/bin", "HOME": "/home/ops", "APSIS_RUN_ID": "${runId}"}, "stdin": null}, ` +
    `"pid": ${pid}, "exception": "None", "status": ${code * 256}, "return_code": ${code}, "signal": null, ` +
    `"rusage": {"ru_idrss": 0, "ru_inblock": 0, "ru_isrss": 0, "ru_ixrss": 0, "ru_majflt": 0, "ru_maxrss": 32588, ` +
    `"ru_minflt": 142, "ru_msgrcv": 0, "ru_msgsnd": 0, "ru_nivcsw": 0, "ru_nsignals": 0, "ru_nswap": 0, ` +
    `"ru_nvcsw": 1, "ru_oublock": 8, "ru_stime": 0.0, "ru_utime": 0.002127}, ` +
    `"start_time": "${apsisTime(start).replace(/(\.\d{6})\d*/, '$1')}", "end_time": "${apsisTime(start + 0.007)}", ` +
    `"hostname": "vm", "username": "root"}, "elapsed": 0.03487199544906616}`
  );
}

/** A large text output (about 25 KiB) and its brotli form, as Apsis's agent compresses (text mode, quality 3). */
function largeOutputs(): { data: Buffer; compressed: Buffer }[] {
  const out: { data: Buffer; compressed: Buffer }[] = [];
  for (let v = 0; v < 8; v += 1) {
    const lines: string[] = [];
    for (let i = 0; i < 800; i += 1) lines.push(`${v}:${i} loaded batch ${(i * 7919 + v) % 10007} rows ok`);
    const data = Buffer.from(`${lines.join('\n')}\n`);
    const compressed = brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_QUALITY]: 3,
      },
    });
    out.push({ data, compressed });
  }
  return out;
}

/**
 * Writes a new Apsis-shaped database at `path` (which must not exist): `runs` runs, one every 5 s from `start`,
 * r1 to rN, then the clock and next run ID an Apsis engine would leave. The last three runs are left
 * scheduled (in the future), waiting (on a dependency) and running.
 */
export function writeApsisDb(path: string, options: ApsisDbOptions = {}): ApsisDbSummary {
  const n = options.runs ?? 1000;
  const every = options.compressedEvery ?? 50;
  const start = options.start ?? Date.UTC(2026, 0, 1) / 1000;
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(APSIS_SCHEMA);
  const insertRun = db.prepare(
    `INSERT INTO runs (run_id, timestamp, job_id, args, state, program, conds, actions, times, meta, run_state,
       expected, rowid) VALUES (?, ?, ?, ?, ?, ?, '[]', '[]', ?, ?, ?, 0, ?)`,
  );
  const insertLog = db.prepare('INSERT INTO run_history (run_id, timestamp, message) VALUES (?, ?, ?)');
  const insertOutput = db.prepare(
    `INSERT INTO output (run_id, output_id, name, content_type, length, compression, data)
       VALUES (?, 'output', 'combined stdout & stderr', 'application/octet-stream', ?, ?, ?)`,
  );
  const setConds = db.prepare('UPDATE runs SET conds = ? WHERE rowid = ?');
  const large = largeOutputs();
  const summary: ApsisDbSummary = {
    runs: n,
    logLines: 0,
    outputs: 0,
    compressed: 0,
    states: {},
    clock: start + 5 * n,
    nextRunId: n + 64,
  };
  const log = (runId: string, t: number, message: string): void => {
    insertLog.run(runId, t, message);
    summary.logLines += 1;
  };
  const output = (runId: string, data: Buffer, compressed: Buffer | null): void => {
    insertOutput.run(runId, data.length, compressed === null ? null : 'br', compressed ?? data);
    summary.outputs += 1;
    if (compressed !== null) summary.compressed += 1;
  };
  db.transaction(() => {
    for (let i = 1; i <= n; i += 1) {
      const runId = `r${i}`;
      const t = start + 5 * i;
      const kind =
        i > n - 3
          ? ['scheduled', 'waiting', 'running'][i - (n - 2)]
          : ['tick', 'hello', 'hello', 'tick', 'fail', 'hello', 'tick', 'hello', 'error', 'skip'][i % 10];
      let state: string;
      switch (kind) {
        case 'tick': {
          state = 'success';
          const times = {
            scheduled: t - 5.18950191,
            schedule: t,
            starting: t + 0.00137177,
            running: t + 0.00413826,
            success: t + 0.00501534,
          };
          insertRun.run(
            runId,
            times.success,
            'demo/tick',
            '{}',
            state,
            NOOP_PROGRAM,
            timesText(times),
            '{"job": {"labels": []}, "program": {}, "elapsed": 0.000877082347869873}',
            'null',
            i,
          );
          log(runId, times.scheduled, `scheduled: ${apsisTime(t)}`);
          log(runId, times.starting, 'starting');
          log(runId, times.running, 'running');
          log(runId, times.success, 'success');
          break;
        }
        case 'hello':
        case 'fail': {
          const fail = kind === 'fail';
          state = fail ? 'failure' : 'success';
          const who = `w${i % 7}`;
          const command = fail ? 'echo about to fail; exit 3' : `echo hello ${who}; echo to stderr >&2`;
          const times = {
            scheduled: t + 0.0025,
            schedule: t,
            starting: t + 0.0035,
            running: t + 0.5634,
            [state]: t + 0.5983,
          };
          const meta = agentMeta(
            runId,
            command,
            9000 + (i % 30000),
            t + 0.55,
            fail ? 3 : 0,
            fail ? '[]' : '["demo"]',
          );
          insertRun.run(
            runId,
            t + 0.5983,
            fail ? 'demo/fail' : 'demo/hello',
            fail ? '{}' : `{"who":"${who}"}`,
            state,
            agentProgram(command),
            timesText(times),
            meta,
            'null',
            i,
          );
          log(runId, t + 0.0005, 'scheduled: now');
          log(runId, t + 0.0029, 'starting');
          log(runId, t + 0.5621, 'running');
          log(runId, t + 0.5967, fail ? 'failure: program failed: status 768' : 'success');
          const big = i % (every * 2) === 1 ? large[i % large.length] : undefined;
          if (big !== undefined) output(runId, big.data, big.compressed);
          else output(runId, Buffer.from(fail ? 'about to fail\n' : `hello ${who}\nto stderr\n`), null);
          break;
        }
        case 'error': {
          state = 'error';
          const times = { scheduled: t + 0.0027, schedule: t, starting: t + 0.0039, error: t + 0.0639 };
          insertRun.run(
            runId,
            times.error,
            'demo/error',
            '{}',
            state,
            agentProgram('', ['/nonexistent/binary']),
            timesText(times),
            '{"job": {"labels": []}, "program": {}}',
            'null',
            i,
          );
          log(runId, t + 0.0016, 'scheduled: now');
          log(runId, t + 0.0029, 'starting');
          log(runId, t + 0.0629, "error: [Errno 2] No such file or directory: '/nonexistent/binary'");
          break;
        }
        case 'skip': {
          state = 'skipped';
          const times = { scheduled: t, schedule: t + 86_400, skipped: t + 3.2 };
          insertRun.run(
            runId,
            times.skipped,
            'demo/fail',
            '{}',
            state,
            agentProgram('echo about to fail; exit 3'),
            timesText(times),
            '{"job": {"labels": []}}',
            'null',
            i,
          );
          log(runId, t - 0.001, `scheduled: ${apsisTime(t + 86_400)}`);
          log(runId, t + 3.199, 'skipped');
          break;
        }
        case 'scheduled': {
          state = 'scheduled';
          const times = { scheduled: t, schedule: Date.UTC(2031, 0, 1) / 1000 };
          insertRun.run(
            runId,
            t,
            'demo/hello',
            '{"who":"future"}',
            state,
            agentProgram('echo hello future; echo to stderr >&2'),
            timesText(times),
            '{"job": {"labels": ["demo"]}}',
            'null',
            i,
          );
          log(runId, t - 0.0007, 'scheduled: 2031-01-01T00:00:00+00:00');
          break;
        }
        case 'waiting': {
          state = 'waiting';
          const times = { scheduled: t, schedule: t, waiting: t + 0.001 };
          insertRun.run(
            runId,
            t + 0.001,
            'demo/after',
            '{}',
            state,
            agentProgram('echo after'),
            timesText(times),
            '{"job": {"labels": []}}',
            'null',
            i,
          );
          setConds.run('[{"type":"dependency","job_id":"demo\\/hello","args":{"who":"nobody"}}]', i);
          log(runId, t, 'scheduled: now');
          log(runId, t + 0.001, 'waiting');
          break;
        }
        default: {
          state = 'running';
          const times = { scheduled: t, schedule: t, starting: t + 0.0026, running: t + 0.0322 };
          const runState = `{"host":null,"proc_id":"6f881957-0f0f-4e7e-835c-a99339b51521","pid":9909,"start":"${apsisTime(t + 0.0314)}"}`;
          insertRun.run(
            runId,
            times.running,
            'demo/long',
            '{}',
            state,
            agentProgram('echo started; sleep 600'),
            timesText(times),
            '{"job": {"labels": []}, "program": {"pid": 9909}}',
            runState,
            i,
          );
          log(runId, t, 'scheduled: now');
          log(runId, t + 0.0011, 'starting');
          log(runId, t + 0.0307, 'running');
        }
      }
      summary.states[state] = (summary.states[state] ?? 0) + 1;
    }
    db.prepare('INSERT INTO clock (time) VALUES (?)').run(summary.clock);
    db.prepare('INSERT INTO next_run_id (number) VALUES (?)').run(summary.nextRunId);
  })();
  db.close();
  return summary;
}

function timesText(times: Record<string, number>): string {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(times)) out[k] = apsisTime(v);
  return JSON.stringify(out);
}
