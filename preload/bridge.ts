/**
 * The desktop bridge (STYLE.md section 3, SPEC 16.4): one method per request of shared/api/ipc.ts and one
 * subscription per live stream, over `ipcRenderer`, closed with `satisfies DesktopConsoleApi`. Nothing else crosses:
 * no ipcRenderer, no generic send/invoke, no process. Answers are Result values; an error becomes an ApiError
 * carrying the engine's message.
 */
import {
  ApiError,
  type AttentionWindow,
  type ConnectionState,
  type RunFilter,
  type Operation,
  type RunStreamMessage,
  type ScheduleRequest,
  type SummaryMessage,
  type Unsubscribe,
} from '../shared/api/console-api.js';
import {
  EVENTS,
  isEventPayload,
  REQUESTS,
  type DesktopConsoleApi,
  type EventName,
  type EventPayloads,
  type RequestInput,
  type RequestName,
  type RequestOutput,
} from '../shared/api/ipc.js';
import type { RunState } from '../shared/model/states.js';

/** The parts of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

function isResult(
  r: unknown,
): r is { ok: true; value: unknown } | { ok: false; error: { status?: unknown; message?: unknown } } {
  if (typeof r !== 'object' || r === null) return false;
  const ok = (r as { ok?: unknown }).ok;
  return ok === true || (ok === false && typeof (r as { error?: unknown }).error === 'object');
}

/** The bridge over `ipc`; `random` seeds subscription ids (unique per page). */
export function createBridge(ipc: IpcRendererLike, random: () => number = Math.random): DesktopConsoleApi {
  async function request<K extends RequestName>(
    name: K,
    ...args: RequestInput<K>
  ): Promise<RequestOutput<K>> {
    const r: unknown = await ipc.invoke(REQUESTS[name].channel, args);
    if (!isResult(r)) throw new ApiError(500, `${name}: malformed answer from the engine`);
    if (r.ok) return r.value; // the handler's answer for request K
    const { status, message } = r.error;
    throw new ApiError(
      typeof status === 'number' ? status : 500,
      typeof message === 'string' ? message : `${name} failed`,
    );
  }

  // One listener per event channel, dispatching by subscription id; the IpcRendererEvent never leaves here.
  const handlers: { [K in EventName]: Map<string, (payload: EventPayloads[K]) => void> } = {
    summary: new Map(),
    run: new Map(),
    output: new Map(),
  };
  const listen = <K extends EventName>(name: K): void => {
    ipc.on(EVENTS[name], (_event, payload) => {
      if (isEventPayload(name, payload)) handlers[name].get(payload.sub)?.(payload);
    });
  };
  listen('summary');
  listen('run');
  listen('output');

  const prefix = Math.floor(random() * 2 ** 32).toString(36);
  let next = 0;
  const newSub = (): string => `${prefix}-${(next += 1)}`;
  const end = (name: EventName, sub: string): void => {
    if (!handlers[name].delete(sub)) return;
    request('unsubscribe', sub).catch(() => {}); // gone already: nothing to end
  };

  return {
    jobs: () => request('jobs'),
    job: (jobId: string) => request('job', jobId),
    run: (runId: string) => request('run', runId),
    runLog: (runId: string) => request('runLog', runId),
    output: (runId: string) => request('output', runId),
    schedule: (r: ScheduleRequest) => request('schedule', r),
    operate: (runId: string, op: Operation) => request('operate', runId, op),
    signal: (runId: string, signal: string) => request('signal', runId, signal),
    mark: (runId: string, state: RunState) => request('mark', runId, state),
    reload: (dryRun: boolean) => request('reload', dryRun),
    plan: (from: string | null, to: string | null, jobId: string | null) => request('plan', from, to, jobId),
    runs: (filter: RunFilter) => request('runs', filter),
    attention: (window: AttentionWindow | null) => request('attention', window),
    stats: () => request('stats'),
    statsHistory: (from: string | null, to: string | null, step: number | null) =>
      request('statsHistory', from, to, step),
    statsCsv: (from: string | null, to: string | null) => request('statsCsv', from, to),

    subscribeSummary(
      onMessages: (messages: SummaryMessage[]) => void,
      onState: (state: ConnectionState) => void,
      onReset: () => void,
    ): Unsubscribe {
      const sub = newSub();
      handlers.summary.set(sub, ({ reset, messages }) => {
        // A fresh init (first batch, or after a folder switch) replaces everything the console had.
        if (reset) onReset();
        onMessages(messages);
      });
      onState('connecting');
      request('subscribeSummary', sub).then(
        () => {
          if (handlers.summary.has(sub)) onState('open');
        },
        () => {
          if (handlers.summary.has(sub)) onState('closed');
        },
      );
      return () => end('summary', sub);
    },

    subscribeRun(runId: string, onMessage: (m: RunStreamMessage) => void): Unsubscribe {
      const sub = newSub();
      handlers.run.set(sub, ({ message }) => onMessage(message));
      request('subscribeRun', sub, runId).catch(() => handlers.run.delete(sub));
      return () => end('run', sub);
    },

    subscribeOutput(
      runId: string,
      start: number,
      onChunk: (text: string, end: number) => void,
      onEnd: () => void,
    ): Unsubscribe {
      const sub = newSub();
      const finish = (): void => {
        if (handlers.output.delete(sub)) onEnd();
      };
      handlers.output.set(sub, (p) => {
        if ('done' in p) finish();
        else onChunk(p.text, p.end);
      });
      request('subscribeOutput', sub, runId, start).catch(finish);
      return () => end('output', sub);
    },

    desktop: {
      folder: () => request('folder'),
      openFolder: () => request('openFolder'),
      openRecent: (path: string) => request('openRecent', path),
      revealJobFile: (jobId: string) => request('revealJobFile', jobId),
      showJobFolder: () => request('showJobFolder'),
      saveStatsCsv: (from: string | null, to: string | null) => request('saveStatsCsv', from, to),
    },
  } satisfies DesktopConsoleApi;
}
