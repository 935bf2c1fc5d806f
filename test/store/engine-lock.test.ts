import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/store/db.js';
import { StoreError } from '../../main/store/store-error.js';
import { closeLater, CREATED, openStore, tempDbPath } from './temp-db.js';

/** The compiled store (built by the global setup), for engines in other processes. */
const DB_MODULE = join(import.meta.dirname, '..', '..', 'dist', 'main', 'store', 'db.js');

function inUse(path: string, pid: number, where = ''): string {
  return (
    `${path} is in use by another Apsis Console engine (pid ${pid}${where}): stop that engine or choose another ` +
    `--db file; if no engine is running, delete ${path}.lock`
  );
}

function writeLock(path: string, owner: object): void {
  writeFileSync(`${path}.lock`, JSON.stringify(owner));
}

function deadPid(): number {
  const { pid } = spawnSync('true');
  if (pid === undefined) throw new Error('could not spawn true');
  return pid;
}

describe('engine lock', () => {
  it('refuses a second engine on the same file while the first has it open', () => {
    const path = tempDbPath();
    openStore(path);
    expect(() => openDatabase(path, { now: CREATED })).toThrow(
      new StoreError('in-use', inUse(path, process.pid)),
    );
  });

  it('holds a lock file naming the engine while open and removes it at close', () => {
    const path = tempDbPath();
    const store = openStore(path);
    expect(JSON.parse(readFileSync(`${path}.lock`, 'utf8'))).toMatchObject({
      pid: process.pid,
      host: hostname(),
    });
    store.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
    openStore(path).close();
  });

  it('takes over the lock of an engine that is gone', () => {
    const path = tempDbPath();
    openDatabase(path, { now: CREATED }).close();
    writeLock(path, { pid: deadPid(), host: hostname() });
    const store = openStore(path);
    expect(JSON.parse(readFileSync(`${path}.lock`, 'utf8'))).toMatchObject({ pid: process.pid });
    store.close();
  });

  it('takes over a lock with this process’s own pid from an earlier life, or with junk in it', () => {
    const path = tempDbPath();
    writeLock(path, { pid: process.pid, host: hostname() });
    openStore(path).close();
    writeFileSync(`${path}.lock`, '');
    openStore(path).close();
  });

  it('refuses while another live process holds the lock, unless its pid was reused', () => {
    const path = tempDbPath();
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const pid = child.pid ?? 0;
      writeLock(path, { pid, host: hostname() });
      expect(() => openDatabase(path, { now: CREATED })).toThrow(inUse(path, pid));
      // Same pid, but a process started at another time: the owner died and the pid went to someone else.
      writeLock(path, { pid, host: hostname(), start: '1' });
      openStore(path).close();
    } finally {
      child.kill();
    }
  });

  it('counts a lock taken on another host as live', () => {
    const path = tempDbPath();
    writeLock(path, { pid: deadPid(), host: 'elsewhere.example' });
    expect(() => openDatabase(path, { now: CREATED })).toThrow(/\(pid \d+ on elsewhere\.example\)/);
  });

  it('refuses an engine in another process, and accepts once it has exited', async () => {
    const path = tempDbPath();
    const script = `
      const { openDatabase } = await import(${JSON.stringify(DB_MODULE)});
      const db = openDatabase(${JSON.stringify(path)}, { now: ${CREATED} });
      process.stdout.write('open\\n');
      process.stdin.on('data', () => { db.close(); process.exit(0); });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const [first] = (await once(child.stdout, 'data')) as [Buffer];
    expect(first.toString()).toBe('open\n');
    expect(() => openDatabase(path, { now: CREATED })).toThrow(inUse(path, child.pid ?? 0));
    expect(openStore(path, { readonly: true }).getClock()).toBe(CREATED);
    child.stdin.write('x');
    await once(child, 'exit');
    closeLater(openDatabase(path, { now: CREATED }));
  });

  it('lets exactly one of several engines starting at once win, with or without a stale lock', async () => {
    for (const stale of [false, true]) {
      const path = tempDbPath();
      openDatabase(path, { now: CREATED }).close();
      if (stale) writeLock(path, { pid: deadPid(), host: hostname() });
      const script = `
        const { openDatabase } = await import(${JSON.stringify(DB_MODULE)});
        try {
          const db = openDatabase(${JSON.stringify(path)}, { now: ${CREATED} });
          process.stdout.write('ok\\n');
          process.stdin.on('data', () => { db.close(); process.exit(0); });
        } catch (e) {
          process.stdout.write(e.code + '\\n');
          process.exit(0);
        }`;
      const children = Array.from({ length: 6 }, () =>
        spawn(process.execPath, ['--input-type=module', '-e', script], {
          stdio: ['pipe', 'pipe', 'inherit'],
        }),
      );
      const answers = await Promise.all(
        children.map(async (child) => String(((await once(child.stdout, 'data')) as [Buffer])[0]).trim()),
      );
      expect([...answers].sort()).toEqual(['in-use', 'in-use', 'in-use', 'in-use', 'in-use', 'ok']);
      // The losers have exited already: writing to them would fail with EPIPE.
      children.forEach((child, i) => (answers[i] === 'ok' ? child.stdin.end('x') : child.stdin.destroy()));
      await Promise.all(
        children.filter((child) => child.exitCode === null).map((child) => once(child, 'exit')),
      );
    }
  });

  it('does not take a lock when read-only', () => {
    const path = tempDbPath();
    openDatabase(path, { now: CREATED }).close();
    openStore(path, { readonly: true });
    expect(existsSync(`${path}.lock`)).toBe(false);
    openStore(path);
  });
});
