/**
 * Live event subscriptions of renderers (SPEC 16 over IPC): each is keyed by the renderer and an id the preload
 * chose, fed by the console service's feeds (which deliver only committed changes) and sent on the channels of
 * shared/api/ipc.ts. A folder switch restarts every summary subscription with a fresh init (reset) and ends run and
 * output subscriptions of the old engine.
 */
import { ApiError } from '../../shared/api/console-api.js';
import { EVENTS, type EventName, type EventPayloads } from '../../shared/api/ipc.js';
import type { StopFeed } from '../service/feeds.js';
import type { EngineHost, OpenEngine } from './engine-host.js';
import type { Log } from './log.js';
import type { RendererTarget } from './ports.js';

/** Subscriptions one renderer may hold at once (a leak in the console must not grow without bound). */
const MAX_SUBSCRIPTIONS = 256;

type Kind = 'summary' | 'run' | 'output';

interface Subscription {
  target: RendererTarget;
  sub: string;
  kind: Kind;
  stop: StopFeed;
}

export class Subscriptions {
  readonly #subs = new Map<string, Subscription>();

  constructor(
    private readonly host: EngineHost,
    private readonly log: Log,
  ) {
    host.onChange((engine) => this.#switch(engine));
  }

  /** Subscriptions held now, for tests and diagnostics. */
  get size(): number {
    return this.#subs.size;
  }

  /** The summary stream with init; kept across folder switches (each starts again with init). */
  summary(target: RendererTarget, sub: string): void {
    const s = this.#add(target, sub, 'summary');
    const engine = this.host.current;
    if (engine !== null) s.stop = this.#summaryFeed(engine, s);
  }

  /** A run's stream; 404 for an unknown run, 503 without an open folder. */
  run(target: RendererTarget, sub: string, runId: string): void {
    const service = this.#engine().service;
    service.findRun(runId); // 404 before the subscription is added
    const s = this.#add(target, sub, 'run');
    s.stop = service.subscribeRun(runId, (message) => this.#send(s, 'run', { sub, message }));
  }

  /** A run's output from byte `start`. */
  output(target: RendererTarget, sub: string, runId: string, start: number): void {
    const service = this.#engine().service;
    service.findRun(runId); // 404 before the subscription is added
    const s = this.#add(target, sub, 'output');
    // Text is decoded as UTF-8 across chunk boundaries (invalid bytes replaced).
    const decoder = new TextDecoder();
    let end = start;
    s.stop = service.subscribeOutput(runId, start, (chunk) => {
      if (chunk === null) {
        const rest = decoder.decode(); // a UTF-8 sequence cut short by the end of the output
        if (rest !== '') this.#send(s, 'output', { sub, text: rest, end });
        this.#send(s, 'output', { sub, done: true });
        this.#subs.delete(key(target.id, sub));
      } else {
        end = chunk.end;
        this.#send(s, 'output', { sub, text: decoder.decode(chunk.data, { stream: true }), end });
      }
    });
  }

  /** Ends one subscription; unknown ids are ignored (it may have ended by itself). */
  remove(target: RendererTarget, sub: string): void {
    const s = this.#subs.get(key(target.id, sub));
    if (s === undefined) return;
    this.#subs.delete(key(target.id, sub));
    s.stop();
  }

  /** Ends every subscription of a renderer (its window closed or reloaded). */
  dropTarget(targetId: number): void {
    for (const s of [...this.#subs.values()]) if (s.target.id === targetId) this.remove(s.target, s.sub);
  }

  #engine(): OpenEngine {
    const engine = this.host.current;
    if (engine === null) throw new ApiError(503, 'no job folder is open: use File > Open Job Folder');
    return engine;
  }

  #add(target: RendererTarget, sub: string, kind: Kind): Subscription {
    this.remove(target, sub); // an id used again replaces its old subscription
    let held = 0;
    for (const s of this.#subs.values()) if (s.target.id === target.id) held += 1;
    if (held >= MAX_SUBSCRIPTIONS)
      throw new ApiError(400, `too many live subscriptions (${MAX_SUBSCRIPTIONS}); unsubscribe first`);
    const s: Subscription = { target, sub, kind, stop: () => {} };
    this.#subs.set(key(target.id, sub), s);
    return s;
  }

  #summaryFeed(engine: OpenEngine, s: Subscription): StopFeed {
    return engine.service.subscribeSummary((frame, reset) =>
      this.#send(s, 'summary', { sub: s.sub, reset, messages: frame.messages }),
    );
  }

  #send<K extends EventName>(s: Subscription, name: K, payload: EventPayloads[K]): void {
    if (s.target.isDestroyed()) {
      this.dropTarget(s.target.id);
      return;
    }
    s.target.send(EVENTS[name], payload);
  }

  /** Before a shutdown (null): every feed stops. After a start: summaries start again with init. */
  #switch(engine: OpenEngine | null): void {
    for (const s of [...this.#subs.values()]) {
      s.stop();
      s.stop = () => {};
      if (s.kind === 'summary') {
        if (engine !== null) s.stop = this.#summaryFeed(engine, s);
        continue;
      }
      if (s.kind === 'output') this.#send(s, 'output', { sub: s.sub, done: true });
      this.#subs.delete(key(s.target.id, s.sub));
    }
    if (engine === null) this.log.info('live subscriptions paused for an engine switch');
  }
}

const key = (targetId: number, sub: string): string => `${targetId}:${sub}`;
