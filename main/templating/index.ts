/**
 * Templating (SPEC 7): Jinja syntax on nunjucks with default delimiters and no autoescaping, made strict
 * like Apsis's Jinja setup: an undefined name is `name 'x' is not defined`, operators follow Python (args
 * are strings, so `{{ n + 2 }}` is an error), and the Ora-like helpers are always defined. Errors are
 * returned, never thrown. Compiled templates are cached by source, since each job's templates are
 * rendered for every run.
 */
import nunjucks from 'nunjucks';
import { checkNames } from './free-names.js';
import { makeGetCalendar, weekdayCalendarResolver, type CalendarResolver } from './calendar-helper.js';
import { STATIC_HELPERS } from './helpers.js';
import { parseTemplate, templateFromCode, type TemplateNode } from './nunjucks-internals.js';
import { JINJA_CONSTANTS, StrictCompiler } from './strict-compiler.js';
import { createStrictRuntime, RenderFailure } from './strict-runtime.js';

export type { CalendarResolver } from './calendar-helper.js';

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
}

class StrictEnvironment extends nunjucks.Environment {
  // Set up by nunjucks's constructor; absent from @types/nunjucks.
  declare readonly globals: Readonly<Record<string, unknown>>;
  declare readonly filters: Readonly<Record<string, unknown>>;
  declare readonly tests: Readonly<Record<string, unknown>>;
  /** The hooks our generated code calls as `env.strict`. */
  readonly strict = createStrictRuntime(this);
}

// No loaders: job templates cannot include or extend files. `dev` keeps the error a template threw as the
// `cause` of nunjucks's wrapper, which is how renderError finds the position.
const env = new StrictEnvironment([], { autoescape: false, dev: true });
for (const [name, helper] of Object.entries(STATIC_HELPERS)) env.addGlobal(name, helper);

/** Names every template can use besides its args, `run_id` and `job_id`: the helpers and nunjucks's globals. */
export const TEMPLATE_GLOBALS: ReadonlySet<string> = new Set([...Object.keys(env.globals), 'get_calendar']);

type Compiled =
  { ok: true; template: nunjucks.Template; ast: TemplateNode } | { ok: false; error: TemplateError };

/** Enough for every templated field of a large job folder; least recently used sources go first. */
const CACHE_SIZE = 2000;
const cache = new Map<string, Compiled>();

/** SPEC 7: one trailing newline is dropped, so a YAML `|` block command does not end in `\n`. */
const dropTrailingNewline = (source: string): string => source.replace(/(?:\r\n|\r|\n)$/, '');

function numberField(e: unknown, key: string): number | undefined {
  const value: unknown = typeof e === 'object' && e !== null ? Reflect.get(e, key) : undefined;
  return typeof value === 'number' ? value : undefined;
}

/** nunjucks's message without its `(unknown path) [Line 1, Column 2]` header or `compileX:` prefix. */
function cleanMessage(message: string): string {
  return message
    .replace(/^\(unknown path\)(?: \[Line \d+(?:, Column \d+)?\])?\s*/, '')
    .replace(/^(?:Template render error: |Error: )/, '')
    .replace(/^compile\w*: /, '');
}

function syntaxError(e: unknown): TemplateError {
  const error: TemplateError = {
    message: `template syntax error: ${cleanMessage(e instanceof Error ? e.message : String(e))}`,
  };
  const line = numberField(e, 'lineno');
  const col = numberField(e, 'colno');
  if (line !== undefined) error.line = line;
  if (col !== undefined) error.col = col;
  return error;
}

function compile(source: string): Compiled {
  try {
    const ast = parseTemplate(dropTrailingNewline(source));
    const compiler = new StrictCompiler(undefined, false);
    compiler.compile(ast);
    // nunjucks's own compile step turns its generated code into functions the same way.
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const props: unknown = Reflect.apply(new Function(compiler.getCode()), undefined, []);
    if (typeof props !== 'object' || props === null) throw new Error('generated code has no root');
    return { ok: true, template: templateFromCode(props, env), ast };
  } catch (e) {
    return { ok: false, error: syntaxError(e) };
  }
}

function compiled(source: string): Compiled {
  const hit = cache.get(source);
  if (hit !== undefined) {
    cache.delete(source);
    cache.set(source, hit);
    return hit;
  }
  const entry = compile(source);
  cache.set(source, entry);
  const oldest = cache.keys().next();
  if (cache.size > CACHE_SIZE && oldest.done !== true) cache.delete(oldest.value);
  return entry;
}

/** The error a render threw: ours carry their position; nunjucks wraps them (and its own) as `cause`. */
function renderError(e: unknown): TemplateError {
  let current: unknown = e;
  while (current instanceof Error) {
    if (current instanceof RenderFailure)
      return { message: current.message, line: current.line, col: current.col };
    if (!(current.cause instanceof Error)) break;
    current = current.cause;
  }
  return { message: cleanMessage(current instanceof Error ? current.message : String(current)) };
}

/** Renders a template source with the given string variables plus the helpers. */
export function renderTemplate(
  source: string,
  vars: Readonly<Record<string, string>>,
  options: TemplateOptions = {},
): TemplateResult {
  const entry = compiled(source);
  if (!entry.ok) return entry;
  // Args come last so that they override every other name (SPEC 7).
  const context = { get_calendar: makeGetCalendar(options.calendars ?? weekdayCalendarResolver), ...vars };
  try {
    return { ok: true, value: entry.template.render(context) };
  } catch (e) {
    return { ok: false, error: renderError(e) };
  }
}

/**
 * Static check: every free name (not a helper, not bound by {% set %}/{% for %}/macro args, not in
 * `known`) with its 1-based line/col inside the source, reported once; unknown filters and tests; and
 * syntax errors.
 */
export function checkTemplate(source: string, known: ReadonlySet<string>): TemplateError[] {
  const entry = compiled(source);
  if (!entry.ok) return [entry.error];
  try {
    return checkNames(entry.ast, {
      isDefined: (name) => known.has(name) || TEMPLATE_GLOBALS.has(name) || JINJA_CONSTANTS.has(name),
      isFilter: (name) => Object.hasOwn(env.filters, name),
      isTest: (name) => Object.hasOwn(env.tests, name),
    });
  } catch (e) {
    return [{ message: `template check failed: ${e instanceof Error ? e.message : String(e)}` }];
  }
}
