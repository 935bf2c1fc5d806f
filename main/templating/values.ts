/**
 * The objects template helpers return (SPEC 7): dates, daytimes, times, time zones, local times, and
 * Ora's `Weekday` / `Month` enumerations. Attribute access in templates is strict, so every type lists
 * its attributes in `attr` and nothing else (no prototype members) is reachable from a template.
 */
import { dayFromYmd, formatDay, isoWeekday, ymdFromDay } from '../time/days.js';
import { formatDaytime } from '../time/daytime.js';
import { formatArgTime } from '../time/instants.js';

/** An error found while evaluating an expression (bad helper argument, bad operand); the renderer adds the position. */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
}

/** Base of helper results. */
export abstract class TemplateValue {
  /** Type name for messages, as Ora names it: `'Date' object has no attribute 'yeer'`. */
  abstract readonly typeName: string;
  /** Whether `<`, `>` etc. compare `key()`s of two values of this type. */
  abstract readonly ordered: boolean;
  /** The attribute or method `name`, or undefined when the type has none by that name. */
  abstract attr(name: string): unknown;
  /** Identity for `==` against a value of the same type, and the order when `ordered`. */
  abstract key(): number | string;
  abstract toString(): string;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/**
 * An Ora integer enumeration: Weekday counts from Mon = 0, Month from Jan = 1. It prints as its name
 * (`Mon`, `Jan`) and acts as its number in arithmetic, comparisons and numeric `format` specs.
 */
export class EnumValue extends TemplateValue {
  readonly ordered = true;
  constructor(
    readonly typeName: 'Weekday' | 'Month',
    readonly value: number,
    private readonly label: string,
  ) {
    super();
  }
  attr(name: string): unknown {
    if (name === 'name') return this.label;
    if (name === 'value') return BigInt(this.value);
    return undefined;
  }
  key(): number {
    return this.value;
  }
  toString(): string {
    return this.label;
  }
}

const MIN_DAY = dayFromYmd(1, 1, 1);
const MAX_DAY = dayFromYmd(9999, 12, 31);

/** A calendar date (Ora `Date`); prints as `YYYY-MM-DD`. */
export class TemplateDate extends TemplateValue {
  readonly typeName = 'Date';
  readonly ordered = true;
  /** @param dayNumber days since 1970-01-01; must lie in years 1..9999 like Ora's dates. */
  constructor(readonly dayNumber: number) {
    super();
    if (!(dayNumber >= MIN_DAY && dayNumber <= MAX_DAY))
      throw new ExpressionError('date out of range (years 1 to 9999)');
  }
  attr(name: string): unknown {
    switch (name) {
      case 'year':
        return BigInt(ymdFromDay(this.dayNumber).year);
      case 'ordinal': {
        const { year } = ymdFromDay(this.dayNumber);
        return BigInt(this.dayNumber - dayFromYmd(year, 1, 1) + 1);
      }
      case 'month': {
        const month = ymdFromDay(this.dayNumber).month;
        return new EnumValue('Month', month, MONTHS[month - 1] ?? '');
      }
      case 'day':
        return BigInt(ymdFromDay(this.dayNumber).day);
      case 'weekday': {
        const weekday = isoWeekday(this.dayNumber) - 1;
        return new EnumValue('Weekday', weekday, WEEKDAYS[weekday] ?? '');
      }
      case 'add':
        return (days: unknown): TemplateDate =>
          new TemplateDate(this.dayNumber + Number(toInteger('Date.add()', 'days', days)));
      default:
        return undefined;
    }
  }
  key(): number {
    return this.dayNumber;
  }
  toString(): string {
    return formatDay(this.dayNumber);
  }
}

/** A time of day (Ora `Daytime`); prints as `HH:MM:SS`. */
export class TemplateDaytime extends TemplateValue {
  readonly typeName = 'Daytime';
  readonly ordered = true;
  /** @param seconds since midnight, [0, 86400). */
  constructor(readonly seconds: number) {
    super();
  }
  attr(name: string): unknown {
    if (name === 'hour') return BigInt(Math.floor(this.seconds / 3600));
    if (name === 'minute') return BigInt(Math.floor((this.seconds % 3600) / 60));
    if (name === 'second') return this.seconds % 60;
    return undefined;
  }
  key(): number {
    return this.seconds;
  }
  toString(): string {
    return formatDaytime(this.seconds);
  }
}

/** An instant (Ora `Time`); prints in the arg time format `2019-11-13T07:42:00+00:00` (SPEC 5.2). */
export class TemplateTime extends TemplateValue {
  readonly typeName = 'Time';
  readonly ordered = true;
  constructor(readonly ms: number) {
    super();
  }
  attr(): unknown {
    return undefined;
  }
  key(): number {
    return this.ms;
  }
  toString(): string {
    return formatArgTime(this.ms);
  }
}

/** An IANA time zone; prints as its canonical name. */
export class TemplateTimeZone extends TemplateValue {
  readonly typeName = 'TimeZone';
  readonly ordered = false;
  constructor(readonly zoneName: string) {
    super();
  }
  attr(name: string): unknown {
    return name === 'name' ? this.zoneName : undefined;
  }
  key(): string {
    return this.zoneName;
  }
  toString(): string {
    return this.zoneName;
  }
}

/** A local date and daytime, as `to_local` returns it; prints as `YYYY-MM-DDTHH:MM:SS`. */
export class TemplateLocalTime extends TemplateValue {
  readonly typeName = 'LocalTime';
  readonly ordered = true;
  constructor(
    readonly date: TemplateDate,
    readonly daytime: TemplateDaytime,
  ) {
    super();
  }
  attr(name: string): unknown {
    if (name === 'date') return this.date;
    if (name === 'daytime') return this.daytime;
    return undefined;
  }
  key(): string {
    return this.toString();
  }
  toString(): string {
    return `${this.date.toString()}T${this.daytime.toString()}`;
  }
}

/** Renders a value for an error message: `'nope'`, `42`, `Daytime 12:00:00`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string' || value instanceof String) return `'${String(value)}'`;
  if (value instanceof TemplateValue) return `${value.typeName} ${value.toString()}`;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}

/** The integer `value`, or an ExpressionError naming `where` and the argument. */
export function toInteger(where: string, what: string, value: unknown): bigint {
  if (typeof value === 'bigint') {
    if (value > 10_000_000n || value < -10_000_000n)
      throw new ExpressionError(`${where}: ${what} out of range`);
    return value;
  }
  if (value instanceof EnumValue) return BigInt(value.value);
  const hint = typeof value === 'string' ? ' (args are strings: convert with | int)' : '';
  throw new ExpressionError(`${where}: ${what} must be an integer, got ${describeValue(value)}${hint}`);
}
