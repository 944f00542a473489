// The UI's view of the engine: the one bridge instance (the other stores call the engine through
// it), a serialisable snapshot of its backend, and the engine self-test. Components read
// `engineState`; only the functions here change the backend.
import { EngineClient } from '../../bridge/engineClient';
import type { QueuePosition } from '../../bridge/workerClient';
import { BACKEND_CHOICES, type BackendChoice, type InitResult, type SelfTestProgress, type SelfTestResult } from '../../protocol/messages';
import { EngineJob } from './job.svelte';

export const engine = new EngineClient();

/** The requests a call may wait behind, as the user knows them. */
const REQUEST_NAMES: Record<string, string> = {
  loadModel: 'the model being loaded',
  generate: 'an answer of “Try the model”',
  tuneVector: 'a vector being tuned',
  walkSubspace: 'a walk being decoded',
  selfTest: 'the engine self-test',
  timeSteps: 'the live demo’s timed steps',
};

/**
 * What a screen says while its call waits behind others in the engine (CallOptions.onQueue): the
 * engine runs one request at a time, and a study holds it for as long as it trains.
 */
export function waitingText(waiting: QueuePosition): string {
  const study = waiting.running === 'startStudy' || waiting.running === 'resumeStudy';
  const what = study ? 'the running study' : (REQUEST_NAMES[waiting.running] ?? `the engine's current request (${waiting.running})`);
  const ahead = `${waiting.ahead} ${waiting.ahead === 1 ? 'request' : 'requests'} ahead in the queue`;
  return `Waiting for ${what}: ${ahead}. This starts by itself when they are done${study ? ' (pausing the study on the Run screen lets it go first)' : ''}.`;
}

const STORAGE_KEY = 'intrinsic-lab.backend';

export interface EngineState {
  status: 'idle' | 'starting' | 'ready' | 'error';
  /** What the user selected (persisted); `auto` unless overridden. */
  choice: BackendChoice;
  info: InitResult | null;
  error: string | null;
}

export const engineState: EngineState = $state({
  status: 'idle',
  choice: loadChoice(),
  info: null,
  error: null,
});

function loadChoice(): BackendChoice {
  try {
    const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
    return BACKEND_CHOICES.find((choice) => choice === stored) ?? 'auto';
  } catch {
    // Storage can be blocked (privacy settings); the choice then lasts for this page only.
    return 'auto';
  }
}

function saveChoice(choice: BackendChoice): void {
  try {
    if (choice === 'auto') globalThis.localStorage?.removeItem(STORAGE_KEY);
    else globalThis.localStorage?.setItem(STORAGE_KEY, choice);
  } catch {
    // See loadChoice.
  }
}

// The badge shows what the worker really runs, whoever asked for the change (a screen, a test).
engine.onEvent((event) => {
  if (event.kind === 'backend') engineState.info = event.info;
  else if (event.kind === 'log') console[event.level](`[engine] ${event.message}`);
  // The worker died (the bridge failed its calls): start a fresh one on the chosen backend. The
  // model store, listening after this one, reloads the model; the init is queued before that.
  // Only after a worker that was up: one that dies while starting would die again, in a loop.
  else if (event.kind === 'crashed' && engineState.status === 'ready') void applyBackend(engineState.choice);
});

let latest = 0;

/** (Re)initialise the worker's backend; the last call wins if several overlap. */
export async function applyBackend(choice: BackendChoice = engineState.choice): Promise<void> {
  const call = ++latest;
  engineState.choice = choice;
  engineState.status = 'starting';
  engineState.error = null;
  saveChoice(choice);
  try {
    const info = await engine.init({ backend: choice });
    if (call !== latest) return;
    engineState.info = info;
    engineState.status = 'ready';
  } catch (error) {
    if (call !== latest) return;
    engineState.status = 'error';
    engineState.error = error instanceof Error ? error.message : String(error);
  }
}

/** The About screen's engine self-test: matrix products on the active backend, checked against plain JS. */
export class SelfTestRun extends EngineJob<SelfTestResult, SelfTestProgress> {
  start(steps: number, size: number): Promise<void> {
    return this.run((signal, onProgress) => engine.selfTest({ steps, size }, { signal, onProgress }));
  }
}
