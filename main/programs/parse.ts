/** Parses `program:` (SPEC 6.1): a mapping with `type`, a shell command string, or an argv list. */
import { quoted } from '../../shared/model/clip.js';
import { isMap, isScalar, isSeq } from 'yaml';
import { isTemplated, type TemplateKind, type TemplateSink } from '../jobs/templated.js';
import { readBool, readStringLike } from '../jobs/values.js';
import { describe, isNullNode, MapReader, type FileContext, type Value } from '../jobs/yaml-reader.js';
import { Registry } from '../registry.js';
import { parseDuration } from '../time/durations.js';
import { normalizeSignal } from './signals.js';
import {
  ARCHIVE_TYPE,
  PROCESS_TYPES,
  SHELL_TYPES,
  STATS_TYPE,
  VACUUM_TYPE,
  type DurationField,
  type ProgramSpec,
  type StopSpec,
  type TimeoutSpec,
} from './spec.js';

interface Parser {
  ctx: FileContext;
  sink: TemplateSink;
  r: MapReader;
}

type ProgramParser = (p: Parser, type: string) => ProgramSpec | undefined;

/** Program types a job file may name, with their parsers. */
export const programTypes = new Registry<ProgramParser>('program');

function templatedString(
  p: Parser,
  node: Value,
  what: string,
  kind: TemplateKind = 'string',
): string | undefined {
  const text = readStringLike(p.ctx, node, what);
  if (text !== undefined && isTemplated(text)) p.sink.add({ node, source: text, kind, what, scope: 'run' });
  return text;
}

/** A templated duration: checked now when it is literal, after rendering when templated. */
function durationField(p: Parser, node: Value, what: string): DurationField | undefined {
  if (node !== null && isScalar(node) && typeof node.value === 'number') {
    if (!Number.isFinite(node.value))
      p.ctx.error(node, `${what}: duration ${String(node.value)} is not finite`);
    return node.value;
  }
  const text = templatedString(p, node, what, 'duration');
  if (text === undefined || isTemplated(text)) return text;
  const parsed = parseDuration(text);
  if (!parsed.ok) {
    p.ctx.error(node, `${what}: ${parsed.message}`);
    return undefined;
  }
  return text;
}

function signalField(p: Parser, node: Value, what: string): string | undefined {
  const text = templatedString(p, node, what, 'signal');
  if (text !== undefined && !isTemplated(text) && normalizeSignal(text) === null) {
    p.ctx.error(
      node,
      `${what}: unknown signal ${quoted(text)}; use a name such as SIGTERM, TERM or SIGKILL, or a number`,
    );
    return undefined;
  }
  return text;
}

function readTimeout(p: Parser, node: Value): TimeoutSpec | undefined {
  if (node === null || !isMap(node)) {
    p.ctx.error(node, `timeout must be a mapping {duration, signal}, got ${describe(node)}`);
    return undefined;
  }
  const r = new MapReader(p.ctx, node, 'timeout');
  const dNode = r.take('duration');
  const sNode = r.take('signal');
  r.finish(['duration', 'signal']);
  if (dNode === undefined) {
    p.ctx.error(node, "timeout is missing 'duration'; add duration: such as 1h");
    return undefined;
  }
  const duration = durationField(p, dNode, 'timeout duration');
  const signal = sNode === undefined ? 'SIGTERM' : signalField(p, sNode, 'timeout signal');
  return duration === undefined || signal === undefined ? undefined : { duration, signal };
}

function readStop(p: Parser, node: Value): StopSpec | undefined {
  if (node === null || !isMap(node)) {
    p.ctx.error(node, `stop must be a mapping {signal, grace_period}, got ${describe(node)}`);
    return undefined;
  }
  const r = new MapReader(p.ctx, node, 'program stop');
  const sNode = r.take('signal');
  const gNode = r.take('grace_period');
  r.finish(['signal', 'grace_period']);
  const signal = sNode === undefined ? 'SIGTERM' : signalField(p, sNode, 'stop signal');
  const grace = gNode === undefined ? 60 : durationField(p, gNode, 'stop grace_period');
  return signal === undefined || grace === undefined ? undefined : { signal, grace_period: grace };
}

/** Which optional keys a process program type takes, and under which names (SPEC 6.1). */
interface ProcessKeys {
  /** The key naming the user to run as: `user`, Procstar's `sudo_user`, or none (the Apsis alias types). */
  user: 'user' | 'sudo_user' | null;
  timeout: boolean;
  /** The key naming where to run: `host`, Procstar's `group_id`, or none. */
  host: 'host' | 'group_id' | null;
}

