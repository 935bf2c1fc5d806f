/** Template options shared by load checks and run binding: `get_calendar` also finds calendar files. */
import { loadCalendar } from '../calendars/file-calendar.js';
import type { TemplateOptions } from '../templating/index.js';

/** Options whose `get_calendar` resolves names in `calendarsDir` (or ORA_CALENDARS). */
export function templateOptions(calendarsDir: string | null): TemplateOptions {
  return { calendars: (expr) => loadCalendar(expr, calendarsDir) };
}
