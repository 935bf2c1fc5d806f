/** Parses `action:` items and `successors:` (SPEC 9). Cross-job checks happen in the loader. */
import { isMap, isScalar } from 'yaml';
import { FINISHED_STATES, RUN_STATES } from '../../shared/model/states.js';
import { readStates } from '../jobs/states-field.js';
import { isTemplated, type TemplateSink } from '../jobs/templated.js';
import { oneOrList, readArgs, readDuration, readString } from '../jobs/values.js';
import { describe, isNullNode, MapReader, type FileContext, type Value } from '../jobs/yaml-reader.js';
import { Registry } from '../registry.js';
import type { ActionCondition, ActionSpec } from './spec.js';

interface Parser {
  ctx: FileContext;
  sink: TemplateSink;
  r: MapReader;
}

type ActionParser = (p: Parser, cond: ActionCondition) => ActionSpec | undefined;

export const actionTypes = new Registry<ActionParser>('action');

/** True when the engine accepts the test-only action types (SPEC 9.4). */
export function testTypesEnabled(): boolean {
  return process.env['APSIS_TEST_TYPES'] === '1';
}

function readIf(ctx: FileContext, node: Value | undefined): ActionCondition | undefined {
  if (node === undefined || isNullNode(node)) return { states: [...FINISHED_STATES] };
  if (node === null || !isMap(node)) {
    ctx.error(
      node,
      `action 'if' must be a mapping such as {states: [failure, error]}, got ${describe(node)}`,
    );
    return undefined;
  }
  const r = new MapReader(ctx, node, "action 'if'");
  const statesNode = r.take('states');
  r.finish(['states']);
  if (statesNode === undefined) return { states: [...RUN_STATES] }; // `if: {}` matches every state
  const states = readStates(ctx, statesNode, 'action if states');
  return states === undefined ? undefined : { states };
}

function scheduleArgs(p: Parser, node: Value): Record<string, string> | undefined {
  const args = readArgs(p.ctx, node, 'action args');
  if (args !== undefined && node !== null && isMap(node))
    for (const pair of node.items) {
      const text = args[String(isScalar(pair.key) ? pair.key.value : '')];
      if (text !== undefined && isTemplated(text))
        p.sink.add({
          node: p.ctx.deref(pair.value),
          source: text,
          kind: 'string',
          what: 'action args value',
          scope: 'action',
        });
    }
  return args;
}

actionTypes.register('schedule', (p, cond) => {
  const jobNode = p.r.take('job_id');
  const argsNode = p.r.take('args');
  p.r.finish(['type', 'job_id', 'args', 'if']);
  if (jobNode === undefined) {
    p.ctx.error(p.r.node, "schedule action is missing 'job_id'; add job_id: the job to run");
    return undefined;
  }
  const jobId = readString(p.ctx, jobNode, 'action job_id');
  const args = argsNode === undefined ? {} : scheduleArgs(p, argsNode);
  if (jobId === undefined || args === undefined) return undefined;
  p.sink.reference({ node: jobNode, jobId, args, kind: 'action' });
  return { type: 'schedule', job_id: jobId, args, if: cond };
});

