/**
 * Hand-written fakes of the Electron APIs the desktop glue uses (STYLE.md section 5, Fiddle's tests/mocks): each
 * records what it was asked and lets a test drive its events. Nothing here loads `electron`.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { IpcRendererLike } from '../../preload/bridge.js';
import type { Log } from '../../main/electron/log.js';
import type {
  DialogLike,
  FileShell,
  IpcInvokeEvent,
  IpcListener,
  IpcMainLike,
  MessageBoxOptions,
  NotificationFactory,
  OpenDialogOptions,
  PreventableEvent,
  RendererTarget,
  SaveDialogOptions,
  SecurableContents,
  SessionLike,
} from '../../main/electron/ports.js';
import type { UtilityChild } from '../../main/electron/utility-helper.js';

type Listener = (...args: never[]) => unknown;

/** A tiny event emitter keeping listeners by name, for fakes whose `on` has Electron's typed overloads. */
class Events {
  readonly listeners = new Map<string, Listener[]>();

  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  /** Calls every listener of `event` with `args`. */
  emit(event: string, ...args: unknown[]): void {
    for (const l of this.listeners.get(event) ?? []) (l as (...a: unknown[]) => unknown)(...args);
  }
}

export class FakeSession implements SessionLike {
  requestHandler: Parameters<SessionLike['setPermissionRequestHandler']>[0] = null;
  checkHandler: Parameters<SessionLike['setPermissionCheckHandler']>[0] = null;

  setPermissionRequestHandler(handler: Parameters<SessionLike['setPermissionRequestHandler']>[0]): void {
    this.requestHandler = handler;
  }

  setPermissionCheckHandler(handler: Parameters<SessionLike['setPermissionCheckHandler']>[0]): void {
    this.checkHandler = handler;
  }

  /** What a permission request is answered (the handler's callback value). */
  request(permission: string): boolean {
    let granted: boolean | undefined;
    this.requestHandler?.(null, permission, (g) => (granted = g));
    if (granted === undefined) throw new Error(`permission ${permission} was not answered`);
    return granted;
  }
}

/** A navigation-like event: records whether it was prevented. */
export class FakeEvent implements PreventableEvent {
  prevented = false;
  preventDefault(): void {
    this.prevented = true;
  }
}

let nextContentsId = 1;

/** A webContents: a renderer target for events, and the surface the security rules attach to. */
export class FakeWebContents extends Events implements RendererTarget, SecurableContents {
  readonly id = nextContentsId++;
  readonly session = new FakeSession();
  destroyed = false;
  /** Everything sent to this renderer, in order. */
  readonly sent: { channel: string; payload: unknown }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: 'deny' }) | null = null;
  /** Delivers sent events to a fake renderer (see FakeIpcRenderer). */
  deliver: ((channel: string, payload: unknown) => void) | null = null;

  isDestroyed(): boolean {
    return this.destroyed;
  }

  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, payload: args[0] });
    this.deliver?.(channel, args[0]);
  }

  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void {
    this.windowOpenHandler = handler;
  }

  /** Emits `will-navigate`-like events; returns whether the navigation was prevented. */
  navigate(event: 'will-navigate' | 'will-redirect', url: string): boolean {
    const e = new FakeEvent();
    this.emit(event, e, url);
    return e.prevented;
  }

  /** Payloads sent on `channel`. */
  payloads(channel: string): unknown[] {
    return this.sent.filter((s) => s.channel === channel).map((s) => s.payload);
  }
}

/** ipcMain: handlers by channel; `invoke` calls one as Electron would for a renderer's ipcRenderer.invoke. */
export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, IpcListener>();

  handle(channel: string, listener: IpcListener): void {
    if (this.handlers.has(channel))
      throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  async invoke(channel: string, event: IpcInvokeEvent, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (handler === undefined) throw new Error(`No handler registered for '${channel}'`);
    // Electron structured-clones answers: a value that cannot cross (a function, a class instance) fails here too.
    return structuredClone(await handler(event, ...args));
  }
}

/** The IPC event of a message from `sender`'s frame at `url` (null: the frame is gone). */
export function ipcEvent(sender: RendererTarget, url: string | null): IpcInvokeEvent {
  return { sender, senderFrame: url === null ? null : { url } };
}

/**
 * The renderer side: ipcRenderer over a FakeIpcMain, sending as `contents`' frame at `url`; events that main sends
 * to `contents` reach the listeners registered here, with a stand-in IpcRendererEvent first.
 */
export class FakeIpcRenderer implements IpcRendererLike {
  readonly listeners = new Map<string, ((event: unknown, payload: unknown) => void)[]>();
  /** The IpcRendererEvent stand-in passed to listeners (the bridge must not let it through). */
  readonly rendererEvent = { sender: 'ipcRenderer', ports: [] };

  constructor(
    private readonly main: FakeIpcMain,
    readonly contents: FakeWebContents,
    private readonly url = 'app://app/index.html',
  ) {
    contents.deliver = (channel, payload) => {
      for (const l of this.listeners.get(channel) ?? []) l(this.rendererEvent, structuredClone(payload));
    };
  }

  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    return this.main.invoke(channel, ipcEvent(this.contents, this.url), ...structuredClone(args));
  }

  on(channel: string, listener: (event: unknown, payload: unknown) => void): this {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), listener]);
    return this;
  }
}

/** dialog with scripted answers; records every call. */
export class FakeDialog implements DialogLike {
  readonly calls: { kind: 'open' | 'save' | 'message'; options: unknown }[] = [];
  /** The folder the next open dialog returns (null: cancelled). */
  openAnswer: string | null = null;
  /** The file the next save dialog returns (null: cancelled). */
  saveAnswer: string | null = null;
  /** Button indexes the next message boxes answer, in order; 0 when empty. */
  readonly responses: number[] = [];

