import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { clientForPage } from './lib/http-client.js';

const target = document.getElementById('app');
if (target !== null) mount(App, { target, props: { api: clientForPage() } });
