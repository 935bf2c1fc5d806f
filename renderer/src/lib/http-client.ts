/** ConsoleApi over the headless server's HTTP API and WebSocket streams (SPEC 15, 16). */
import { errorMessage } from '../../../shared/api/http-error.js';
import {
  ApiError,
  type Attention,
  type AttentionWindow,
  type ConnectionState,
  type RunFilter,
  type ConsoleApi,
  type Operation,
  type PlanEntry,
  type ReloadResult,
  type RunStreamMessage,
  type ScheduleRequest,
  type SummaryMessage,
  type Unsubscribe,
} from '../../../shared/api/console-api.js';
import type { JobJson } from '../../../shared/model/job.js';
import type { RunCollection, RunJson, RunLogEntry, RunSummary } from '../../../shared/model/run.js';
import type { RunState } from '../../../shared/model/states.js';

const RECONNECT_MS = 1000;

/** Query names of GET /api/v1/runs that are not arg filters. */
const RESERVED = new Set(['summary', 'run_id', 'job_id', 'state', 'since', 'before', 'stop_before']);

export class HttpClient implements ConsoleApi {
  constructor(
    private readonly base: string,
    private readonly token: string | null,
  ) {}

  private headers(): Record<string, string> {
    return this.token === null ? {} : { authorization: `Bearer ${this.token}` };
  }

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    const init: RequestInit = {
      method,
      headers: { ...this.headers(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    };
    if (body !== undefined) init.body = JSON.stringify(body);
    const r = await fetch(this.base + path, init);
    if (!r.ok) throw new ApiError(r.status, await errorMessage(r));
    return r;
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await (await this.request(method, path, body)).json()) as T;
  }

  jobs(): Promise<JobJson[]> {
    return this.json('GET', '/api/v1/jobs');
  }

  job(jobId: string): Promise<JobJson> {
    return this.json('GET', `/api/v1/jobs/${encodeURIComponent(jobId)}`);
  }

  async run(runId: string): Promise<RunJson> {
    const c = await this.json<RunCollection>('GET', `/api/v1/runs/${encodeURIComponent(runId)}`);
    const run = c.runs[runId];
    if (run === undefined) throw new ApiError(404, `no run ${runId}`);
    return run;
  }

  async runLog(runId: string): Promise<RunLogEntry[]> {
    return (
      await this.json<{ run_log: RunLogEntry[] }>('GET', `/api/v1/runs/${encodeURIComponent(runId)}/log`)
    ).run_log;
  }

  async output(runId: string): Promise<string> {
    const r = await fetch(`${this.base}/api/v1/runs/${encodeURIComponent(runId)}/output/output`, {
      headers: this.headers(),
    });
    if (r.status === 404) return '';
    if (!r.ok) throw new ApiError(r.status, await errorMessage(r));
    return new TextDecoder().decode(await r.arrayBuffer());
  }

  async schedule(req: ScheduleRequest): Promise<RunJson[]> {
    const times: Record<string, string> = {};
    if (req.schedule !== undefined) times['schedule'] = req.schedule;
    if (req.stop !== undefined) times['stop'] = req.stop;
    const c = await this.json<RunCollection>('POST', '/api/v1/runs', {
      job_id: req.job_id,
      args: req.args,
      times,
    });
    return Object.values(c.runs);
  }

  async operate(runId: string, op: Operation): Promise<{ run_id?: string }> {
    const r = await this.json<{ show_run_id?: string }>(
      'POST',
      `/api/v1/runs/${encodeURIComponent(runId)}/${op}`,
    );
    return r.show_run_id === undefined ? {} : { run_id: r.show_run_id };
  }

  async signal(runId: string, signal: string): Promise<void> {
    await this.request(
      'POST',
      `/api/v1/runs/${encodeURIComponent(runId)}/signal/${encodeURIComponent(signal)}`,
    );
  }

  async mark(runId: string, state: RunState): Promise<void> {
    await this.request('POST', `/api/v1/runs/${encodeURIComponent(runId)}/mark/${state}`);
  }

  reload(dryRun: boolean): Promise<ReloadResult> {
    return this.json('POST', `/api/control/reload_jobs${dryRun ? '?dry_run=true' : ''}`);
  }

  plan(from: string | null, to: string | null, jobId: string | null): Promise<PlanEntry[]> {
    const q = new URLSearchParams();
    if (from !== null) q.set('from', from);
    if (to !== null) q.set('to', to);
    if (jobId !== null) q.set('job_id', jobId);
    return this.json('GET', `/api/v1/plan?${q.toString()}`);
  }

  async runs(filter: RunFilter): Promise<RunSummary[]> {
    const q = new URLSearchParams({ summary: 'true' });
    if (filter.job_id !== undefined) q.set('job_id', filter.job_id);
    for (const state of filter.state === undefined ? [] : [filter.state].flat()) q.append('state', state);
    if (filter.since !== undefined) q.set('since', filter.since);
    if (filter.before !== undefined) q.set('before', filter.before);
    if (filter.stop_before !== undefined) q.set('stop_before', filter.stop_before);
    for (const id of filter.run_ids ?? []) q.append('run_id', id);
    // An arg named like a filter, or starting with `_`, is sent with a `_` before it (SPEC 15.3).
    for (const [name, value] of Object.entries(filter.args ?? {}))
      q.set(RESERVED.has(name) || name.startsWith('_') ? `_${name}` : name, value);
    const c = await this.json<RunCollection<RunSummary>>('GET', `/api/v1/runs?${q.toString()}`);
    return Object.values(c.runs);
  }

