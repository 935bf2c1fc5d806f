/**
 * The shapes of the server's replies the CLI uses, checked before use (issue 15 item 8): a server may be an old
 * version, another program on the port, or hostile. A check returns the value it was given (extra fields kept, so
 * `--json` prints what the server sent) or throws ShapeError naming where the reply differs.
 */

/** Where a reply differs from the shape a command needs: `runs["r1"].state is a number, not a string`. */
export class ShapeError extends Error {
  override readonly name = 'ShapeError';
}

export type Shape<T> = (value: unknown, at: string) => T;

/**
 * Bounds of a JSON reply besides its size, because JSON.parse multiplies memory: 64 MiB of `{},` are 22 million
 * objects and took the CLI to 3.8 GB. Within these bounds the worst reply measured (8 million numbers) took it to
 * about 490 MB; a list of 150 000 full runs (about 10 objects and arrays and 40 values each) still fits. Nesting is
 * bounded because JSON.stringify (`--json`) recurses.
 */
export const JSON_LIMITS = { depth: 256, containers: 2_000_000, values: 8_000_000 };

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function fail(at: string, want: string, v: unknown): never {
  throw new ShapeError(`${at === '' ? 'the reply' : at} is ${kind(v)}, not ${want}`);
}

/** `at` extended by a key the server chose: plain names as `.name`, others quoted and cut to 40 characters. */
function member(at: string, key: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]{0,39}$/.test(key)) return at === '' ? key : `${at}.${key}`;
  return `${at}[${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)}]`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export const string: Shape<string> = (v, at) => (typeof v === 'string' ? v : fail(at, 'a string', v));

export const nullableString: Shape<string | null> = (v, at) =>
  v === null || typeof v === 'string' ? v : fail(at, 'a string or null', v);

export const nullableCount: Shape<number | null> = (v, at) =>
  v === null || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)
    ? v
    : fail(at, 'a whole number or null', v);

export function arrayOf<T>(item: Shape<T>): Shape<T[]> {
  return (v, at) => {
    if (!Array.isArray(v)) return fail(at, 'an array', v);
    v.forEach((x, i) => item(x, `${at}[${i}]`));
    return v as T[];
  };
}

export function recordOf<T>(item: Shape<T>): Shape<Record<string, T>> {
  return (v, at) => {
    if (!isObject(v)) return fail(at, 'an object', v);
    for (const [k, x] of Object.entries(v)) item(x, member(at, k));
    return v as Record<string, T>;
  };
}

type Fields = Record<string, Shape<unknown>>;
type Checked<F extends Fields> = { [K in keyof F]: ReturnType<F[K]> };

/** An object with the `required` fields and, when present, the `optional` ones; other fields pass unchecked. */
export function object<R extends Fields, O extends Fields = Record<never, never>>(
  required: R,
  optional?: O,
): Shape<Checked<R> & Partial<Checked<O>> & Record<string, unknown>> {
  return (v, at) => {
    if (!isObject(v)) return fail(at, 'an object', v);
    for (const [k, check] of Object.entries(required)) {
      if (!Object.hasOwn(v, k)) throw new ShapeError(`${member(at, k)} is missing`);
      check(v[k], member(at, k));
    }
    for (const [k, check] of Object.entries(optional ?? {}))
      if (Object.hasOwn(v, k) && v[k] !== undefined) check(v[k], member(at, k));
    return v as Checked<R> & Partial<Checked<O>> & Record<string, unknown>;
  };
}

/**
 * Counts JSON text as it arrives, before it is parsed, and throws ShapeError as soon as it nests deeper, or holds
 * more objects and arrays or values, than JSON_LIMITS (a quote or a backslash is never part of a UTF-8 sequence).
 */
export class JsonTextCounter {
  private depth = 0;
  private containers = 0;
  private commas = 0;
  private inString = false;
  private escaped = false;

  push(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i += 1) {
      const b = bytes[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === 0x5c) this.escaped = true;
        else if (b === 0x22) this.inString = false;
      } else if (b === 0x22) this.inString = true;
      else if (b === 0x7b || b === 0x5b) {
        this.containers += 1;
        this.depth += 1;
        if (this.depth > JSON_LIMITS.depth)
          throw new ShapeError(`the reply nests deeper than ${JSON_LIMITS.depth} levels`);
      } else if (b === 0x7d || b === 0x5d) this.depth -= 1;
      else if (b === 0x2c) this.commas += 1;
    }
    if (this.containers > JSON_LIMITS.containers)
      throw new ShapeError(`the reply holds over ${JSON_LIMITS.containers} objects and arrays`);
    if (this.containers + this.commas > JSON_LIMITS.values)
      throw new ShapeError(`the reply holds over ${JSON_LIMITS.values} values`);
  }
}

// ---- the replies of the client commands (SPEC 15.2, 15.3, 16.2) -------------------------------------------

/** What a command prints of a run (`runLine`). */
export const RUN_LINE = object({
  run_id: string,
  state: string,
  job_id: string,
  args: recordOf(string),
  times: recordOf(string),
});

export const RUN_COLLECTION = object({ when: string, runs: recordOf(RUN_LINE) });

export const JOB_LIST = arrayOf(
  object({ job_id: string, params: arrayOf(string), next_time: nullableString }),
);

export const JOB = object({ job_id: string });

export const LOG_ENTRY = object({ timestamp: string, message: string });

export const RUN_LOG = object({ run_log: arrayOf(LOG_ENTRY) });

export const PROBLEM = object({ path: string, line: nullableCount, col: nullableCount, message: string });

export const RELOAD_RESULT = object({
  added: arrayOf(string),
  removed: arrayOf(string),
  changed: arrayOf(string),
  errors: arrayOf(PROBLEM),
});

/** The `{}` of start, skip, signal, mark and shut-down (and the run collection of stop, not used). */
export const ANY_OBJECT = object({});

export const RERUN_RESULT = object({ show_run_id: string });

/** One message of a run stream (SPEC 16.2), as `watch` reads it. */
export const RUN_STREAM_MESSAGE = object(
  {},
  { run: object({ state: string }), run_log: arrayOf(LOG_ENTRY), run_log_append: LOG_ENTRY },
);