function processKeys(type: string): ProcessKeys {
  if (type === 'shell' || type === 'program') return { user: 'user', timeout: true, host: 'host' };
  if (type === 'procstar' || type === 'procstar-shell')
    return { user: 'sudo_user', timeout: true, host: 'group_id' };
  return { user: null, timeout: false, host: null };
}

/** The optional keys a type of `keys` allows, besides `type` and its command or argv. */
function optionalKeys(keys: ProcessKeys): string[] {
  return [keys.user, keys.timeout ? 'timeout' : null, keys.host, 'stop'].filter((k) => k !== null);
}

type ProcessOptions = {
  user?: string;
  timeout?: TimeoutSpec;
  stop?: StopSpec;
  host?: string;
  group_id?: string;
};

/** Optional `user`, `timeout`, `host`, `stop` of process programs, under the names the type uses. */
function processOptions(p: Parser, keys: ProcessKeys): ProcessOptions | undefined {
  const out: ProcessOptions = {};
  let ok = true;
  if (keys.user !== null) {
    const uNode = p.r.take(keys.user);
    if (uNode !== undefined && !isNullNode(uNode)) {
      const user = templatedString(p, uNode, keys.user);
      if (user === undefined) ok = false;
      else out.user = user;
    }
  }
  if (keys.timeout) {
    const tNode = p.r.take('timeout');
    if (tNode !== undefined && !isNullNode(tNode)) {
      const timeout = readTimeout(p, tNode);
      if (timeout === undefined) ok = false;
      else out.timeout = timeout;
    }
  }
  if (keys.host !== null) {
    const hNode = p.r.take(keys.host);
    if (hNode !== undefined && !isNullNode(hNode)) {
      const host = templatedString(p, hNode, keys.host);
      if (host === undefined) ok = false;
      else if (!isTemplated(host) && host.trim() === '') {
        p.ctx.error(hNode, `${keys.host} is empty; name a host or host group, or remove the key`);
        ok = false;
      } else out[keys.host] = host;
    }
  }
  const sNode = p.r.take('stop');
  if (sNode !== undefined && !isNullNode(sNode)) {
    const stop = readStop(p, sNode);
    if (stop === undefined) ok = false;
    else out.stop = stop;
  }
  return ok ? out : undefined;
}

function required(p: Parser, key: string, help: string): Value | undefined {
  const node = p.r.take(key);
  if (node === undefined) p.ctx.error(p.r.node, `${p.r.what} is missing ${quoted(key)}; add ${key}: ${help}`);
  return node;
}

for (const type of SHELL_TYPES) {
  const keys = processKeys(type);
  programTypes.register(type, (p) => {
    const cNode = required(p, 'command', 'the shell command to run');
    const command = cNode === undefined ? undefined : templatedString(p, cNode, 'program command');
    const options = processOptions(p, keys);
    p.r.finish(['type', 'command', ...optionalKeys(keys)]);
    return command === undefined || options === undefined ? undefined : { type, command, ...options };
  });
}

for (const type of PROCESS_TYPES) {
  const keys = processKeys(type);
  programTypes.register(type, (p) => {
    const aNode = required(p, 'argv', 'a list such as [my-tool, --flag, "{{ date }}"]');
    const argv = aNode === undefined ? undefined : readArgv(p, aNode);
    const options = processOptions(p, keys);
    p.r.finish(['type', 'argv', ...optionalKeys(keys)]);
    return argv === undefined || options === undefined ? undefined : { type, argv, ...options };
  });
}

function readArgv(p: Parser, node: Value): string[] | undefined {
  if (node === null || !isSeq(node) || node.items.length === 0) {
    p.ctx.error(node, `argv must be a non-empty list of strings, got ${describe(node)}`);
    return undefined;
  }
  const argv: string[] = [];
  for (const [i, item] of node.items.entries()) {
    const text = templatedString(p, p.ctx.deref(item), `argv[${i}]`);
    if (text === undefined) return undefined;
    argv.push(text);
  }
  return argv;
}

programTypes.register('no-op', (p) => {
  const dNode = p.r.take('duration');
  const sNode = p.r.take('success');
  p.r.finish(['type', 'duration', 'success']);
  const duration =
    dNode === undefined || isNullNode(dNode) ? undefined : durationField(p, dNode, 'no-op duration');
  const success = sNode === undefined ? true : isNullNode(sNode) ? null : readBool(p.ctx, sNode, 'success');
  if ((dNode !== undefined && !isNullNode(dNode) && duration === undefined) || success === undefined)
    return undefined;
  return duration === undefined ? { type: 'no-op', success } : { type: 'no-op', duration, success };
});

