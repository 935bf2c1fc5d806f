/**
 * The desktop app's engine: one App on the open job folder, its database under the app's user data (SPEC 13.1),
 * switched per SPEC 19.6 (the old engine shut down per 12.4 before the new one starts) and shut down on quit.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { DesktopFolder } from '../../shared/api/ipc.js';
import { App, MaxAgeError } from '../engine/app.js';
import type { Clock } from '../engine/clock.js';
import { loadSettings, SettingsError } from '../engine/settings-file.js';
import type { Settings } from '../engine/settings.js';
import { withoutDesktopAdditions } from '../procs/base-env.js';
import type { SpawnHelper } from '../procs/launcher.js';
import { ConsoleService } from '../service/console-service.js';
import type { Log } from './log.js';
import { isFolder, RecentFolders } from './recents.js';

/** `<userData>/folders/<first 16 hex digits of SHA-256 of the absolute folder path>/apsis.db` (SPEC 13.1). */
export function dbPathFor(userData: string, folder: string): string {
  const hash = createHash('sha256').update(resolve(folder)).digest('hex').slice(0, 16);
  return join(userData, 'folders', hash, 'apsis.db');
}

/** The operator's answer when the scheduler clock is older than schedule.max_age (SPEC 12.2). */
export type MaxAgeChoice = 'catch-up' | 'skip' | 'close';

/** A folder that cannot be opened; the message names it and the fix, for an error dialog. */
export class FolderError extends Error {
  override readonly name = 'FolderError';
}

export interface EngineHostOptions {
  userData: string;
  clock: Clock;
  /** Starts the launcher helper (the packaged app: utilityProcess). */
  spawnHelper?: SpawnHelper;
  /** Asks what to do about runs missed for longer than schedule.max_age. */
  askMaxAge(message: string, folder: string): Promise<MaxAgeChoice>;
  log: Log;
}

/** The engine on the open folder. */
export interface OpenEngine {
  folder: string;
  dbPath: string;
  app: App;
  service: ConsoleService;
}

export class EngineHost {
  readonly recents: RecentFolders;
  #current: OpenEngine | null = null;
  /** Opens and shutdowns run one at a time, in call order. */
  #queue: Promise<unknown> = Promise.resolve();
  readonly #listeners = new Set<(engine: OpenEngine | null) => void>();

  constructor(private readonly options: EngineHostOptions) {
    this.recents = new RecentFolders(join(options.userData, 'recent-folders.json'));
  }

  get current(): OpenEngine | null {
    return this.#current;
  }

  /** Calls `fn` with the new engine after each switch, and with null just before an engine shuts down. */
  onChange(fn: (engine: OpenEngine | null) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** The open folder and the recent folders. */
  folderState(): DesktopFolder {
    return { path: this.#current?.folder ?? null, recent: this.recents.list() };
  }

  /**
   * Opens `folder`: the current engine is shut down first (SPEC 12.4), then one starts on `folder` and the folder
   * goes to the top of the recent list. Null when the operator chose to close on a max_age prompt. On failure the
   * previous folder is opened again and FolderError says why.
   */
  open(folder: string): Promise<OpenEngine | null> {
    return this.#serial(() => this.#open(resolve(folder)));
  }

  /** Shuts the engine down (SPEC 12.4): runs in flight keep going under their supervisors. */
  shutdown(): Promise<void> {
    return this.#serial(() => this.#close());
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #open(folder: string): Promise<OpenEngine | null> {
    if (!isFolder(folder)) throw new FolderError(`${folder} is not a folder: choose a job folder`);
    const settings = readSettings(folder);
    if (this.#current?.folder === folder) {
      this.recents.add(folder);
      return this.#current;
    }
    const previous = this.#current?.folder ?? null;
    await this.#close();
    try {
      const opened = await this.#start(folder, settings);
      if (opened !== null) this.recents.add(folder);
      else if (previous !== null) await this.#reopen(previous);
      return opened;
    } catch (e) {
      if (previous !== null) await this.#reopen(previous);
      throw e instanceof FolderError ? e : new FolderError(`cannot open ${folder}: ${errorText(e)}`);
    }
  }

  /** Starts an engine on `folder`, asking the operator about a max_age gap; null when they chose to close. */
  async #start(folder: string, settings: Settings): Promise<OpenEngine | null> {
    const dbPath = dbPathFor(this.options.userData, folder);
    mkdirSync(dirname(dbPath), { recursive: true });
    for (;;) {
      try {
        const app = App.open({
          jobDir: folder,
          dbPath,
          settings,
          clock: this.options.clock,
          // Jobs see the environment they would see under `apsis serve`: not what Electron, Chromium and the
          // AppImage added to the app's own (base-env.ts).
          baseEnv: withoutDesktopAdditions(process.env),
          ...(this.options.spawnHelper === undefined ? {} : { spawnHelper: this.options.spawnHelper }),
        });
        // The launch machinery is ready before the window shows the folder: the first runs are on time (issue 18).
        await app.warm();
        const engine = { folder, dbPath, app, service: new ConsoleService(app) };
        this.#current = engine;
        this.options.log.info(`engine started on ${folder} (database ${dbPath})`);
        this.#emit(engine);
        return engine;
      } catch (e) {
        if (!(e instanceof MaxAgeError)) throw e;
        const choice = await this.options.askMaxAge(e.message, folder);
        if (choice === 'close') return null;
        if (choice === 'skip') settings.schedule.since = 'now';
        else settings.schedule.max_age = null;
      }
    }
  }

  async #reopen(folder: string): Promise<void> {
    try {
      await this.#start(folder, readSettings(folder));
    } catch (e) {
      this.options.log.error(`could not reopen ${folder}:`, e);
    }
  }

  async #close(): Promise<void> {
    const engine = this.#current;
    if (engine === null) return;
    this.#emit(null);
    this.#current = null;
    await engine.app.shutdown();
    this.options.log.info(`engine on ${engine.folder} shut down`);
  }

  #emit(engine: OpenEngine | null): void {
    for (const fn of this.#listeners) {
      try {
        fn(engine);
      } catch (e) {
        this.options.log.error('engine change listener failed:', e);
      }
    }
  }
}

function readSettings(folder: string): Settings {
  try {
    return loadSettings(folder, null, []);
  } catch (e) {
    if (e instanceof SettingsError) throw new FolderError(`${e.message}; fix ${join(folder, '.apsis.yaml')}`);
    throw e;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
