/**
 * Templating (SPEC 7): templates render what Apsis renders. Apsis renders job templates with Jinja2 (an
 * Undefined that raises `NameError`, no autoescaping) over Python values, with ora's helpers; so do we,
 * with our own Jinja2 lexer, parser and interpreter over a model of Python's values (py-*.ts). A
 * construct we cannot render as Apsis does is refused when the template is read, naming it. Every render
 * is bounded (budget.ts). Errors are returned, never thrown. Parsed templates are cached by source.
 */
import type { Expr, Stmt } from './ast.js';
import { BudgetMeter, newRenderBudget, withMeter, type RenderBudget } from './budget.js';
import { makeGetCalendar, weekdayCalendarResolver, type CalendarResolver } from './calendar-helper.js';
import { checkTemplateAst, type Finding } from './check.js';
import { foldConstants } from './fold.js';
import { FILTERS, REFUSED_FILTERS } from './filters.js';
import { JINJA_GLOBALS, REFUSED_GLOBALS, wrapHelper } from './globals.js';
import { STATIC_HELPERS } from './helpers.js';
import { TemplateSyntaxError } from './lexer.js';
import { MAX_NESTING, parseTemplate, UnsupportedConstruct } from './parser.js';
import { Interpreter, RenderError } from './render.js';
import { makeTests, REFUSED_TESTS } from './tests.js';

export type { CalendarResolver } from './calendar-helper.js';
export { DEFAULT_LIMITS, newRenderBudget, type RenderBudget, type RenderLimits } from './budget.js';

/** A template problem; `line`/`col` are 1-based positions inside the template source, when known. */
export interface TemplateError {
  message: string;
  line?: number;
  col?: number;
}

export type TemplateResult = { ok: true; value: string } | { ok: false; error: TemplateError };

export interface TemplateOptions {
  /** Resolves `get_calendar(expr)`. Default: weekday expressions, `all` and `none` only (no calendar files). */
  calendars?: CalendarResolver;
  /**
   * Counts range items, loop iterations, output bytes and render time across every render given this
   * same budget (SPEC 7, 15.1). Default: a fresh budget with the per-render limits for each render.
   */
  budget?: RenderBudget;
}

const TESTS = makeTests(FILTERS);
const TABLES = { filters: FILTERS, tests: TESTS };

const HELPERS: ReadonlyMap<string, unknown> = new Map(
  Object.entries(STATIC_HELPERS).map(([name, helper]) => [name, wrapHelper(name, helper)]),
);

/** Names every template can use besides its args, `run_id` and `job_id`: Jinja2's globals and the helpers. */
export const TEMPLATE_GLOBALS: ReadonlySet<string> = new Set([
  ...JINJA_GLOBALS.keys(),
  ...HELPERS.keys(),
  'get_calendar',
]);

/** Constants the parser reads as values rather than names. */
const CONSTANT_NAMES = new Set(['true', 'false', 'none', 'True', 'False', 'None']);

/** A parsed template, with its refused constructs and unknown filters and tests (which fail every render). */
type Compiled =
  { ok: true; body: Stmt[]; problem: TemplateError | null } | { ok: false; error: TemplateError };

/** Enough for every templated field of a large job folder; least recently used sources go first. */
const CACHE_SIZE = 2000;
const cache = new Map<string, Compiled>();

function refusal(
  kind: 'filter' | 'test',
  name: string,
  known: boolean,
  refused: string | undefined,
): string | undefined {
  if (refused !== undefined) return `${kind} '${name}' is not supported in job templates: ${refused}`;
  return known ? undefined : `no ${kind} named '${name}'`;
}

/** Refused constructs and unknown filters and tests; undefined names are left to `checkTemplate`. */
function vocabulary(isDefined: (name: string) => boolean) {
  return {
    isDefined,
    filterProblem: (name: string) => refusal('filter', name, FILTERS.has(name), REFUSED_FILTERS.get(name)),
    testProblem: (name: string) => refusal('test', name, TESTS.has(name), REFUSED_TESTS.get(name)),
    refusedName: (name: string) => REFUSED_GLOBALS.get(name),
    refusedAttr: (name: string) =>
      name.startsWith('_') ? "Python's internals are not modelled" : REFUSED_ATTRS.get(name),
  };
}

