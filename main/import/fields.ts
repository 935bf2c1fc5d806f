/**
 * Strict reading of one JSON object from an Apsis database, key by key, the way Apsis's own `check_schema` pops
 * them: a missing or mistyped key and any key left over is a reason the object cannot be mapped.
 */

/** A mapped value, or the reason there is none (a phrase that completes "cannot be carried over: ..."). */
export type Mapped<T> = { ok: true; value: T } | { ok: false; reason: string };

export class Fields {
  private readonly left: Map<string, unknown>;
  private problem: string | null = null;

  private constructor(
    object: Record<string, unknown>,
    /** Dotted name of the object, for reasons: `program.stop`. */
    readonly where: string,
  ) {
    this.left = new Map(Object.entries(object));
  }

  /** Fields of `value`, which must be a JSON object. */
  static of(value: unknown, where: string): { ok: true; fields: Fields } | { ok: false; reason: string } {
    if (!isObject(value)) return { ok: false, reason: `${where} is ${describe(value)}, not an object` };
    return { ok: true, fields: new Fields(value, where) };
  }

  /** Removes and returns the key's value; undefined when absent. */
  take(key: string): unknown {
    const value = this.left.get(key);
    this.left.delete(key);
    return value;
  }

  /** Records the first problem; later ones follow from it. */
  fail(reason: string): void {
    this.problem ??= reason;
  }

  /** The recorded problem as a failed mapping. */
  failure(): { ok: false; reason: string } {
    return { ok: false, reason: this.problem ?? `${this.where} is malformed` };
  }

  /** A failure naming the keys nobody took, or undefined when all were taken. */
  rest(): { ok: false; reason: string } | undefined {
    if (this.left.size === 0) return undefined;
    this.fail(`${this.where} has unexpected keys: ${[...this.left.keys()].join(', ')}`);
    return this.failure();
  }

  string(key: string): string | undefined {
    const value = this.take(key);
    if (typeof value === 'string') return value;
    this.wrong(key, value, 'a string');
    return undefined;
  }

  /** null when absent or null. */
  optionalString(key: string): string | null | undefined {
    const value = this.take(key);
    if (value === undefined || value === null) return null;
    if (typeof value === 'string') return value;
    this.wrong(key, value, 'a string');
    return undefined;
  }

  strings(key: string): string[] | undefined {
    const value = this.take(key);
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
    this.wrong(key, value, 'a list of strings');
    return undefined;
  }

  number(key: string): number | undefined {
    const value = this.take(key);
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    this.wrong(key, value, 'a number');
    return undefined;
  }

  /** null when absent or null. */
  optionalNumber(key: string): number | null | undefined {
    const value = this.take(key);
    if (value === undefined || value === null) return null;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    this.wrong(key, value, 'a number');
    return undefined;
  }

  /** `absent` when the key is absent; null stays null. */
  optionalBoolean(key: string, absent: boolean): boolean | null | undefined {
    const value = this.take(key);
    if (value === undefined) return absent;
    if (value === null || typeof value === 'boolean') return value;
    this.wrong(key, value, 'true, false or null');
    return undefined;
  }

  /** Fields of a nested object; null when absent or null. */
  optionalObject(key: string): Fields | null | undefined {
    const value = this.take(key);
    if (value === undefined || value === null) return null;
    if (isObject(value)) return new Fields(value, `${this.where}.${key}`);
    this.wrong(key, value, 'an object');
    return undefined;
  }

  private wrong(key: string, value: unknown, want: string): void {
    this.fail(
      value === undefined
        ? `${this.where}.${key} is missing`
        : `${this.where}.${key} is ${describe(value)}, not ${want}`,
    );
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short description of a JSON value for messages: `the number 3`, `a list`, `null`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return `the ${typeof value} ${value}`;
  return typeof value;
}
