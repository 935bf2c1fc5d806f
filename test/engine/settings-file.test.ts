// The settings file is YAML read with the job files' bounds (issue 19): a deep or hostile file is a SettingsError
// naming its place, never the JavaScript engine's stack overflow.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings, SettingsError } from '../../main/engine/settings-file.js';
import { jobFolder } from '../helpers/folders.js';

function settingsError(text: string): string {
  const dir = jobFolder({});
  const file = join(dir, 'settings.yaml');
  writeFileSync(file, text);
  try {
    loadSettings(dir, file, []);
  } catch (e) {
    expect(e).toBeInstanceOf(SettingsError);
    return (e as Error).message.slice(file.length + 2);
  }
  throw new Error('the settings were accepted');
}

describe('settings file bounds', () => {
  it('a file nested 20,000 levels deep names the line and column of level 65', () => {
    expect(settingsError(`stats:\n  interval: ${'['.repeat(20_000)}1s${']'.repeat(20_000)}\n`)).toBe(
      'line 2, column 75: nested deeper than 64 levels',
    );
  });

  it('duplicate keys, syntax errors and extra documents name their place', () => {
    expect(settingsError('stats:\n  interval: 5s\nstats:\n  retention: 1d\n')).toBe(
      'line 3, column 1: duplicate key; each key may appear once',
    );
    expect(settingsError('stats: [1\n')).toMatch(/^line 2, column 1: Flow sequence in block collection/);
    expect(settingsError('stats: {}\n---\nx: 1\n')).toBe(
      'line 2, column 1: one YAML document expected; remove the extra `---`',
    );
  });

  it('a good file still reads', () => {
    const dir = jobFolder({ '.apsis.yaml': 'stats:\n  interval: 5s\nschedule:\n  horizon: 2h\n' });
    const settings = loadSettings(dir, null, []);
    expect([settings.stats.interval, settings.schedule.horizon]).toEqual([5, 7200]);
  });
});
