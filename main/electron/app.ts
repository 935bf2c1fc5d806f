/**
 * The Electron main process (package.json "main": dist/main/electron/app.js). Wiring only: the logic lives in the
 * modules composed here, which take Electron's objects as narrow parameters and are tested with fakes. This file
 * is type-checked against Electron's definitions but never run by tests.
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  Notification,
  powerMonitor,
  protocol,
  shell,
  Tray,
  utilityProcess,
} from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatProblem } from '../../shared/model/problem.js';
import { SystemClock } from '../engine/clock.js';
import { DesktopActions } from './desktop.js';
import { EngineHost, type MaxAgeChoice, type OpenEngine } from './engine-host.js';
import { externalOpener } from './external-links.js';
import { registerIpc } from './ipc.js';
import { QuitFlow, quitMessage, watchPower, watchSystemQuit } from './lifecycle.js';
import { scopedLog } from './log.js';
import { appMenu } from './menu.js';
import { FailureNotifier } from './notify.js';
import type { DialogLike, MessageBoxOptions } from './ports.js';
import { APP_SCHEME_PRIVILEGES, appProtocolHandler } from './protocol.js';
import { Subscriptions } from './subscriptions.js';
import { TrayStatus } from './tray.js';
import { utilitySpawner } from './utility-helper.js';
import {
  APP_INDEX,
  APP_SCHEME,
  ConsoleWindow,
  dialogParent,
  sandboxOff,
  secureContents,
  windowOptions,
} from './window.js';

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/main/electron
const ROOT = join(HERE, '..', '..', '..'); // the package (app.asar when packaged)
const RENDERER_DIR = join(ROOT, 'renderer', 'dist');
const PRELOAD = join(ROOT, 'dist', 'preload', 'index.cjs');
const ICON = join(ROOT, 'build', 'icon.png');
const TRAY_ICON = join(ROOT, 'build', 'tray.png');
const LAUNCHER_SHIM = join(HERE, 'launcher-utility.js');

const log = scopedLog('desktop');

// Before `ready`: app:// is a standard, secure scheme, so the renderer gets a real origin and its CSP applies.
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

if (!app.requestSingleInstanceLock()) app.quit();
else
  app
    .whenReady()
    .then(start)
    .catch((e: unknown) => {
      log.error('start failed:', e);
      dialog.showErrorBox('Apsis Console could not start', e instanceof Error ? e.message : String(e));
      app.exit(1);
    });

async function start(): Promise<void> {
  const devTools = !app.isPackaged;
  const sandbox = sandboxOff(app.commandLine.hasSwitch('no-sandbox'), app.isPackaged);
  if (sandbox !== null && 'refuse' in sandbox) {
    dialog.showErrorBox('Apsis Console cannot start without its sandbox', sandbox.refuse);
    app.exit(1);
    return;
  }
  if (sandbox !== null) log.warn(sandbox.warn);
  const clock = new SystemClock();
  const consoleWindow = new ConsoleWindow(() => createWindow());

  // Dialogs belong to the console window only while it is on screen: never to a hidden one.
  const messageBox = (options: MessageBoxOptions) => {
    const parent = dialogParent(consoleWindow.current);
    return parent === null ? dialog.showMessageBox(options) : dialog.showMessageBox(parent, options);
  };
  const dialogs: DialogLike = {
    showOpenDialog: (o) => {
      const parent = dialogParent(consoleWindow.current);
      return parent === null ? dialog.showOpenDialog(o) : dialog.showOpenDialog(parent, o);
    },
    showSaveDialog: (o) => {
      const parent = dialogParent(consoleWindow.current);
      return parent === null ? dialog.showSaveDialog(o) : dialog.showSaveDialog(parent, o);
    },
    showMessageBox: messageBox,
  };
  const showError = async (title: string, e: unknown): Promise<void> => {
    await messageBox({
      type: 'error',
      message: title,
      detail: e instanceof Error ? e.message : String(e),
      buttons: ['OK'],
    });
  };
  /** Runs a menu action; its failure is shown, never thrown into Electron's menu code. */
  const guarded = (title: string, action: () => unknown) => () => {
    Promise.resolve()
      .then(action)
      .catch((e: unknown) => showError(title, e))
      .catch((e: unknown) => log.error(title, e));
  };

  protocol.handle(APP_SCHEME, appProtocolHandler(RENDERER_DIR));
  const opener = externalOpener({
    shell,
    confirm: async (url) =>
      (
        await messageBox({
          type: 'question',
          message: 'Open this link in your web browser?',
          detail: url,
          buttons: ['Open', 'Cancel'],
          defaultId: 1,
          cancelId: 1,
        })
      ).response === 0,
    log: scopedLog('links'),
  });

  const host = new EngineHost({
    userData: app.getPath('userData'),
    clock,
    spawnHelper: utilitySpawner(
      (path, args, options) => utilityProcess.fork(path, args, options),
      LAUNCHER_SHIM,
    ),
    askMaxAge: async (message, folder): Promise<MaxAgeChoice> => {
      const choices: MaxAgeChoice[] = ['catch-up', 'skip', 'close'];
      const { response } = await messageBox({
        type: 'question',
        message: `Runs of ${folder} were missed for longer than schedule.max_age.`,
        detail: message,
        buttons: ['Catch Up', 'Skip Missed Runs', 'Close'],
        defaultId: 1,
        cancelId: 2,
      });
      return choices[response] ?? 'close';
    },
    log: scopedLog('engine'),
  });
  const subscriptions = new Subscriptions(host, scopedLog('ipc'));
  const desktop = new DesktopActions({
    host,
    dialog: dialogs,
    shell,
    downloadsDir: app.getPath('downloads'),
    now: () => clock.now(),
  });
  registerIpc(ipcMain, {
    host,
    subscriptions,
    desktop,
    isOurSender: (sender) => sender.id === consoleWindow.current?.webContents.id,
    log: scopedLog('ipc'),
  });

  const quitFlow = new QuitFlow({
    host,
    confirm: async (inFlight) => {
      const { message, detail } = quitMessage(inFlight);
      const { response } = await messageBox({
        type: 'warning',
        message,
        detail,
        buttons: ['Quit', 'Cancel'],
        defaultId: 1,
        cancelId: 1,
      });
      return response === 0;
    },
    showWindow: () => showWindow(),
    quit: () => app.quit(),
    exit: (code) => app.exit(code),
    clock,
    log,
  });
  app.on('before-quit', (event) => quitFlow.onBeforeQuit(event));
  // A system shutdown, logout or quit signal quits without asking (after app.whenReady(): Electron installs its
  // own signal handlers before, and the last handler installed is the one called).
  watchSystemQuit(process, powerMonitor, quitFlow);
  // The engine keeps running in the tray with every window closed, until the operator quits.
  app.on('window-all-closed', () => {});
  app.on('second-instance', () => showWindow());
  app.on('activate', () => showWindow());
  watchPower(powerMonitor, host, scopedLog('power'));

  const showWindow = (): void => consoleWindow.show();

  function createWindow(): BrowserWindow {
    const w = new BrowserWindow(windowOptions({ preload: PRELOAD, icon: ICON }, devTools));
    const contentsId = w.webContents.id;
    secureContents(w.webContents, opener, scopedLog('security'));
    w.on('page-title-updated', (event) => event.preventDefault());
    w.setTitle(title(host.current));
    w.on('close', (event) =>
      quitFlow.onWindowClose(event, () => {
        consoleWindow.hidden();
        w.hide();
      }),
    );
    w.on('closed', () => {
      subscriptions.dropTarget(contentsId);
      consoleWindow.closed();
    });
    // Windows: the session is ending (shutdown, restart, log-off).
    w.on('session-end', () => quitFlow.onSystemQuit('the session is ending'));
    // A reload starts a new page with a new bridge: the old page's subscriptions end.
    w.webContents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) subscriptions.dropTarget(contentsId);
    });
    // The window shows on `ready-to-show` (ConsoleWindow); a page that never paints must not keep it off screen.
    w.webContents.on('render-process-gone', (_event, details) => {
      log.error('renderer gone:', details.reason);
      consoleWindow.showAnyway();
    });
    w.webContents.on('did-fail-load', (_event, code, description, _url, isMainFrame) => {
      if (!isMainFrame || code === -3) return; // -3: a navigation aborted by a newer one
      log.error(`loading the console failed: ${description} (${code})`);
      consoleWindow.showAnyway();
    });
    w.loadURL(APP_INDEX).catch((e: unknown) => log.error('loading the console failed:', e));
    return w;
  }

  const openFolder = guarded('Could not open the job folder', () => desktop.openFolder());
  const setMenu = (): void => {
    const actions = {
      openFolder,
      openRecent: (path: string) =>
        guarded('Could not open the job folder', () => desktop.openRecent(path))(),
      reloadJobs: guarded('Could not reload the jobs', async () => {
        const engine = host.current;
        if (engine === null) return;
        const r = engine.app.reload(false);
        const problems = r.errors.map(formatProblem);
        await messageBox({
          type: problems.length === 0 ? 'info' : 'warning',
          message: `Jobs reloaded: ${r.added.length} added, ${r.changed.length} changed, ${r.removed.length} removed, ${problems.length} problems.`,
          detail: problems.slice(0, 20).join('\n') + (problems.length > 20 ? '\n…' : ''),
          buttons: ['OK'],
        });
      }),
      showJobFolder: guarded('Could not show the job folder', () => desktop.showJobFolder()),
      exportStatsCsv: guarded('Could not export the stats history', () => desktop.saveStatsCsv(null, null)),
      quit: () => app.quit(),
    };
    Menu.setApplicationMenu(Menu.buildFromTemplate(appMenu(host.folderState(), actions, devTools)));
  };

  const tray = new Tray(nativeImage.createFromPath(TRAY_ICON));
  tray.on('click', () => showWindow());
  const trayStatus = new TrayStatus(
    {
      setToolTip: (text) => tray.setToolTip(text),
      setMenu: (template) => tray.setContextMenu(Menu.buildFromTemplate(template)),
    },
    { show: showWindow, quit: () => app.quit() },
  );
  const notifier = new FailureNotifier(
    (options) => new Notification(options),
    () => showWindow(),
  );

  host.onChange((engine) => {
    setMenu();
    trayStatus.attach(engine);
    if (Notification.isSupported()) notifier.attach(engine);
    consoleWindow.current?.setTitle(title(engine));
  });
  setMenu();
  showWindow();

  // First run: ask for a job folder. Later: the most recent one that still exists.
  const last = host.recents.list().find((r) => !r.missing);
  if (last === undefined) openFolder();
  else await host.open(last.path).catch((e: unknown) => showError(`Could not open ${last.path}`, e));
}

function title(engine: OpenEngine | null): string {
  return engine === null ? 'Apsis Console (no job folder open)' : `Apsis Console: ${engine.folder}`;
}