/** Most characters of a webhook URL, of a templated body and of a templated subject as written (SPEC 19.8). */
export const MAX_URL = 2048;
export const MAX_BODY_TEMPLATE = 64 * 1024;
export const MAX_SUBJECT_TEMPLATE = 998;
/** Most headers of a webhook, and most recipients of an email. */
export const MAX_HEADERS = 32;
export const MAX_RECIPIENTS = 50;
/** Headers the engine sets itself: a job file may not replace them. */
const OWN_HEADERS = new Set(['idempotency-key', 'content-length', 'host', 'transfer-encoding', 'connection']);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
// eslint-disable-next-line no-control-regex -- control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;
/** An address as SMTP takes it in RCPT TO: local@domain, no spaces, brackets, commas or control characters. */
const ADDRESS = /^[^\s@<>,;"]{1,64}@[A-Za-z0-9.-]{1,255}$/;

/** A templated text field of an alert (webhook body, email subject): bounded, its template checked at load. */
function alertTemplate(p: Parser, node: Value, what: string, max: number): string | undefined {
  const text = readString(p.ctx, node, what);
  if (text === undefined) return undefined;
  if (text.length > max) {
    p.ctx.error(node, `${what} is ${text.length} characters; at most ${max}`);
    return undefined;
  }
  if (isTemplated(text))
    p.sink.add({ node: p.ctx.deref(node), source: text, kind: 'string', what, scope: 'alert' });
  return text;
}

function webhookUrl(p: Parser, node: Value): string | undefined {
  const text = readString(p.ctx, node, 'webhook url');
  if (text === undefined) return undefined;
  let url: URL | null;
  try {
    url = text.length <= MAX_URL && !CONTROL.test(text) ? new URL(text) : null;
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    p.ctx.error(
      node,
      `webhook url must be an http: or https: URL of at most ${MAX_URL} characters, got '${text.slice(0, 80)}'`,
    );
    return undefined;
  }
  if (url.username !== '' || url.password !== '') {
    p.ctx.error(node, 'webhook url must not carry a user or password; send credentials in headers');
    return undefined;
  }
  return text;
}

function webhookHeaders(p: Parser, node: Value): Record<string, string> | undefined {
  if (node === null || !isMap(node)) {
    p.ctx.error(node, `webhook headers must be a mapping of header names to values, got ${describe(node)}`);
    return undefined;
  }
  if (node.items.length > MAX_HEADERS) {
    p.ctx.error(node, `webhook headers: ${node.items.length} headers; at most ${MAX_HEADERS}`);
    return undefined;
  }
  const out: Record<string, string> = {};
  let ok = true;
  for (const pair of node.items) {
    const key = p.ctx.deref(pair.key);
    const name = key !== null && isScalar(key) && typeof key.value === 'string' ? key.value : undefined;
    const value = readString(p.ctx, p.ctx.deref(pair.value), `webhook header '${name ?? '?'}'`);
    if (name === undefined || !HEADER_NAME.test(name)) {
      p.ctx.error(key, `webhook header name must be a token such as X-Team, got ${describe(key)}`);
      ok = false;
    } else if (OWN_HEADERS.has(name.toLowerCase())) {
      p.ctx.error(key, `webhook header '${name}' is set by the engine; remove it`);
      ok = false;
    } else if (value === undefined) ok = false;
    else if (CONTROL.test(value) || value.length > 8192) {
      p.ctx.error(
        pair.value as Value,
        `webhook header '${name}' must be one line of at most 8192 characters`,
      );
      ok = false;
    } else out[name] = value;
  }
  return ok ? out : undefined;
}

actionTypes.register('webhook', (p, cond) => {
  const urlNode = p.r.take('url');
  const bodyNode = p.r.take('body');
  const headersNode = p.r.take('headers');
  p.r.finish(['type', 'url', 'body', 'headers', 'if']);
  if (urlNode === undefined) {
    p.ctx.error(p.r.node, "webhook action is missing 'url'; add url: the http(s) address to POST to");
    return undefined;
  }
  const url = webhookUrl(p, urlNode);
  const body =
    bodyNode === undefined ? undefined : alertTemplate(p, bodyNode, 'webhook body', MAX_BODY_TEMPLATE);
  const headers = headersNode === undefined ? {} : webhookHeaders(p, headersNode);
  if (url === undefined || (bodyNode !== undefined && body === undefined) || headers === undefined)
    return undefined;
  return { type: 'webhook', url, ...(body === undefined ? {} : { body }), headers, if: cond };
});

actionTypes.register('email', (p, cond) => {
  const toNode = p.r.take('to');
  const subjectNode = p.r.take('subject');
  p.r.finish(['type', 'to', 'subject', 'if']);
  if (toNode === undefined) {
    p.ctx.error(p.r.node, "email action is missing 'to'; add to: an address or a list of addresses");
    return undefined;
  }
  const items = oneOrList(toNode, p.ctx);
  if (items.length === 0 || items.length > MAX_RECIPIENTS) {
    p.ctx.error(toNode, `email to must name 1 to ${MAX_RECIPIENTS} addresses, got ${items.length}`);
    return undefined;
  }
  const to: string[] = [];
  for (const item of items) {
    const address = readString(p.ctx, item, 'email to');
    if (address === undefined) return undefined;
    if (!ADDRESS.test(address)) {
      p.ctx.error(item, `email to: '${address.slice(0, 80)}' is not an address such as ops@example.com`);
      return undefined;
    }
    to.push(address);
  }
  const subject =
    subjectNode === undefined
      ? undefined
      : alertTemplate(p, subjectNode, 'email subject', MAX_SUBJECT_TEMPLATE);
  if (subjectNode !== undefined && subject === undefined) return undefined;
  return { type: 'email', to, ...(subject === undefined ? {} : { subject }), if: cond };
});

actionTypes.register('apsis.actions.test.SleepThreadAction', (p, cond) => {
  const dNode = p.r.take('duration');
  p.r.finish(['type', 'duration', 'if']);
  const duration = dNode === undefined ? 0 : readDuration(p.ctx, dNode, 'duration');
  return duration === undefined
    ? undefined
    : { type: 'apsis.actions.test.SleepThreadAction', duration, if: cond };
});

actionTypes.register('apsis.actions.test.ErrorThreadAction', (p, cond) => {
  p.r.finish(['type', 'if']);
  return { type: 'apsis.actions.test.ErrorThreadAction', if: cond };
});

actionTypes.register('apsis.actions.test.CheckLabelAction', (p, cond) => {
  const lNode = p.r.take('label');
  p.r.finish(['type', 'label', 'if']);
  const label = lNode === undefined ? undefined : readString(p.ctx, lNode, 'label');
  return label === undefined ? undefined : { type: 'apsis.actions.test.CheckLabelAction', label, if: cond };
});

function visibleTypes(): string[] {
  return testTypesEnabled() ? actionTypes.types() : ['schedule', 'webhook', 'email'];
}

/** Parses `action:` (one item or a list). */
export function parseActions(ctx: FileContext, sink: TemplateSink, node: Value | undefined): ActionSpec[] {
  if (node === undefined || isNullNode(node)) return [];
  const out: ActionSpec[] = [];
  for (const item of oneOrList(node, ctx)) {
    if (item === null || !isMap(item)) {
      ctx.error(
        item,
        `an action must be a mapping with a 'type', got ${describe(item)}; known types: ${visibleTypes().join(', ')}`,
      );
      continue;
    }
    const r = new MapReader(ctx, item, 'action');
    const typeNode = r.take('type');
    if (typeNode === undefined) {
      ctx.error(item, `action has no 'type'; known types: ${visibleTypes().join(', ')}`);
      continue;
    }
    const type = readString(ctx, typeNode, 'action type');
    if (type === undefined) continue;
    const parse = visibleTypes().includes(type) ? actionTypes.get(type) : undefined;
    if (parse === undefined) {
      ctx.error(typeNode, actionTypes.unknownMessage(type, visibleTypes()));
      continue;
    }
    const typed = new MapReader(ctx, item, `${type} action`);
    typed.take('type');
    const before = ctx.problems.length;
    const cond = readIf(ctx, typed.take('if'));
    const spec = cond === undefined ? undefined : parse({ ctx, sink, r: typed }, cond);
    if (spec !== undefined && ctx.problems.length === before) out.push(spec);
  }
  return out;
}

/** Parses `successors:`: each entry becomes a schedule action on success (SPEC 9.3). */
export function parseSuccessors(ctx: FileContext, sink: TemplateSink, node: Value | undefined): ActionSpec[] {
  if (node === undefined || isNullNode(node)) return [];
  const out: ActionSpec[] = [];
  for (const item of oneOrList(node, ctx)) {
    if (item !== null && isScalar(item) && typeof item.value === 'string') {
      sink.reference({ node: item, jobId: item.value, args: {}, kind: 'action' });
      out.push({ type: 'schedule', job_id: item.value, args: {}, if: { states: ['success'] } });
      continue;
    }
    if (item === null || !isMap(item)) {
      ctx.error(item, `a successor must be a job ID or {job_id, args}, got ${describe(item)}`);
      continue;
    }
    const r = new MapReader(ctx, item, 'successor');
    const jobNode = r.take('job_id');
    const argsNode = r.take('args');
    r.finish(['job_id', 'args']);
    if (jobNode === undefined) {
      ctx.error(item, "successor is missing 'job_id'");
      continue;
    }
    const jobId = readString(ctx, jobNode, 'successor job_id');
    const args = argsNode === undefined ? {} : scheduleArgs({ ctx, sink, r }, argsNode);
    if (jobId === undefined || args === undefined) continue;
    sink.reference({ node: jobNode, jobId, args, kind: 'action' });
    out.push({ type: 'schedule', job_id: jobId, args, if: { states: ['success'] } });
  }
  return out;
}