  showOpenDialog(options: OpenDialogOptions): Promise<{ canceled: boolean; filePaths: string[] }> {
    this.calls.push({ kind: 'open', options });
    const answer = this.openAnswer;
    return Promise.resolve(
      answer === null ? { canceled: true, filePaths: [] } : { canceled: false, filePaths: [answer] },
    );
  }

  showSaveDialog(options: SaveDialogOptions): Promise<{ canceled: boolean; filePath?: string }> {
    this.calls.push({ kind: 'save', options });
    const answer = this.saveAnswer;
    return Promise.resolve(
      answer === null ? { canceled: true, filePath: '' } : { canceled: false, filePath: answer },
    );
  }

  showMessageBox(options: MessageBoxOptions): Promise<{ response: number }> {
    this.calls.push({ kind: 'message', options });
    return Promise.resolve({ response: this.responses.shift() ?? 0 });
  }
}

/** shell: records reveals, opened folders and external URLs (never opens anything). */
export class FakeShell implements FileShell {
  readonly revealed: string[] = [];
  readonly openedPaths: string[] = [];
  readonly external: string[] = [];
  openPathError = '';

  showItemInFolder(fullPath: string): void {
    this.revealed.push(fullPath);
  }

  openPath(path: string): Promise<string> {
    this.openedPaths.push(path);
    return Promise.resolve(this.openPathError);
  }

  /** The `shell.openExternal` seen by external-links.ts. */
  readonly externalShell = {
    openExternal: (url: string): Promise<void> => {
      this.external.push(url);
      return Promise.resolve();
    },
  };
}

/**
 * Notification: records each shown notification; `click(i)` and `close(i)` act on the i-th. Like Electron's, a
 * notification's events reach its listeners only while its JS object lives: this fake holds it weakly, so after a
 * garbage collection (`collectGarbage`) a notification nobody kept can no longer be clicked.
 */
export class FakeNotifications {
  readonly shown: { title: string; body: string; notification: WeakRef<Events> }[] = [];

  readonly create: NotificationFactory = (options) => {
    const events = new Events();
    const entry = { ...options, notification: new WeakRef(events) };
    return Object.assign(events, { show: () => void this.shown.push(entry) });
  };

  /** Whether the i-th notification's object is still alive (referenced by someone). */
  alive(i: number): boolean {
    return this.shown[i]?.notification.deref() !== undefined;
  }

  /** Clicks the i-th notification; false when its object was collected (the click reaches no one). */
  click(i: number): boolean {
    return this.#emit(i, 'click');
  }

  /** The i-th notification is dismissed (or expires); false when its object was collected. */
  close(i: number): boolean {
    return this.#emit(i, 'close');
  }

  #emit(i: number, event: 'click' | 'close'): boolean {
    const n = this.shown[i]?.notification.deref();
    n?.emit(event);
    return n !== undefined;
  }
}

/** A full garbage collection, after the current task (WeakRefs read in it are kept until it ends). */
export async function collectGarbage(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  await new Promise((resolve) => setImmediate(resolve));
  gc();
}

/** powerMonitor: `emit('suspend' | 'resume')`, `emit('shutdown', event)`. */
export class FakePowerMonitor extends Events {}

/** process as a source of signals: `emit('SIGTERM')`. */
export class FakeSignals extends Events {}

/**
 * A BrowserWindow as ConsoleWindow shows it: visible, minimized and focus state, `ready-to-show` driven by the test
 * (`paint()`), and the order of what was done to it.
 */
export class FakeWindow extends Events {
  visible = false;
  minimized = false;
  focused = false;
  destroyed = false;
  readonly actions: string[] = [];

  isDestroyed(): boolean {
    return this.destroyed;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.actions.push('restore');
    this.minimized = false;
  }
  show(): void {
    this.actions.push('show');
    this.visible = true;
  }
  hide(): void {
    this.actions.push('hide');
    this.visible = false;
    this.focused = false;
  }
  focus(): void {
    this.actions.push('focus');
    this.focused = true;
  }
  once(event: string, listener: Listener): this {
    const once = (...args: never[]): unknown => {
      this.listeners.set(
        event,
        (this.listeners.get(event) ?? []).filter((l) => l !== once),
      );
      return listener(...args);
    };
    return this.on(event, once);
  }
  /** The renderer has painted its first frame: Electron emits `ready-to-show` on a window not yet shown. */
  paint(): void {
    this.emit('ready-to-show');
  }
}

/** A log that keeps its lines ("info: ...") for assertions. */
export class FakeLog implements Log {
  readonly lines: string[] = [];
  info(...args: unknown[]): void {
    this.lines.push(`info: ${args.map(String).join(' ')}`);
  }
  warn(...args: unknown[]): void {
    this.lines.push(`warn: ${args.map(String).join(' ')}`);
  }
  error(...args: unknown[]): void {
    this.lines.push(`error: ${args.map(String).join(' ')}`);
  }
}

/** A utility process (utilityProcess.fork's result): records posted messages; `emit` drives its events. */
export class FakeUtilityChild extends Events implements UtilityChild {
  readonly posted: unknown[] = [];
  killed = false;
  pid: number | undefined = 4242;

  postMessage(message: unknown): void {
    this.posted.push(message);
  }

  kill(): boolean {
    this.killed = true;
    this.emit('exit', 9);
    return true;
  }
}
