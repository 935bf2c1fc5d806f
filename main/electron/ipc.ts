/**
 * The IPC handle wrapper (STYLE.md section 3, SPEC 16.4): one handler per request of shared/api/ipc.ts. Each checks
 * that the sender is our window's frame on the app:// origin, validates the input with the shared validator, and
 * answers a Result value; nothing is thrown across IPC.
 */
import { ApiError } from '../../shared/api/console-api.js';
import {
  REQUEST_NAMES,
  REQUESTS,
  type DesktopApi,
  type RequestInput,
  type RequestName,
  type RequestOutput,
  type Result,
} from '../../shared/api/ipc.js';
import type { ConsoleService } from '../service/console-service.js';
import { errorAnswer } from '../service/errors.js';
import type { EngineHost } from './engine-host.js';
import type { Log } from './log.js';
import type { IpcInvokeEvent, IpcMainLike, RendererTarget } from './ports.js';
import type { Subscriptions } from './subscriptions.js';
import { isAppUrl } from './window.js';

type Handler<K extends RequestName> = (
  input: RequestInput<K>,
  sender: RendererTarget,
) => RequestOutput<K> | Promise<RequestOutput<K>>;

/** The desktop requests, implemented by desktop.ts. */
export type DesktopHandlers = {
  [K in keyof DesktopApi]: (...input: RequestInput<K>) => RequestOutput<K> | Promise<RequestOutput<K>>;
};

export interface IpcDeps {
  host: EngineHost;
  subscriptions: Subscriptions;
  desktop: DesktopHandlers;
  /** Whether `sender` is the webContents of our window (not some other window or a devtools page). */
  isOurSender: (sender: RendererTarget) => boolean;
  log: Log;
}

/** Whether the message comes from our window's frame on the app origin. */
export function isOurFrame(event: IpcInvokeEvent, isOurSender: (sender: RendererTarget) => boolean): boolean {
  const url = event.senderFrame?.url;
  return url !== undefined && isAppUrl(url) && isOurSender(event.sender);
}

function fail(status: number, message: string): Result<never> {
  return { ok: false, error: { status, message } };
}

/** Registers every request's handler on `ipcMain`; returns the function removing them. */
export function registerIpc(ipcMain: IpcMainLike, deps: IpcDeps): () => void {
  const service = (): ConsoleService => {
    const engine = deps.host.current;
    if (engine === null) throw new ApiError(503, 'no job folder is open: use File > Open Job Folder');
    return engine.service;
  };
  const subs = deps.subscriptions;
  const d = deps.desktop;

  const handlers: { [K in RequestName]: Handler<K> } = {
    jobs: () => service().jobs(),
    job: ([jobId]) => service().job(jobId),
    run: ([runId]) => service().run(runId),
    runLog: ([runId]) => service().runLog(runId),
    output: ([runId]) => service().outputText(runId),
    schedule: ([request]) =>
      service().schedule({
        job_id: request.job_id,
        args: request.args,
        times: { schedule: request.schedule, stop: request.stop },
      }),
    operate: ([runId, op]) => {
      const s = service();
      switch (op) {
        case 'start':
          s.start(runId);
          return {};
        case 'skip':
          s.skip(runId);
          return {};
        case 'stop':
          s.stop(runId);
          return {};
        case 'rerun':
          return { run_id: s.rerun(runId).run_id };
      }
    },
    signal: ([runId, sig]) => service().signal(runId, sig),
    mark: ([runId, state]) => service().mark(runId, state),
    reload: ([dryRun]) => service().reload(dryRun),
    stats: () => service().stats(),
    statsHistory: ([from, to, step]) => service().statsHistory(from, to, step),
    statsCsv: ([from, to]) => service().statsCsv(from, to),
    subscribeSummary: ([sub], sender) => {
      subs.summary(sender, sub);
      return null;
    },
    subscribeRun: ([sub, runId], sender) => {
      subs.run(sender, sub, runId);
      return null;
    },
    subscribeOutput: ([sub, runId, start], sender) => {
      subs.output(sender, sub, runId, start);
      return null;
    },
    unsubscribe: ([sub], sender) => {
      subs.remove(sender, sub);
      return null;
    },
    folder: () => d.folder(),
    openFolder: () => d.openFolder(),
    openRecent: ([path]) => d.openRecent(path),
    revealJobFile: ([jobId]) => d.revealJobFile(jobId),
    showJobFolder: () => d.showJobFolder(),
    saveStatsCsv: ([from, to]) => d.saveStatsCsv(from, to),
  };

  function handle<K extends RequestName>(name: K): void {
    const { channel, validate } = REQUESTS[name];
    const fn = handlers[name] as Handler<K>;
    ipcMain.handle(channel, async (event, ...args): Promise<Result<RequestOutput<K>>> => {
      if (!isOurFrame(event, deps.isOurSender)) {
        deps.log.warn(`${name}: refused IPC from ${JSON.stringify(event.senderFrame?.url ?? null)}`);
        return fail(403, 'IPC from an unknown frame');
      }
      if (args.length !== 1) return fail(400, `${name}: send the arguments as one array`);
      const input = validate(args[0]);
      if (!input.ok) return input;
      try {
        const value = await fn(input.value, event.sender);
        await deps.host.current?.service.settled(); // no answer reports what a crash could still lose
        return { ok: true, value };
      } catch (e) {
        const answer = errorAnswer(name, e);
        if (!answer.expected) deps.log.error(`${name} failed:`, e);
        return { ok: false, error: { status: answer.status, message: answer.message } };
      }
    });
  }

  for (const name of REQUEST_NAMES) handle(name);
  return () => {
    for (const name of REQUEST_NAMES) ipcMain.removeHandler(REQUESTS[name].channel);
  };
}
