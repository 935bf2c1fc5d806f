import { afterAll, describe, expect, it } from 'vitest';
import { follow } from '../../main/procs/follow.js';
import { Launcher } from '../../main/procs/launcher.js';
import { isAlive, signal, supervisorAlive, type RunState } from '../../main/procs/local-process.js';
import { collect, eventually, running, shell, start } from './helpers.js';

const launcher = new Launcher();
afterAll(() => launcher.close());

/** Output until `text` has appeared (so traps are set and children started), as a string. */
async function outputUntil(runState: RunState, text: string): Promise<string> {
  let output = '';
  for await (const event of follow(runState)) {
    if (event.type === 'exit') throw new Error(`ended before printing ${text}: ${output}`);
    output += event.data.toString();
    if (output.includes(text)) return output;
  }
  throw new Error('follow ended without an exit event');
}

describe('signals', () => {
  it('TERM kills a sleep; the result names the signal', async () => {
    const run = await start(launcher, shell('sleep 30'));
    expect(isAlive(run)).toBe(true);
    expect(signal(run, 'SIGTERM')).toBe(true);
    const { result } = await collect(run);
    expect(result).toMatchObject({ exit_code: null, signal: 'SIGTERM', error: null });
  });

  it('a process that ignores TERM still dies on KILL', async () => {
    const run = await start(launcher, shell("trap '' TERM; echo ready; sleep 30"));
    await outputUntil(run, 'ready');
    expect(signal(run, 'TERM')).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(running(run.pid)).toBe(true);
    expect(signal(run, 'KILL')).toBe(true);
    const { result } = await collect(run);
    expect(result).toMatchObject({ exit_code: null, signal: 'SIGKILL' });
  });

  it('reaches every process of the group, children of bash -c included', async () => {
    const run = await start(launcher, shell('sleep 100 & echo $!; sleep 100 & echo $!; echo up; wait'));
    const output = await outputUntil(run, 'up');
    const children = output.split('\n').slice(0, 2).map(Number);
    expect(children.every(running)).toBe(true);
    expect(signal(run, '9')).toBe(true);
    const { result } = await collect(run);
    expect(result.signal).toBe('SIGKILL');
    expect(await eventually(() => !children.some(running))).toBe(true);
    // Killed members stay in the group as zombies until their new parent (init) reaps them.
    expect(await eventually(() => !isAlive(run), 6000)).toBe(true);
    expect(signal(run, 'TERM')).toBe(false);
  });

  it('refuses an unknown signal name', async () => {
    const run = await start(launcher, shell('true'));
    expect(() => signal(run, 'SIGNOPE')).toThrow(/unknown signal SIGNOPE/);
    await collect(run);
  });
});

describe('liveness', () => {
  it('is alive while running and not once the result is written', async () => {
    const run = await start(launcher, shell('sleep 0.3'));
    expect(isAlive(run)).toBe(true);
    expect(supervisorAlive(run)).toBe(true);
    await collect(run);
    expect(await eventually(() => !isAlive(run))).toBe(true);
  });

  it('ends following with `program lost` when supervisor and result are both gone', async () => {
    const run = await start(launcher, shell('echo started; sleep 30'));
    await outputUntil(run, 'started');
    process.kill(run.supervisor_pid, 'SIGKILL');
    signal(run, 'KILL');
    expect(await eventually(() => !supervisorAlive(run))).toBe(true);
    const { output, result } = await collect(run);
    expect(output).toBe('started\n');
    expect(result).toEqual({
      exit_code: null,
      signal: null,
      rusage: null,
      end_time: null,
      error: 'program lost',
    });
  });

  it('does not take a stranger with the same pid for the supervisor', () => {
    const stranger: RunState = {
      pid: process.pid,
      pgid: 999_999_999,
      supervisor_pid: process.pid,
      spool: '/nonexistent/output',
      result: '/nonexistent/result.json',
      start: new Date().toISOString(),
    };
    expect(supervisorAlive(stranger)).toBe(process.platform !== 'linux');
  });
});
