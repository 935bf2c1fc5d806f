import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { clientForPage } from './lib/http-client.js';

// Desktop: the preload's IPC bridge (window.apsis); browser: HTTP + WebSocket to the headless server.
const target = document.getElementById('app');
if (target !== null) mount(App, { target, props: { api: window.apsis ?? clientForPage() } });
