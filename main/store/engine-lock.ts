/**
 * The advisory lock that keeps a second engine off a database file (SPEC 18.3, one engine per file).
 *
 * Design: a file `DB.lock` beside the database, holding JSON `{pid, host, start}` (`start` is the process start
 * time from /proc on Linux, absent elsewhere). It is created complete and atomically: written under a private name,
 * then hard-linked to `DB.lock`, which fails when the name exists. Readers never look at it, so `apsis stats-csv`
 * and backups keep working while an engine runs. The lock is stale when its process is gone, is this very process
 * in an earlier life (a container restarting with the same pid), or when the pid now belongs to a process started at
 * another time (pid reuse after a crash). Taking over a stale lock runs inside `serialize`, a write transaction on
 * the database itself, so two engines starting at once against a stale lock cannot both win. A lock held on another
 * host cannot be checked and counts as live. SQLite's own locks were not used: an exclusive locking mode would shut
 * out readers, and no SQLite lock outlives a transaction without blocking the engine's own writes.
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { StoreError } from './store-error.js';

interface LockOwner {
  pid: number;
  host: string;
  start?: string;
}

/** A lock this process holds; `release()` removes its file and is idempotent. */
export interface EngineLock {
  readonly path: string;
  release(): void;
}

/** Lock files this process holds: a second open in the same process is refused like one from another process. */
const held = new Set<string>();

/** Takes the engine lock of database `dbPath`, or throws StoreError `in-use` naming the holder. */
export function acquireEngineLock(dbPath: string, serialize: <T>(fn: () => T) => T): EngineLock {
  const path = resolve(`${dbPath}.lock`);
  if (held.has(path)) throw inUse(dbPath, path, { pid: process.pid, host: hostname() });
  const me = ownOwner();
  const text = JSON.stringify(me) + '\n';
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(path, text)) return lockHandle(path, text);
    const owner = readOwner(path);
    if (owner !== undefined && isAlive(owner)) throw inUse(dbPath, path, owner);
    const took = serialize(() => {
      const again = readText(path);
      if (again !== undefined) {
        const current = parseOwner(again);
        if (current !== undefined && isAlive(current)) throw inUse(dbPath, path, current);
        unlinkSync(path);
      }
      return tryCreate(path, text);
    });
    if (took) return lockHandle(path, text);
  }
  const owner = readOwner(path);
  throw inUse(dbPath, path, owner ?? { pid: 0, host: '?' });
}

function lockHandle(path: string, text: string): EngineLock {
  held.add(path);
  return {
    path,
    release() {
      if (!held.delete(path)) return;
      // Remove only our own file: never one another engine took over after us.
      if (readText(path) === text) unlinkSync(path);
    },
  };
}

function tryCreate(path: string, text: string): boolean {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  try {
    linkSync(temp, path);
    return true;
  } catch (e) {
    if (errorCode(e) === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(temp);
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return undefined;
    throw e;
  }
}

function readOwner(path: string): LockOwner | undefined {
  const text = readText(path);
  return text === undefined ? undefined : parseOwner(text);
}

/** The owner in a lock file's text; undefined for junk, which counts as stale. */
function parseOwner(text: string): LockOwner | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || !('pid' in value) || !('host' in value))
      return undefined;
    const { pid, host } = value;
    const start = 'start' in value ? value.start : undefined;
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || typeof host !== 'string')
      return undefined;
    return typeof start === 'string' ? { pid, host, start } : { pid, host };
  } catch {
    return undefined;
  }
}

function ownOwner(): LockOwner {
  const start = processStart(process.pid);
  const owner: LockOwner = { pid: process.pid, host: hostname() };
  if (start !== undefined) owner.start = start;
  return owner;
}

function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  // Our own pid without our own hold: a previous life of this pid (held locks were checked first).
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if (errorCode(e) !== 'EPERM') return false;
  }
  const start = processStart(owner.pid);
  return owner.start === undefined || start === undefined || start === owner.start;
}

/** Start time of a process in clock ticks since boot (Linux /proc), or undefined where unknown. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name start at field 3; starttime is field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function inUse(dbPath: string, lockPath: string, owner: LockOwner): StoreError {
  const where = owner.host === hostname() ? '' : ` on ${owner.host}`;
  return new StoreError(
    'in-use',
    `${dbPath} is in use by another Apsis Console engine (pid ${owner.pid}${where}): stop that engine or choose ` +
      `another --db file; if no engine is running, delete ${lockPath}`,
  );
}

function errorCode(e: unknown): unknown {
  return typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
}
