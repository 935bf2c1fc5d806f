// Runs through their lifecycle with real processes and a real database.
import { afterEach, describe, expect, it } from 'vitest';
import { openApp, logOf, waitFor, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('run lifecycle', () => {
  it('a no-op run goes scheduled → starting → running → success, logged and persisted', async () => {
    h = openApp({ 'noop.yaml': 'program: {type: no-op}\n' });
    const run = h.app.engine.createRun('noop', {});
    await waitFor(h.app, run, 'success');
    expect(Object.keys(run.times).sort()).toEqual(
      ['new', 'running', 'schedule', 'scheduled', 'starting', 'success'].sort(),
    );
    expect(logOf(h.app, run.runId)).toEqual(['scheduled: now', 'starting', 'running', 'success']);
    expect(h.app.engine.store.getRun(run.runId)?.state).toBe('success');
  });

  it('a shell run succeeds with its output stored; a failing one fails with the exit code', async () => {
    h = openApp({ 'echo.yaml': 'params: [code]\nprogram: echo "hello $APSIS_JOB_ID"; exit {{ code }}\n' });
    const ok = h.app.engine.createRun('echo', { code: '0' });
    const bad = h.app.engine.createRun('echo', { code: '4' });
    await waitFor(h.app, ok, ['success', 'failure', 'error']);
    await waitFor(h.app, bad, ['success', 'failure', 'error']);
    expect(ok.state).toBe('success');
    expect(bad.state).toBe('failure');
    expect((h.app.engine.full(bad).meta['program'] as { return_code: number }).return_code).toBe(4);
    expect(logOf(h.app, bad.runId).at(-1)).toBe('failure: program failed: exit code 4');
    const out = h.app.engine.store.readOutput(ok.runId, 'output');
    expect(out?.data.toString()).toBe('hello echo\n');
  });

  it('args that do not match the params put the run in error with the reason as output', () => {
    h = openApp({ 'p.yaml': 'params: [host]\nprogram: echo {{ host }}\n' });
    const run = h.app.engine.createRun('p', { host: 'a', x: '1' });
    expect(run.state).toBe('error');
    expect(h.app.engine.store.readOutput(run.runId, 'output')?.data.toString()).toMatch(
      /extra args \(x\) for job p/,
    );
  });

  it('a program that cannot start ends in error with the reason', async () => {
    h = openApp({ 'missing.yaml': 'program: [/nonexistent/program]\n' });
    const run = h.app.engine.createRun('missing', {});
    await waitFor(h.app, run, ['error', 'failure', 'success']);
    expect(run.state).toBe('error');
    expect(logOf(h.app, run.runId).at(-1)).toMatch(/^error: .*no such file/);
  });
});