  attention(window: AttentionWindow | null): Promise<Attention> {
    return this.json('GET', `/api/v1/attention${window === null ? '' : `?window=${window}`}`);
  }

  stats(): Promise<unknown> {
    return this.json('GET', '/api/v1/stats');
  }

  statsHistory(
    from: string | null,
    to: string | null,
    step: number | null,
  ): Promise<{ time: number; stats: unknown }[]> {
    const q = new URLSearchParams();
    if (from !== null) q.set('from', from);
    if (to !== null) q.set('to', to);
    if (step !== null) q.set('step', String(step));
    return this.json('GET', `/api/v1/stats/history?${q.toString()}`);
  }

  async statsCsv(from: string | null, to: string | null): Promise<string> {
    const q = new URLSearchParams();
    if (from !== null) q.set('from', from);
    if (to !== null) q.set('to', to);
    return (await this.request('GET', `/api/v1/stats/history.csv?${q.toString()}`)).text();
  }

  private socket(path: string): WebSocket {
    const url = new URL(this.base + path, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.token !== null) url.searchParams.set('token', this.token);
    return new WebSocket(url);
  }

  subscribeSummary(
    onMessages: (messages: SummaryMessage[]) => void,
    onState: (state: ConnectionState) => void,
    onReset: () => void,
  ): Unsubscribe {
    let closed = false;
    let ws: WebSocket | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connect = (): void => {
      onState('connecting');
      // Compact: the runs nearest the present come first, as arrays the console reads without building objects.
      ws = this.socket('/api/v1/summary?init&compact=1');
      let reset = false;
      ws.onopen = () => onState('open');
      ws.onmessage = (e: MessageEvent<string>) => {
        if (!reset) {
          // A fresh init replaces everything the console had: no duplicates after a reconnect (SPEC 16.1).
          reset = true;
          onReset();
        }
        onMessages(JSON.parse(e.data) as SummaryMessage[]);
      };
      ws.onclose = () => {
        if (closed) return;
        onState('closed');
        timer = setTimeout(connect, RECONNECT_MS);
      };
    };
    connect();
    return () => {
      closed = true;
      clearTimeout(timer);
      closeSocket(ws);
    };
  }

  subscribeRun(runId: string, onMessage: (m: RunStreamMessage) => void): Unsubscribe {
    let closed = false;
    let ws: WebSocket | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connect = (): void => {
      ws = this.socket(`/api/v1/runs/${encodeURIComponent(runId)}/updates?init`);
      ws.onmessage = (e: MessageEvent<string>) => onMessage(JSON.parse(e.data) as RunStreamMessage);
      ws.onclose = (e) => {
        if (!closed && e.code !== 1000) timer = setTimeout(connect, RECONNECT_MS);
      };
    };
    connect();
    return () => {
      closed = true;
      clearTimeout(timer);
      closeSocket(ws);
    };
  }

  subscribeOutput(
    runId: string,
    start: number,
    onChunk: (text: string, end: number) => void,
    onEnd: () => void,
  ): Unsubscribe {
    const ws = this.socket(`/api/v1/runs/${encodeURIComponent(runId)}/output/output/updates?start=${start}`);
    ws.binaryType = 'arraybuffer';
    const decoder = new TextDecoder();
    ws.onmessage = (e: MessageEvent<ArrayBuffer>) => {
      const bytes = new Uint8Array(e.data);
      const split = indexOfBlankLine(bytes);
      const header = new TextDecoder('latin1').decode(bytes.subarray(0, split));
      const range = /Content-Range: bytes=(\d+)-(-?\d+)\/(\d+)/.exec(header);
      const end = range === null ? 0 : Number(range[2]) + 1;
      onChunk(decoder.decode(bytes.subarray(split + 4), { stream: true }), end);
    };
    ws.onclose = () => onEnd();
    return () => {
      ws.onclose = null;
      closeSocket(ws);
    };
  }
}

/**
 * Closes a socket without the browser's "closed before the connection is established" warning: one still
 * connecting is closed as soon as it opens, and hears nothing more.
 */
function closeSocket(ws: WebSocket | null): void {
  if (ws === null) return;
  ws.onmessage = null;
  if (ws.readyState === WebSocket.CONNECTING) ws.onopen = () => ws.close();
  else ws.close();
}

function indexOfBlankLine(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i += 1)
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) return i;
  return bytes.length;
}

/** The client for this page: same origin; a `?token=` on the page URL is kept for the session. */
export function clientForPage(): HttpClient {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null) {
    sessionStorage.setItem('apsis-token', fromUrl);
    url.searchParams.delete('token');
    history.replaceState(null, '', url);
  }
  return new HttpClient('', sessionStorage.getItem('apsis-token'));
}
