/**
 * Parsed schedules (SPEC section 5). The job loader turns job-file YAML into these; the generators in this
 * folder turn them into occurrences. All instants are epoch milliseconds; durations and daytimes are seconds.
 */
import type { Calendar } from '../calendars/calendar.js';

/** Args as strings, sorted by key when they reach a run. */
export type Args = Record<string, string>;

interface Common {
  /** False: validated, creates no runs. */
  enabled: boolean;
  /** Explicit args from the job file, already stringified (SPEC 4.2); they override automatic args. */
  args: Args;
}

export interface IntervalSchedule extends Common {
  type: 'interval';
  /** Seconds, > 0. */
  interval: number;
  /** Seconds, 0 <= phase < interval. */
  phase: number;
}

export interface DailySchedule extends Common {
  type: 'daily';
  tz: string;
  /** Seconds since local midnight, sorted ascending, each in [0, 86400). */
  daytimes: number[];
  calendar: Calendar;
  /** Integer days. */
  dateShift: number;
  /** Integer calendar dates. */
  calShift: number;
  /** Seconds added to the resolved instant. */
  timeShift: number;
}

/** One edge of a daily-interval window. */
export interface WindowEdge {
  daytime: number;
  dateShift: number;
  calShift: number;
}

export interface DailyIntervalSchedule extends Common {
  type: 'daily-interval';
  tz: string;
  calendar: Calendar;
  start: WindowEdge;
  stop: WindowEdge;
  /** Seconds, 0 < interval < 86400. */
  interval: number;
}

export interface ExplicitSchedule extends Common {
  type: 'explicit';
  /** Sorted ascending. */
  times: number[];
}

export interface CronSchedule extends Common {
  type: 'cron';
  /** 5 fields, or 6 with seconds first. */
  expr: string;
  tz: string;
}

export type StartSchedule =
  IntervalSchedule | DailySchedule | DailyIntervalSchedule | ExplicitSchedule | CronSchedule;

export type StopSchedule =
  { type: 'duration'; duration: number } | { type: 'daytime'; daytime: number; tz: string };

/** One item of a job's `schedule:` list. */
export interface ScheduleItem {
  start: StartSchedule;
  stop?: StopSchedule;
}

/**
 * An occurrence as the numbers its automatic args are made of: the generators' own form. `occurrences()` turns
 * it into an Occurrence; `apsis plan` keeps the numbers and writes args text only when asked (args.ts says which
 * field each automatic arg reads). Fields a schedule type has no arg for are 0.
 */
export interface RawOccurrence {
  /** Schedule time (epoch ms). */
  time: number;
  /** Instant of the `time` arg: the schedule time, except for a shifted daily schedule (the unshifted instant). */
  argTime: number;
  /** Day number of the `date` arg. */
  date: number;
  /** Seconds since midnight of the `daytime` arg. */
  daytime: number;
  /** Day number of the `sched_date` arg (daily-interval). */
  schedDate: number;
}

/** One occurrence of a start schedule. */
export interface Occurrence {
  /** Schedule time (epoch ms). */
  time: number;
  /**
   * Automatic args of the schedule type (SPEC 5.3-5.9) overridden by the schedule's explicit args. Not yet
   * filtered to the job's params and without `schedule_time`: the caller adds that and filters.
   */
  args: Args;
}
