/** The console's shared objects, handed to components through Svelte context. */
import { getContext, setContext } from 'svelte';
import type { ConsoleApi } from '../../../shared/api/console-api.js';
import type { DesktopApi } from '../../../shared/api/ipc.js';
import type { LiveStore } from '../stores/live.svelte.js';
import type { Prefs } from '../stores/prefs.svelte.js';
import type { Router } from '../stores/route.svelte.js';
import type { StatsStore } from '../stores/stats.svelte.js';

export interface ConsoleContext {
  api: ConsoleApi;
  /** The desktop app's own requests (save dialog, reveal, folders); null in a browser. */
  desktop: DesktopApi | null;
  live: LiveStore;
  stats: StatsStore;
  prefs: Prefs;
  router: Router;
}

const KEY = Symbol('apsis-console');

export function provideConsole(ctx: ConsoleContext): void {
  setContext(KEY, ctx);
}

export function useConsole(): ConsoleContext {
  return getContext<ConsoleContext>(KEY);
}
