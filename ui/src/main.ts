// First: starts the page's start-up clock before any other module evaluates (issue 14).
import { boot, now } from './lib/boot';
import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { applyUiFont, takeFirstLoad } from './lib/firstload';
import { platformOf } from './lib/platform';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

// Before the first style pass: app.css picks this platform's font stacks.
document.documentElement.dataset.platform = platformOf(navigator.userAgent);
// What the first paint needs, if the backend sent it with the document (issue 14).
const firstLoad = takeFirstLoad();
applyUiFont(firstLoad?.ui_font);
const app = mount(App, { target, props: { firstLoad } });
boot.mountedAt = now();
export default app;
