/** The `get_calendar(expr)` template helper and the calendar object it returns (SPEC 5.5, 7). */
import { parseWeekdayCalendar, type Calendar } from '../calendars/calendar.js';
import { formatDay } from '../time/days.js';
import { describeValue, ExpressionError, TemplateDate, TemplateValue, toInteger } from './values.js';
import { expectArgs, textOf, toDate, type Helper } from './helpers.js';

/** Finds the calendar for a `get_calendar` expression (weekday expression or calendar file name). */
export type CalendarResolver = (expr: string) => Calendar | { error: string };

/** Weekday expressions, `all` and `none` only; used when the caller has no calendar files to offer. */
export const weekdayCalendarResolver: CalendarResolver = (expr) =>
  parseWeekdayCalendar(expr) ?? { error: `unknown calendar '${expr}'` };

/** `get_calendar(expr)` resolving through `resolve`; it varies with the caller's calendar files. */
export function makeGetCalendar(resolve: CalendarResolver): Helper {
  return (...args) => {
    expectArgs('get_calendar()', args, 1, 1);
    const expr = textOf(args[0]);
    if (expr === null)
      throw new ExpressionError(`get_calendar(): expected a calendar name, got ${describeValue(args[0])}`);
    const found = resolve(expr);
    if ('error' in found) throw new ExpressionError(`get_calendar(): ${found.error}`);
    return new TemplateCalendar(found);
  };
}

/** A calendar (`get_calendar(expr)`); methods take and return dates. Prints as its expression. */
class TemplateCalendar extends TemplateValue {
  readonly typeName = 'Calendar';
  readonly ordered = false;
  constructor(private readonly calendar: Calendar) {
    super();
  }
  attr(name: string): unknown {
    switch (name) {
      case 'after':
        return (d: unknown) => this.navigate('after', () => this.calendar.after(this.day('after', d)));
      case 'before':
        return (d: unknown) => this.navigate('before', () => this.calendar.before(this.day('before', d)));
      case 'contains':
      case '__contains__':
        return (d: unknown) => this.calendar.contains(this.day('contains', d));
      case 'shift':
        return (d: unknown, n: unknown) => {
          const day = this.day('shift', d);
          const count = Number(toInteger('Calendar.shift()', 'n', n));
          if (!this.calendar.contains(day)) {
            throw new ExpressionError(
              `Calendar.shift(): ${formatDay(day)} is not in calendar '${this.calendar.expr}'`,
            );
          }
          return this.navigate('shift', () => this.calendar.shift(day, count));
        };
      default:
        return undefined;
    }
  }
  key(): string {
    return this.calendar.expr;
  }
  toString(): string {
    return this.calendar.expr;
  }
  private day(method: string, value: unknown): number {
    return toDate(`Calendar.${method}()`, value).dayNumber;
  }
  /** Runs a navigation; range and empty-calendar errors become messages naming the method. */
  private navigate(method: string, move: () => number): TemplateDate {
    try {
      return new TemplateDate(move());
    } catch (e) {
      throw new ExpressionError(`Calendar.${method}(): ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
