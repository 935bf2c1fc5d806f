/** The application menu (SPEC 19.6): File > Open Job Folder, Open Recent (missing folders marked), and the rest. */
import type { DesktopFolder } from '../../shared/api/ipc.js';
import type { MenuItemSpec } from './ports.js';

export interface MenuActions {
  openFolder(): void;
  openRecent(path: string): void;
  reloadJobs(): void;
  showJobFolder(): void;
  exportStatsCsv(): void;
  quit(): void;
}

/** The menu template for the folder state; DevTools only when `devTools` (never in a packaged app). */
export function appMenu(state: DesktopFolder, actions: MenuActions, devTools: boolean): MenuItemSpec[] {
  const open = state.path !== null;
  const recent: MenuItemSpec[] =
    state.recent.length === 0
      ? [{ label: 'No recent folders', enabled: false }]
      : state.recent.map((r) => ({
          label: r.missing ? `${r.path} (missing)` : r.path,
          enabled: !r.missing && r.path !== state.path,
          click: () => actions.openRecent(r.path),
        }));
  const view: MenuItemSpec[] = [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }];
  if (devTools) view.push({ type: 'separator' }, { role: 'toggleDevTools' });
  return [
    {
      label: 'File',
      submenu: [
        { label: 'Open Job Folder…', accelerator: 'CmdOrCtrl+O', click: () => actions.openFolder() },
        { label: 'Open Recent', submenu: recent },
        { type: 'separator' },
        {
          label: 'Reload Jobs',
          accelerator: 'CmdOrCtrl+Shift+R',
          enabled: open,
          click: () => actions.reloadJobs(),
        },
        { label: 'Show Job Folder', enabled: open, click: () => actions.showJobFolder() },
        { label: 'Export Stats History…', enabled: open, click: () => actions.exportStatsCsv() },
        { type: 'separator' },
        { role: 'close' },
        { label: 'Quit', accelerator: 'CmdOrCtrl+Q', click: () => actions.quit() },
      ],
    },
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
  ];
}
