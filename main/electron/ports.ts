/**
 * The narrow shapes of the Electron APIs the desktop glue uses (STYLE.md section 5). Modules take these as
 * parameters, so tests pass hand-written fakes (test/fakes/electron.ts) and never load `electron`; app.ts passes the
 * real objects, and the type check against Electron's own definitions proves they fit.
 */

export interface PreventableEvent {
  preventDefault(): void;
}

/** A renderer that receives live events. */
export interface RendererTarget {
  readonly id: number;
  isDestroyed(): boolean;
  send(channel: string, ...args: unknown[]): void;
}

/** What an IPC handler learns of its caller: its webContents and frame. */
export interface IpcInvokeEvent {
  readonly sender: RendererTarget;
  /** The frame that sent the message; null once it has navigated away or been destroyed. */
  readonly senderFrame: { readonly url: string } | null;
}

export type IpcListener = (event: IpcInvokeEvent, ...args: unknown[]) => unknown;

export interface IpcMainLike {
  handle(channel: string, listener: IpcListener): void;
  removeHandler(channel: string): void;
}

type PermissionRequestHandler = (
  webContents: unknown,
  permission: string,
  callback: (granted: boolean) => void,
) => void;

export interface SessionLike {
  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void;
  setPermissionCheckHandler(handler: ((webContents: unknown, permission: string) => boolean) | null): void;
}

/** The webContents of our window, as the security rules see it. */
export interface SecurableContents {
  on(
    event: 'will-navigate' | 'will-redirect',
    listener: (event: PreventableEvent, url: string) => void,
  ): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  readonly session: SessionLike;
}

export interface OpenDialogOptions {
  title: string;
  properties: 'openDirectory'[];
  defaultPath?: string;
}

export interface SaveDialogOptions {
  title: string;
  defaultPath: string;
  filters: { name: string; extensions: string[] }[];
}

export interface MessageBoxOptions {
  type: 'none' | 'info' | 'error' | 'question' | 'warning';
  title?: string;
  message: string;
  detail?: string;
  buttons: string[];
  defaultId?: number;
  cancelId?: number;
}

export interface DialogLike {
  showOpenDialog(options: OpenDialogOptions): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSaveDialog(options: SaveDialogOptions): Promise<{ canceled: boolean; filePath?: string }>;
  showMessageBox(options: MessageBoxOptions): Promise<{ response: number }>;
}

/** The file-manager half of `shell` (links go through external-links.ts only). */
export interface FileShell {
  showItemInFolder(fullPath: string): void;
  /** Resolves with an error message, or '' on success. */
  openPath(path: string): Promise<string>;
}

export interface NotificationLike {
  show(): void;
  on(event: 'click', listener: () => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'failed', listener: () => void): unknown;
}

export type NotificationFactory = (options: { title: string; body: string }) => NotificationLike;

/** A menu item as Menu.buildFromTemplate takes it (the subset we use). */
export interface MenuItemSpec {
  label?: string;
  role?: 'editMenu' | 'windowMenu' | 'close' | 'toggleDevTools' | 'resetZoom' | 'zoomIn' | 'zoomOut';
  type?: 'separator';
  accelerator?: string;
  enabled?: boolean;
  click?: () => void;
  submenu?: MenuItemSpec[];
}