programTypes.register(STATS_TYPE, (p) => {
  const pathNode = p.r.take('path');
  p.r.finish(['type', 'path']);
  if (pathNode === undefined || isNullNode(pathNode)) return { type: STATS_TYPE };
  const path = templatedString(p, pathNode, 'stats path');
  return path === undefined ? undefined : { type: STATS_TYPE, path };
});

programTypes.register(ARCHIVE_TYPE, (p) => {
  const ageNode = required(p, 'age', 'the minimum age of runs to archive, such as 30d');
  const countNode = required(p, 'count', 'the most runs to archive per invocation, such as 10000');
  const pathNode = required(p, 'path', 'the archive database file');
  const sizeNode = p.r.take('chunk_size');
  const sleepNode = p.r.take('chunk_sleep');
  p.r.finish(['type', 'age', 'count', 'path', 'chunk_size', 'chunk_sleep']);
  const age = ageNode === undefined ? undefined : durationField(p, ageNode, 'archive age');
  const count = countNode === undefined ? undefined : integerField(p, countNode, 'archive count');
  const path = pathNode === undefined ? undefined : templatedString(p, pathNode, 'archive path');
  const chunkSize = sizeNode === undefined ? undefined : integerField(p, sizeNode, 'chunk_size');
  const chunkSleep = sleepNode === undefined ? undefined : durationField(p, sleepNode, 'chunk_sleep');
  if (age === undefined || count === undefined || path === undefined) return undefined;
  if (
    (sizeNode !== undefined && chunkSize === undefined) ||
    (sleepNode !== undefined && chunkSleep === undefined)
  )
    return undefined;
  return {
    type: ARCHIVE_TYPE,
    age,
    count,
    path,
    ...(chunkSize === undefined ? {} : { chunk_size: chunkSize }),
    ...(chunkSleep === undefined ? {} : { chunk_sleep: chunkSleep }),
  };
});

programTypes.register(VACUUM_TYPE, (p) => {
  p.r.finish(['type']);
  return { type: VACUUM_TYPE };
});

function integerField(p: Parser, node: Value, what: string): number | string | undefined {
  if (node !== null && isScalar(node) && typeof node.value === 'number') {
    if (Number.isSafeInteger(node.value) && node.value > 0) return node.value;
    p.ctx.error(node, `${what} must be a positive whole number, got ${String(node.value)}`);
    return undefined;
  }
  const text = templatedString(p, node, what, 'integer');
  if (text !== undefined && !isTemplated(text) && !/^\s*\d+\s*$/.test(text)) {
    p.ctx.error(node, `${what} must be a positive whole number, got ${quoted(text)}`);
    return undefined;
  }
  return text;
}

/** Parses a `program:` value; reports problems and returns undefined when it is not usable. */
export function parseProgram(ctx: FileContext, sink: TemplateSink, node: Value): ProgramSpec | undefined {
  if (node !== null && isScalar(node) && typeof node.value === 'string') {
    const p: Parser = { ctx, sink, r: new MapReader(ctx, node, 'program') };
    const command = templatedString(p, node, 'program command');
    return command === undefined ? undefined : { type: 'shell', command };
  }
  if (node !== null && isSeq(node)) {
    const argv = readArgv({ ctx, sink, r: new MapReader(ctx, node, 'program') }, node);
    return argv === undefined ? undefined : { type: 'program', argv };
  }
  if (node === null || !isMap(node)) {
    ctx.error(
      node,
      `program must be a mapping with a 'type', a shell command string, or an argv list; got ${describe(node)}`,
    );
    return undefined;
  }
  const r = new MapReader(ctx, node, 'program');
  const typeNode = r.take('type');
  if (typeNode === undefined) {
    ctx.error(node, `program has no 'type'; known types: ${visibleTypes().join(', ')}`);
    return undefined;
  }
  const type = readStringLike(ctx, typeNode, 'program type');
  if (type === undefined) return undefined;
  const parse = programTypes.get(type);
  if (parse === undefined) {
    if (type.includes('.') && !type.startsWith('apsis.program.'))
      ctx.error(
        typeNode,
        `program type ${quoted(type)} is not available; known types: ${visibleTypes().join(', ')}`,
      );
    else ctx.error(typeNode, programTypes.unknownMessage(type, visibleTypes()));
    return undefined;
  }
  const before = ctx.problems.length;
  // The type's own reader reads the remaining keys and reports unknown ones.
  const typed = new MapReader(ctx, node, `${type} program`);
  typed.take('type');
  const spec = parse({ ctx, sink, r: typed }, type);
  return ctx.problems.length > before ? undefined : spec;
}

/** Short names first, then the Apsis class names. */
function visibleTypes(): string[] {
  return [
    'shell',
    'program',
    'no-op',
    'procstar',
    'procstar-shell',
    ...programTypes.types().filter((t) => t.includes('.')),
  ];
}
