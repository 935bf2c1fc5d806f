/**
 * The args of a schedule's occurrences (SPEC 5.1, 5.3-5.9) as one template per schedule: each automatic arg is
 * fixed text (`calendar`, `tz`) or read from a field of the RawOccurrence, and the schedule's explicit args are
 * laid over them as Object.assign does. The scheduler builds Args objects from it; `apsis plan` builds JSON text
 * without the objects.
 */
import { dayText } from '../time/days.js';
import { daytimeText } from '../time/daytime.js';
import { formatArgTime } from '../time/instants.js';
import type { Args, RawOccurrence, StartSchedule } from './types.js';

/** An automatic arg read from a raw occurrence. Its text never needs JSON escaping (digits, `-:.T+`). */
export class ArgField {
  constructor(
    readonly name: string,
    readonly text: (o: RawOccurrence) => string,
  ) {}
}

const TIME = new ArgField('time', (o) => formatArgTime(o.argTime));
const DATE = new ArgField('date', (o) => dayText(o.date));
const DAYTIME = new ArgField('daytime', (o) => daytimeText(o.daytime));
const SCHED_DATE = new ArgField('sched_date', (o) => dayText(o.schedDate));

/** Arg name → fixed text or field, in the key order of the Args objects built from it. */
export type ArgsTemplate = Record<string, string | ArgField>;

/** The automatic args of the schedule's type, overridden and extended by its explicit args. */
export function argsTemplate(schedule: StartSchedule): ArgsTemplate {
  return Object.assign(automaticArgs(schedule), schedule.args);
}

function automaticArgs(s: StartSchedule): ArgsTemplate {
  switch (s.type) {
    case 'interval':
      return { time: TIME, date: DATE, daytime: DAYTIME };
    case 'daily':
      return { time: TIME, date: DATE, daytime: DAYTIME, calendar: s.calendar.expr, tz: s.tz };
    case 'daily-interval':
      return {
        time: TIME,
        date: DATE,
        sched_date: SCHED_DATE,
        daytime: DAYTIME,
        calendar: s.calendar.expr,
        tz: s.tz,
      };
    case 'explicit':
      return { time: TIME };
    case 'cron':
      return { time: TIME, date: DATE, daytime: DAYTIME, tz: s.tz };
  }
}

/** A function giving the Args of an occurrence of `schedule` (a fresh object each time). */
export function argsBuilder(schedule: StartSchedule): (o: RawOccurrence) => Args {
  const entries = Object.entries(argsTemplate(schedule));
  return (o) => {
    const args: Args = {};
    for (const [name, value] of entries) args[name] = typeof value === 'string' ? value : value.text(o);
    return args;
  };
}
