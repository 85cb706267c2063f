// First: starts the page's start-up clock before any other module evaluates (issue 14).
import { boot, now } from './lib/boot';
import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

const app = mount(App, { target });
boot.mountedAt = now();
export default app;
