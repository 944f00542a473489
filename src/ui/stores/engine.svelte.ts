// The UI's view of the engine: the one bridge instance (the other stores call the engine through
// it), a serialisable snapshot of its backend, and the engine self-test. Components read
// `engineState`; only the functions here change the backend.
import { EngineClient } from '../../bridge/engineClient';
import { BACKEND_CHOICES, type BackendChoice, type InitResult, type SelfTestProgress, type SelfTestResult } from '../../protocol/messages';
import { EngineJob } from './job.svelte';

export const engine = new EngineClient();

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
