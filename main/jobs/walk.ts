/** Finds the job files of a job folder (SPEC 3.1). */
import { readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

export interface FolderEntry {
  /** Relative path with `/` separators. */
  relPath: string;
  absPath: string;
}

export interface FolderListing {
  /** `.yaml` files, sorted by relative path. */
  files: FolderEntry[];
  /** Human notes: `.yml` files that are not job files, unreadable directories, symlink loops. */
  notes: string[];
}

/**
 * Walks `root` recursively: every `.yaml` file none of whose path components starts with `.`. Symbolic
 * links are followed; a directory reached twice (a link cycle) is walked once.
 */
export function listJobFiles(root: string): FolderListing {
  const files: FolderEntry[] = [];
  const notes: string[] = [];
  const seenDirs = new Set<string>();

  const visit = (absDir: string, relDir: string): void => {
    let real: string;
    try {
      real = realpathSync(absDir);
    } catch (e) {
      notes.push(`${relDir || '.'}: cannot resolve directory: ${(e as Error).message}`);
      return;
    }
    if (seenDirs.has(real)) {
      if (relDir !== '') notes.push(`${relDir}: directory already visited (symbolic link loop?); skipped`);
      return;
    }
    seenDirs.add(real);
    let entries: Dirent[];
    try {
      entries = readdirSync(absDir, { withFileTypes: true });
    } catch (e) {
      notes.push(`${relDir || '.'}: cannot read directory: ${(e as Error).message}`);
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const abs = join(absDir, entry.name);
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const st = statSync(abs);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          notes.push(`${rel}: broken symbolic link; skipped`);
          continue;
        }
      }
      if (isDir) visit(abs, rel);
      else if (isFile && entry.name.endsWith('.yaml')) files.push({ relPath: rel, absPath: abs });
      else if (isFile && entry.name.endsWith('.yml'))
        notes.push(`${rel}: not a job file (job files end in .yaml); rename it to load it`);
    }
  };

  visit(root, '');
  files.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  return { files, notes };
}
