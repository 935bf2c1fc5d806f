/**
 * The preload of the console window (sandboxed): exposes the bridge as `window.apsis` and nothing else. Bundled
 * into one CommonJS file (vite.preload.config.ts → dist/preload/index.cjs), since a sandboxed preload can require
 * only `electron` itself.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge.js';

contextBridge.exposeInMainWorld('apsis', createBridge(ipcRenderer));
