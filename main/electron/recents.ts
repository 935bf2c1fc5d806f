/**
 * The recent job folders (SPEC 19.6): most recent first, at most 10, kept in `<userData>/recent-folders.json`;
 * folders that no longer exist stay listed, marked missing.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { RecentFolder } from '../../shared/api/ipc.js';

export const MAX_RECENT = 10;

/** `folder` moved (or added) to the front of `list`, which is cut to MAX_RECENT entries. */
export function addRecent(list: readonly string[], folder: string): string[] {
  return [folder, ...list.filter((p) => p !== folder)].slice(0, MAX_RECENT);
}

/** Whether `path` is an existing directory. */
export function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The recent folders list stored in one JSON file. A damaged or missing file reads as an empty list. */
export class RecentFolders {
  #list: string[];

  constructor(
    readonly file: string,
    private readonly exists: (path: string) => boolean = isFolder,
  ) {
    this.#list = read(file);
  }

  /** Paths, most recent first. */
  paths(): string[] {
    return [...this.#list];
  }

  /** The list with each folder marked missing or not, checked now. */
  list(): RecentFolder[] {
    return this.#list.map((path) => ({ path, missing: !this.exists(path) }));
  }

  /** Records `folder` (made absolute) as the most recent, and saves the list. */
  add(folder: string): void {
    this.#list = addRecent(this.#list, resolve(folder));
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.#list, null, 2) + '\n');
    renameSync(tmp, this.file); // atomic: a crash leaves the old list or the new one
  }
}

function read(file: string): string[] {
  if (!existsSync(file)) return [];
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!Array.isArray(value)) return [];
    return value.filter((p): p is string => typeof p === 'string' && p !== '').slice(0, MAX_RECENT);
  } catch {
    return [];
  }
}
