import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseResult, readResult } from '../../main/procs/result-file.js';
import { tempDir } from './helpers.js';

describe('result file', () => {
  it('parses what the supervisor writes', () => {
    const text =
      '{"exit_code":null,"signal":"SIGTERM","rusage":{"utime":0.01,"stime":0,"maxrss":null},' +
      '"end_time":"2024-05-01T10:00:00.123Z","error":null}\n';
    expect(parseResult(text)).toEqual({
      exit_code: null,
      signal: 'SIGTERM',
      rusage: { utime: 0.01, stime: 0, maxrss: null },
      end_time: '2024-05-01T10:00:00.123Z',
      error: null,
    });
  });

  it('rejects malformed results', () => {
    expect(parseResult('{"exit_code":0')).toBeNull();
    expect(parseResult('[]')).toBeNull();
    expect(
      parseResult('{"exit_code":"0","signal":null,"rusage":null,"end_time":"x","error":null}'),
    ).toBeNull();
    expect(
      parseResult('{"exit_code":0,"signal":null,"rusage":{"utime":"1"},"end_time":"x","error":null}'),
    ).toBeNull();
  });

  it('reads null while the file is missing, and an error for a damaged one', () => {
    const dir = tempDir();
    expect(readResult(join(dir, 'result.json'))).toBeNull();
    writeFileSync(join(dir, 'result.json'), 'garbage');
    expect(readResult(join(dir, 'result.json'))).toMatchObject({
      exit_code: null,
      error: /unreadable result file/,
    });
  });

  it('a FIFO put in place of the result file reads as damaged at once, without blocking the engine', () => {
    const dir = tempDir();
    execFileSync('mkfifo', [join(dir, 'result.json')]);
    expect(readResult(join(dir, 'result.json'))).toMatchObject({
      exit_code: null,
      error: /unreadable result file/,
    });
  });
});
