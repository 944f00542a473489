// The engine worker: owns TF.js and everything that computes. The UI talks to it only through
// src/bridge/engineClient.ts with the messages in src/protocol/messages.ts.
import type { FromWorker, InitResult, ToWorker } from '../protocol/messages';
import { initBackend } from './backend';
import { createEngineHost, type Handlers, type Post } from './host';
import { cacheDelete, cacheList, generateText, loadModel, modelInfo } from './model';
import { parity } from './parity';
import { selfTest } from './selfTest';
import { tuneVector, walkSubspace } from './explore';
import { deleteStudy, getResults, listStudies, resumeStudy, startStudy, studyPresets } from './study';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post: Post = (message, transfer = []) => scope.postMessage(message, transfer);

let current: InitResult | null = null;

/** Compute requests that arrive before any `init` get the automatic choice. */
async function ensureBackend(): Promise<InitResult> {
  current ??= await initBackend('auto');
  return current;
}

const handlers: Handlers = {
  async init(params) {
    current = await initBackend(params.backend ?? 'auto');
    post({ type: 'event', event: { kind: 'backend', info: current } });
    return current;
  },
  async selfTest(params, context) {
    await ensureBackend();
    return selfTest(params, context);
  },
  async parity(params, context) {
    await ensureBackend();
    return parity(params, context);
  },
  studyPresets: async () => studyPresets(),
  async startStudy(params, context) {
    await ensureBackend();
    return startStudy(params, context);
  },
  async resumeStudy(params, context) {
    await ensureBackend();
    return resumeStudy(params, context);
  },
  listStudies: () => listStudies(),
  getResults: (params) => getResults(params),
  deleteStudy: (params) => deleteStudy(params),
  async tuneVector(params, context) {
    await ensureBackend();
    return tuneVector(params, context);
  },
  async walkSubspace(params) {
    await ensureBackend();
    return walkSubspace(params);
  },
  async loadModel(params, context) {
    await ensureBackend();
    return loadModel(params, context);
  },
  modelInfo: () => modelInfo(),
  cacheList: () => cacheList(),
  cacheDelete: (params) => cacheDelete(params),
  async generate(params, context) {
    await ensureBackend();
    return generateText(params, context);
  },
};

const handle = createEngineHost(handlers, post);
scope.addEventListener('message', (event: MessageEvent<ToWorker>) => handle(event.data));
post({ type: 'event', event: { kind: 'ready' } } satisfies FromWorker);
