import { mount } from 'svelte';
import App from './ui/App.svelte';
import { engine } from './ui/stores/engine.svelte';
import { studyHelpers } from './ui/stores/study.svelte';
import './ui/app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element to mount Intrinsic Lab into');

mount(App, { target });

// A handle for the browser console and the browser tests (they drive the bridge directly, and
// `engine.kill()` stops the worker as a crash would; `studyWorkers` are a study's extra engine
// workers, index 1 up). It exposes the bridge only: TF.js stays in the worker.
(globalThis as { intrinsicLab?: unknown }).intrinsicLab = { engine, studyWorkers: studyHelpers };