/** Attributes Python has that we do not model, refused where a template names them. */
const REFUSED_ATTRS: ReadonlyMap<string, string> = new Map([
  ['encode', 'bytes values are not modelled'],
  ['translate', 'translation tables are not modelled'],
  ['maketrans', 'translation tables are not modelled'],
  ['hex', 'float.hex() is not modelled'],
  ['fromhex', 'float.fromhex() is not modelled'],
  ['to_bytes', 'bytes values are not modelled'],
  ['from_bytes', 'bytes values are not modelled'],
  ['mro', "Python's internals are not modelled"],
]);

const asError = (f: Finding): TemplateError => ({ message: f.message, line: f.line, col: f.col });

function compile(source: string): Compiled {
  let body: Stmt[];
  try {
    body = parseTemplate(source);
  } catch (e) {
    if (e instanceof UnsupportedConstruct)
      return { ok: false, error: { message: e.message, line: e.line, col: e.col } };
    if (e instanceof TemplateSyntaxError)
      return {
        ok: false,
        error: { message: `template syntax error: ${e.message}`, line: e.line, col: e.col },
      };
    if (e instanceof RangeError)
      return {
        ok: false,
        error: { message: `template syntax error: the template nests more than ${MAX_NESTING} levels deep` },
      };
    return {
      ok: false,
      error: { message: `template syntax error: ${e instanceof Error ? e.message : String(e)}` },
    };
  }
  // Refused constructs and unknown filters fail the template as it is read, as Jinja2 fails an unknown filter.
  const first = checkTemplateAst(
    body,
    vocabulary(() => true),
  )[0];
  if (first === undefined) body = foldConstants(body, evaluateConstant);
  return { ok: true, body, problem: first === undefined ? null : asError(first) };
}

/** A constant expression's value, or undefined when evaluating it fails (or goes over the bounds). */
function evaluateConstant(e: Expr): { value: unknown } | undefined {
  try {
    const meter = new BudgetMeter(newRenderBudget());
    return { value: withMeter(meter, () => new Interpreter(TABLES).evalConstant(e)) };
  } catch {
    return undefined;
  }
}

function compiled(source: string): Compiled {
  const hit = cache.get(source);
  if (hit !== undefined) {
    cache.delete(source);
    cache.set(source, hit);
    return hit;
  }
  let entry: Compiled;
  try {
    entry = compile(source);
  } catch (e) {
    // A defect of ours: the template is refused with the reason rather than thrown at the caller.
    entry = {
      ok: false,
      error: { message: `template check failed: ${e instanceof Error ? e.message : String(e)}` },
    };
  }
  cache.set(source, entry);
  const oldest = cache.keys().next();
  if (cache.size > CACHE_SIZE && oldest.done !== true) cache.delete(oldest.value);
  return entry;
}

/** Renders a template source with the given string variables plus the helpers. */
export function renderTemplate(
  source: string,
  vars: Readonly<Record<string, string>>,
  options: TemplateOptions = {},
): TemplateResult {
  const entry = compiled(source);
  if (!entry.ok) return entry;
  if (entry.problem !== null) return { ok: false, error: entry.problem };
  // Args come last so that they override every other name (SPEC 7).
  const names = new Map<string, unknown>([
    ...JINJA_GLOBALS,
    ...HELPERS,
    [
      'get_calendar',
      wrapHelper('get_calendar', makeGetCalendar(options.calendars ?? weekdayCalendarResolver)),
    ],
    ...Object.entries(vars),
  ]);
  let meter: BudgetMeter | null = null;
  try {
    meter = new BudgetMeter(options.budget ?? newRenderBudget());
    const m = meter;
    return { ok: true, value: withMeter(m, () => new Interpreter(TABLES).render(entry.body, names)) };
  } catch (e) {
    if (e instanceof RenderError)
      return { ok: false, error: { message: e.message, line: e.line, col: e.col } };
    return { ok: false, error: { message: e instanceof Error ? e.message : String(e) } };
  } finally {
    meter?.finish();
  }
}

/**
 * Static check: syntax errors; refused constructs; every free name (not a helper, not bound by
 * {% set %}/{% for %}/macro args, not in `known`) with its 1-based line/col, reported once; unknown
 * filters and tests.
 */
export function checkTemplate(source: string, known: ReadonlySet<string>): TemplateError[] {
  const entry = compiled(source);
  if (!entry.ok) return [entry.error];
  try {
    return checkTemplateAst(
      entry.body,
      vocabulary((name) => known.has(name) || TEMPLATE_GLOBALS.has(name) || CONSTANT_NAMES.has(name)),
    ).map(asError);
  } catch (e) {
    return [{ message: `template check failed: ${e instanceof Error ? e.message : String(e)}` }];
  }
}
