/** strftime-style formatting of dates, daytimes and times (`format(Date(date), '%Y%m%d')`), as Ora allows. */
import { MS_PER_DAY, isoWeekday, ymdFromDay, dayFromYmd } from '../time/days.js';
import {
  TemplateDate,
  TemplateDaytime,
  TemplateLocalTime,
  TemplateTime,
  type TemplateValue,
} from './values.js';

const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** The date (day number) and daytime (seconds) of a value; times are taken in UTC. */
function partsOf(value: TemplateValue): { day: number | null; seconds: number | null } {
  if (value instanceof TemplateDate) return { day: value.dayNumber, seconds: null };
  if (value instanceof TemplateDaytime) return { day: null, seconds: value.seconds };
  if (value instanceof TemplateLocalTime)
    return { day: value.date.dayNumber, seconds: value.daytime.seconds };
  if (value instanceof TemplateTime) {
    const day = Math.floor(value.ms / MS_PER_DAY);
    return { day, seconds: (value.ms - day * MS_PER_DAY) / 1000 };
  }
  throw new Error(`cannot format a ${value.typeName} with a '%' pattern`);
}

/** Expands `%Y %y %m %d %j %a %A %b %B %u %w %H %M %S %F %T %%`; other directives are errors. */
export function formatStrftime(value: TemplateValue, pattern: string): string {
  const { day, seconds } = partsOf(value);
  const needDay = (code: string): number => {
    if (day === null) throw new Error(`'%${code}' needs a date, not a ${value.typeName}`);
    return day;
  };
  const needSeconds = (code: string): number => {
    if (seconds === null) throw new Error(`'%${code}' needs a daytime, not a ${value.typeName}`);
    return Math.floor(seconds);
  };
  const expand = (code: string): string => {
    switch (code) {
      case 'Y':
        return pad(ymdFromDay(needDay(code)).year, 4);
      case 'y':
        return pad(ymdFromDay(needDay(code)).year % 100);
      case 'm':
        return pad(ymdFromDay(needDay(code)).month);
      case 'd':
        return pad(ymdFromDay(needDay(code)).day);
      case 'j': {
        const d = needDay(code);
        return pad(d - dayFromYmd(ymdFromDay(d).year, 1, 1) + 1, 3);
      }
      case 'a':
        return (WEEKDAY_NAMES[isoWeekday(needDay(code)) - 1] ?? '').slice(0, 3);
      case 'A':
        return WEEKDAY_NAMES[isoWeekday(needDay(code)) - 1] ?? '';
      case 'b':
        return (MONTH_NAMES[ymdFromDay(needDay(code)).month - 1] ?? '').slice(0, 3);
      case 'B':
        return MONTH_NAMES[ymdFromDay(needDay(code)).month - 1] ?? '';
      case 'u':
        return String(isoWeekday(needDay(code)));
      case 'w':
        return String(isoWeekday(needDay(code)) % 7);
      case 'H':
        return pad(Math.floor(needSeconds(code) / 3600));
      case 'M':
        return pad(Math.floor((needSeconds(code) % 3600) / 60));
      case 'S':
        return pad(needSeconds(code) % 60);
      case 'F':
        return `${expand('Y')}-${expand('m')}-${expand('d')}`;
      case 'T':
        return `${expand('H')}:${expand('M')}:${expand('S')}`;
      case '%':
        return '%';
      default:
        throw new Error(`unsupported directive '%${code}'`);
    }
  };
  return pattern.replace(/%(.?)/gs, (_m, code: string) => expand(code));
}
