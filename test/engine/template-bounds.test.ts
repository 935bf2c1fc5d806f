// SPEC 7 "Bounded": a run whose template goes over a limit ends in error with the limit named; the engine
// and every other run go on (issue 15: such templates used to abort the process or freeze the loop).
import { afterEach, describe, expect, it } from 'vitest';
import { openApp, waitFor, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const outputOf = (h: Harness, runId: string): string =>
  h.app.engine.store.readOutput(runId, 'output')?.data.toString() ?? '';

describe('template bounds in the engine', () => {
  it('a hostile template ends its run in error; the engine and other runs go on', async () => {
    h = openApp({
      'range.yaml': 'params: [n]\nprogram: echo {{ range(n | int) | length }}\n',
      'loops.yaml':
        'params: [n]\nprogram: "{% set xs = range(n | int) | list %}{% for i in xs %}{% for j in xs %}{% endfor %}{% endfor %}echo done"\n',
      'big.yaml': "params: [n]\nprogram: echo {{ 'x' * (n | int) }} | wc -c\n",
      'deep.yaml': 'program: "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}echo {{ f(0) }}"\n',
    });
    const engine = h.app.engine;
    const hostile = [
      [engine.createRun('range', { n: '1000000000' }), 'template exceeds 100,000 range() items'],
      [
        engine.createRun('loops', { n: '2000' }),
        /template exceeds (1,000,000 loop iterations|100 ms of rendering)/,
      ],
      [engine.createRun('big', { n: '1000000000' }), 'template exceeds 1 MiB of output'],
      [engine.createRun('deep', {}), 'template exceeds 100 nested macro calls'],
    ] as const;
    for (const [run, message] of hostile) {
      const done = await waitFor(h.app, run, ['error', 'success', 'failure']);
      expect(done.state).toBe('error');
      expect(outputOf(h, run.runId)).toMatch(message);
    }
    const fine = engine.createRun('range', { n: '3' });
    expect((await waitFor(h.app, fine, ['error', 'success', 'failure'])).state).toBe('success');
    expect(outputOf(h, fine.runId)).toBe('3\n');
    const small = engine.createRun('big', { n: '10' });
    expect((await waitFor(h.app, small, ['error', 'success', 'failure'])).state).toBe('success');
  });
});
