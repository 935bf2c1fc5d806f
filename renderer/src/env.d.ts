declare module '*.svelte' {
  import type { Component } from 'svelte';
  const component: Component<Record<string, unknown>>;
  export default component;
}

declare module '*.css';

/** The desktop app's preload bridge (preload/bridge.ts); absent in a browser. */
interface Window {
  apsis?: import('../../shared/api/ipc.js').DesktopConsoleApi;
}
