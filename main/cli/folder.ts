import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from './usage.js';

/** The absolute path of a job folder argument; a usage error when it is not a readable directory. */
export function requireFolder(command: string, dir: string): string {
  const abs = resolve(dir);
  let isDir: boolean;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    throw new UsageError(`apsis ${command}: job folder ${dir} does not exist`);
  }
  if (!isDir) throw new UsageError(`apsis ${command}: ${dir} is not a directory`);
  return abs;
}
