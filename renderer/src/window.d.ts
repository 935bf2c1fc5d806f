import type { DesktopConsoleApi } from '../../shared/api/ipc.js';

declare global {
  /** The desktop app's preload bridge (preload/bridge.ts); absent in a browser. */
  interface Window {
    apsis?: DesktopConsoleApi;
  }
}
