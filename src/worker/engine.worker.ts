// The engine worker: owns TF.js and everything that computes. The UI talks to it only through
// src/bridge/engineClient.ts with the messages of src/protocol/messages.ts.
import type { BackendEvent, EngineMethods, InitResult } from '../protocol/messages';
import { initBackend } from './backend';
import { serve, type Handlers, type Post, type RequestContext, type WorkerScope } from './host';
import { cacheDelete, cacheList, generateText, loadModel, modelInfo } from './model';
import { parity } from './parity';
import { selfTest } from './selfTest';
import { timeSteps } from './timing';
import { tuneVector, walkSubspace } from './explore';
import { deleteStudy, getResults, joinStudy, listStudies, resolveStudySpec, resumeStudy, startStudy } from './study';

let current: InitResult | null = null;
let post: Post<EngineMethods, BackendEvent> | null = null;

/** A compute handler: requests that arrive before any `init` get the automatic backend choice. */
function withBackend<P, R, G>(handler: (params: P, context: RequestContext<G>) => Promise<R>) {
  return async (params: P, context: RequestContext<G>): Promise<R> => {
    current ??= await initBackend('auto');
    return handler(params, context);
  };
}

const handlers: Handlers<EngineMethods> = {
  async init(params) {
    current = await initBackend(params.backend ?? 'auto');
    post?.({ type: 'event', event: { kind: 'backend', info: current } });
    return current;
  },
  selfTest: withBackend(selfTest),
  parity: withBackend(parity),
  resolveStudySpec: (params) => resolveStudySpec(params),
  startStudy: withBackend(startStudy),
  resumeStudy: withBackend(resumeStudy),
  joinStudy: withBackend(joinStudy),
  listStudies: () => listStudies(),
  getResults: (params) => getResults(params),
  deleteStudy: (params) => deleteStudy(params),
  tuneVector: withBackend(tuneVector),
  walkSubspace: withBackend(walkSubspace),
  loadModel: withBackend(loadModel),
  modelInfo: () => modelInfo(),
  cacheList: () => cacheList(),
  cacheDelete: (params) => cacheDelete(params),
  generate: withBackend(generateText),
  timeSteps: withBackend(timeSteps),
};

post = serve<EngineMethods, BackendEvent>(self as unknown as WorkerScope, handlers, 'engine');
