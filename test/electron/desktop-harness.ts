/** The desktop glue wired to fakes (test/fakes/electron.ts) around a real engine host, for the electron tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REQUESTS, type RequestName, type Result } from '../../shared/api/ipc.js';
import { DesktopActions } from '../../main/electron/desktop.js';
import { EngineHost, type MaxAgeChoice } from '../../main/electron/engine-host.js';
import { registerIpc } from '../../main/electron/ipc.js';
import { Subscriptions } from '../../main/electron/subscriptions.js';
import type { App } from '../../main/engine/app.js';
import { SystemClock, type Clock } from '../../main/engine/clock.js';
import { jobFolder } from '../helpers/folders.js';
import { FakeDialog, FakeIpcMain, FakeLog, FakeShell, FakeWebContents, ipcEvent } from '../fakes/electron.js';

export const APP_URL = 'app://app/index.html';

export interface Desktop {
  userData: string;
  host: EngineHost;
  subscriptions: Subscriptions;
  ipcMain: FakeIpcMain;
  /** Our window's webContents. */
  contents: FakeWebContents;
  dialog: FakeDialog;
  shell: FakeShell;
  log: FakeLog;
  desktop: DesktopActions;
  /** Answers of the max_age prompt, in order. */
  maxAgeAnswers: MaxAgeChoice[];
  /** Invokes request `name` with raw `args` as our window's frame (or as `from`). */
  call(
    name: RequestName,
    args: unknown,
    from?: { contents?: FakeWebContents; url?: string | null },
  ): Promise<Result<unknown>>;
  /** Calls `name` and returns its value; fails the test with the error message otherwise. */
  value<T = unknown>(name: RequestName, args: unknown[]): Promise<T>;
  close(): Promise<void>;
}

/** The engine of the open folder; fails the test when none is open. */
export function appOf(desktop: Desktop): App {
  const engine = desktop.host.current;
  if (engine === null) throw new Error('no job folder is open');
  return engine.app;
}

/** A desktop app with no folder open yet. */
export function openDesktop(options: { clock?: Clock } = {}): Desktop {
  const userData = mkdtempSync(join(tmpdir(), 'apsis-userdata-'));
  const log = new FakeLog();
  const maxAgeAnswers: MaxAgeChoice[] = [];
  const host = new EngineHost({
    userData,
    clock: options.clock ?? new SystemClock(),
    askMaxAge: () => Promise.resolve(maxAgeAnswers.shift() ?? 'close'),
    log,
  });
  const subscriptions = new Subscriptions(host, log);
  const ipcMain = new FakeIpcMain();
  const contents = new FakeWebContents();
  const dialog = new FakeDialog();
  const shell = new FakeShell();
  const desktop = new DesktopActions({
    host,
    dialog,
    shell,
    downloadsDir: userData,
    now: () => Date.parse('2026-03-11T13:30:00Z'),
  });
  registerIpc(ipcMain, {
    host,
    subscriptions,
    desktop,
    isOurSender: (sender) => sender.id === contents.id,
    log,
  });
  const d: Desktop = {
    userData,
    host,
    subscriptions,
    ipcMain,
    contents,
    dialog,
    shell,
    log,
    desktop,
    maxAgeAnswers,
    call: async (name, args, from = {}) =>
      (await ipcMain.invoke(
        REQUESTS[name].channel,
        ipcEvent(from.contents ?? contents, from.url === undefined ? APP_URL : from.url),
        args,
      )) as Result<unknown>,
    async value<T>(name: RequestName, args: unknown[]): Promise<T> {
      const r = await d.call(name, args);
      if (!r.ok) throw new Error(`${name} failed: ${r.error.status ?? '?'} ${r.error.message}`);
      return r.value as T;
    },
    close: () => host.shutdown(),
  };
  return d;
}

/** A desktop app with a job folder of `files` open. */
export async function openDesktopOn(
  files: Record<string, string>,
  options: { clock?: Clock } = {},
): Promise<Desktop & { folder: string }> {
  const d = openDesktop(options);
  const folder = jobFolder(files);
  await d.host.open(folder);
  return { ...d, folder };
}
