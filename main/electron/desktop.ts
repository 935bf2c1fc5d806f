/**
 * Desktop features of SPEC 19.6: open a job folder (native dialog) or a recent one, reveal a job's file and open
 * the folder in the system file manager, and save the stats history CSV (SPEC 17.5) through a save dialog.
 */
import { createWriteStream } from 'node:fs';
import { join, relative, resolve, isAbsolute } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError } from '../../shared/api/console-api.js';
import type { DesktopFolder } from '../../shared/api/ipc.js';
import type { EngineHost, OpenEngine } from './engine-host.js';
import type { DesktopHandlers } from './ipc.js';
import type { DialogLike, FileShell } from './ports.js';

export interface DesktopDeps {
  host: EngineHost;
  dialog: DialogLike;
  shell: FileShell;
  /** Where the save dialog starts (the user's downloads folder). */
  downloadsDir: string;
  /** Current time, for the default CSV file name. */
  now(): number;
}

export class DesktopActions implements DesktopHandlers {
  constructor(private readonly deps: DesktopDeps) {}

  #engine(): OpenEngine {
    const engine = this.deps.host.current;
    if (engine === null) throw new ApiError(503, 'no job folder is open: use File > Open Job Folder');
    return engine;
  }

  folder(): DesktopFolder {
    return this.deps.host.folderState();
  }

  /** The open-folder dialog, then the switch; unchanged when cancelled. */
  async openFolder(): Promise<DesktopFolder> {
    const current = this.deps.host.current?.folder;
    const chosen = await this.deps.dialog.showOpenDialog({
      title: 'Open Job Folder',
      properties: ['openDirectory'],
      ...(current === undefined ? {} : { defaultPath: current }),
    });
    const path = chosen.filePaths[0];
    if (!chosen.canceled && path !== undefined) await this.deps.host.open(path);
    return this.folder();
  }

  /** Switches to a folder of the recent list; any other path is refused (400), a missing one is 404. */
  async openRecent(path: string): Promise<DesktopFolder> {
    const entry = this.deps.host.recents.list().find((r) => r.path === path);
    if (entry === undefined) throw new ApiError(400, `${path} is not in the recent folders list`);
    if (entry.missing) throw new ApiError(404, `${path} no longer exists`);
    await this.deps.host.open(path);
    return this.folder();
  }

  /** Shows a job's file in the file manager; 404 for an unknown job, 400 for an ad hoc job (no file). */
  revealJobFile(jobId: string): void {
    const engine = this.#engine();
    const id = engine.service.jobIdOf(jobId, 404);
    const file = engine.service.jobFile(id);
    if (file === null) throw new ApiError(400, `${id} is an ad hoc job: it has no file`);
    const full = resolve(engine.folder, file);
    const rel = relative(engine.folder, full);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel))
      throw new ApiError(400, `the file of ${id} is outside the job folder`);
    this.deps.shell.showItemInFolder(full);
  }

  async showJobFolder(): Promise<void> {
    const engine = this.#engine();
    const error = await this.deps.shell.openPath(engine.folder);
    if (error !== '') throw new ApiError(500, `cannot open ${engine.folder}: ${error}`);
  }

  /** The save dialog, then the CSV of the range written to the chosen file; null when cancelled. */
  async saveStatsCsv(from: string | null, to: string | null): Promise<string | null> {
    this.#engine().service.statsCsvChunks(from, to); // 400 for a bad range before the dialog shows
    const stamp = new Date(this.deps.now()).toISOString().slice(0, 19).replace(/:/g, '');
    const chosen = await this.deps.dialog.showSaveDialog({
      title: 'Export Stats History',
      defaultPath: join(this.deps.downloadsDir, `apsis-stats-${stamp}.csv`),
      filters: [{ name: 'CSV', extensions: ['csv'] }],
    });
    if (chosen.canceled || chosen.filePath === undefined || chosen.filePath === '') return null;
    // The engine may have switched while the dialog was open: export from the one open now.
    const chunks = this.#engine().service.statsCsvChunks(from, to);
    await pipeline(Readable.from(chunks), createWriteStream(chosen.filePath));
    return chosen.filePath;
  }
}
