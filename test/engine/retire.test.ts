// Memory bounds (SPEC 13.4): retired runs leave the live views but stay readable from the database.
import { afterEach, describe, expect, it } from 'vitest';
import { retireRuns } from '../../main/engine/retire.js';
import { openApp, waitFor, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('retirement', () => {
  it('keeps at most runs.max_in_memory finished runs, the newest, and sends run_delete for the others', async () => {
    h = openApp({ 'n.yaml': 'program: {type: no-op}\n' }, { settings: (s) => (s.runs.max_in_memory = 5) });
    const runs = Array.from({ length: 8 }, () => h!.app.engine.createRun('n', {}));
    for (const r of runs) await waitFor(h.app, r, 'success');
    const deleted: string[] = [];
    h.app.engine.events.on('delete', (id) => deleted.push(id));
    expect(await retireRuns(h.app.engine)).toBe(3);
    expect(deleted).toEqual(runs.slice(0, 3).map((r) => r.runId));
    expect(h.app.engine.runs.size).toBe(5);
    expect(h.app.engine.store.getRun(runs[0]!.runId)?.state).toBe('success');

    await h.reopen();
    const inMemory = [...h.app.engine.runs.all()].map((r) => r.runId);
    expect(inMemory).toEqual(runs.slice(3).map((r) => r.runId));
  });

  it('drops finished runs older than runs.lookback, never unfinished ones', async () => {
    h = openApp(
      {
        'n.yaml': 'program: {type: no-op}\n',
        'w.yaml': 'program: {type: no-op}\ncondition: {type: const, value: false}\n',
      },
      {
        settings: (s) => (s.runs.lookback = 0.05),
      },
    );
    const done = h.app.engine.createRun('n', {});
    const waiting = h.app.engine.createRun('w', {});
    await waitFor(h.app, done, 'success');
    await new Promise((r) => setTimeout(r, 100));
    await retireRuns(h.app.engine);
    expect(h.app.engine.runs.get(done.runId)).toBeUndefined();
    expect(h.app.engine.runs.get(waiting.runId)?.state).toBe('waiting');
  });
});
