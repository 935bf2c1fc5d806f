/** A problem found in a job file (SPEC 15.2): relative path, 1-based position when known, message. */
export interface Problem {
  path: string;
  line: number | null;
  col: number | null;
  message: string;
}

/** `RELPATH:LINE:COL: message`, or `RELPATH: message` without a position (SPEC 18.1). */
export function formatProblem(p: Problem): string {
  return p.line === null ? `${p.path}: ${p.message}` : `${p.path}:${p.line}:${p.col ?? 1}: ${p.message}`;
}

/** Sorts problems by path, line, column (unknown positions first), keeping the order of ties. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.col ?? 0) - (b.col ?? 0),
  );
}
