/**
 * Templated paths of internal programs stay where their file put them (SPEC 7): under the directory written literally
 * before the first template expression, or under the job folder when the path is relative. An arg of `../..` cannot
 * move `/opt/apsis/stats/{{ date }}.json` elsewhere.
 */
import { posix } from 'node:path';

/** The literal text of a template source before its first expression or tag. */
function literalPrefix(source: string): string {
  const at = source.search(/\{\{|\{%|\{#/);
  return at === -1 ? source : source.slice(0, at);
}

/**
 * Why `rendered` (the render of `source`) leaves the directory its literal prefix names, or null when it stays inside.
 * Relative paths are compared as they are (both resolve against the job folder); `..` may not climb out of it.
 */
export function pathEscape(source: string, rendered: string): string | null {
  const prefix = literalPrefix(source);
  const root = prefix.endsWith('/') ? prefix : posix.dirname(prefix);
  const absolute = posix.isAbsolute(prefix);
  const base = absolute ? '/' : '/job-folder';
  const rootDir = posix.resolve(base, root === '.' ? '' : root);
  const target = posix.resolve(base, rendered);
  if (!absolute && posix.isAbsolute(rendered))
    return `'${rendered}' is absolute; the path must stay under the job folder`;
  const inside = target === rootDir || target.startsWith(rootDir === '/' ? '/' : `${rootDir}/`);
  if (inside && (absolute || target === base || target.startsWith(`${base}/`))) return null;
  const rel = root.replace(/\/+$/, '');
  const where = absolute
    ? rootDir
    : rel === '.' || rel === ''
      ? 'the job folder'
      : `${rel} in the job folder`;
  return `'${rendered}' leaves ${where}; an arg may not move the path elsewhere`;
}
