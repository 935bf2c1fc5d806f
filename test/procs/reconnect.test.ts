import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES, follow, type FollowEvent } from '../../main/procs/follow.js';
import { Launcher } from '../../main/procs/launcher.js';
import { isAlive, type RunState } from '../../main/procs/local-process.js';
import { collect, eventually, running, shell, start, tempDir } from './helpers.js';

/** Reads events until `text` has appeared in the output; returns the bytes read so far. */
async function readUntil(runState: RunState, text: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const event of follow(runState)) {
    if (event.type === 'exit') break;
    chunks.push(event.data);
    if (Buffer.concat(chunks).includes(text)) break; // leaving the loop closes the follower
  }
  return Buffer.concat(chunks);
}

describe('following', () => {
  it('delivers output within 1 s while the process still runs', async () => {
    const launcher = new Launcher();
    const run = await start(launcher, shell('sleep 0.2; echo early; sleep 5'));
    const launched = Date.now();
    const seen = await readUntil(run, 'early');
    expect(seen.toString()).toBe('early\n');
    expect(Date.now() - launched).toBeLessThan(1000 + 200);
    expect(isAlive(run)).toBe(true);
    await launcher.close();
    process.kill(-run.pgid, 'SIGKILL');
  });

  it("a FIFO put in place of a finished run's output file does not block following: the run ends with its result", async () => {
    const launcher = new Launcher();
    const run = await start(launcher, shell('echo gone'));
    await collect(run); // finished: the result is in place
    rmSync(run.spool);
    execFileSync('mkfifo', [run.spool]);
    const events: FollowEvent[] = [];
    for await (const event of follow(run)) events.push(event);
    expect(events.map((e) => (e.type === 'exit' ? e.result.exit_code : e.type))).toEqual([0]);
    await launcher.close();
  });

  it('follows from an offset', async () => {
    const launcher = new Launcher();
    const run = await start(launcher, shell('printf "0123456789"'));
    expect(await collect(run, 4)).toMatchObject({ output: '456789', result: { exit_code: 0 } });
    expect(await collect(run, 10)).toMatchObject({ output: '', result: { exit_code: 0 } });
    await launcher.close();
  });

  it('reads a flood in bounded chunks', async () => {
    const launcher = new Launcher();
    const run = await start(launcher, shell('head -c 30000000 /dev/zero'));
    let total = 0;
    let largest = 0;
    for await (const event of follow(run)) {
      if (event.type === 'exit') expect(event.result.exit_code).toBe(0);
      else {
        total += event.data.length;
        largest = Math.max(largest, event.data.length);
      }
    }
    expect(total).toBe(30_000_000);
    expect(largest).toBeLessThanOrEqual(CHUNK_BYTES);
    // Read again, all there at once: the reads are synchronous, yet other work gets turns of the event loop.
    let turns = 0;
    let reading = true;
    const tick = (): void => {
      turns += 1;
      if (reading) setImmediate(tick);
    };
    setImmediate(tick);
    let again = 0;
    for await (const event of follow(run)) if (event.type === 'output') again += event.data.length;
    reading = false;
    expect(again).toBe(30_000_000);
    expect(turns).toBeGreaterThanOrEqual(20); // one at least every MiB
    await launcher.close();
  });
});

describe('processes outlive the launcher and the engine (SPEC 12.3, 12.4)', () => {
  it('keeps running when the launcher closes; a new follower gets the rest and the exit', async () => {
    const launcher = new Launcher();
    const run = await start(launcher, shell('echo one; sleep 1; echo two; exit 4'));
    const before = await readUntil(run, 'one');
    const helper = launcher.stats().helper_pid;
    await launcher.close();
    expect(helper !== null && running(helper)).toBe(false);
    expect(running(run.pid)).toBe(true);
    // As after a restart: only the persisted RunState and the offset already stored.
    const persisted = JSON.parse(JSON.stringify(run)) as RunState;
    const { output, result } = await collect(persisted, before.length);
    expect(before.toString() + output).toBe('one\ntwo\n');
    expect(result).toMatchObject({ exit_code: 4, signal: null });
  });

  it('keeps running when the engine process is killed', async () => {
    const dir = tempDir();
    const script = join(dir, 'engine.mjs');
    const launcherUrl = pathToFileURL(join(import.meta.dirname, '../../dist/main/procs/launcher.js')).href;
    writeFileSync(
      script,
      `import { Launcher } from ${JSON.stringify(launcherUrl)};
       const launcher = new Launcher();
       const r = await launcher.launch(JSON.parse(process.argv[2]));
       console.log(JSON.stringify({ ...r, helper: launcher.stats().helper_pid }));
       process.kill(process.pid, 'SIGKILL');`,
    );
    const spec = shell('sleep 1; echo done');
    let stdout = '';
    try {
      execFileSync(process.execPath, [script, JSON.stringify(spec)], { encoding: 'utf8' });
    } catch (e) {
      stdout = (e as { stdout: string }).stdout; // it died of SIGKILL, as planned
    }
    const engine = JSON.parse(stdout) as { ok: boolean; runState: RunState; helper: number };
    expect(engine.ok).toBe(true);
    // The helper notices its channel closed and exits; the process does not.
    expect(await eventually(() => !running(engine.helper))).toBe(true);
    expect(running(engine.runState.pid)).toBe(true);
    expect(await collect(engine.runState)).toMatchObject({ output: 'done\n', result: { exit_code: 0 } });
  });

  it('restarts a helper that died', async () => {
    const launcher = new Launcher();
    const first = await start(launcher, shell('true'));
    const helper = launcher.stats().helper_pid;
    expect(helper).not.toBeNull();
    process.kill(helper ?? 0, 'SIGKILL');
    expect(await eventually(() => launcher.stats().helper_pid === null)).toBe(true);
    const second = await start(launcher, shell('echo again'));
    expect(launcher.stats()).toMatchObject({ helper_starts: 2, launched: 2, failed: 0, in_flight: 0 });
    expect((await collect(first)).result.exit_code).toBe(0);
    expect((await collect(second)).output).toBe('again\n');
    await launcher.close();
  });

  it('refuses launches once closed', async () => {
    const launcher = new Launcher();
    await launcher.close();
    expect(await launcher.launch(shell('true'))).toEqual({ ok: false, error: 'launcher is closed' });
  });
});
