// Shared test data: the parity fixture's tiny BART config and its reference autoencoder.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { modelIdentity, type ModelIdentity } from '../../../../src/shared/artifacts/identity';
import { projectorFromNamed, type ProjectorWeights, type TrainingTask } from '../../../../src/shared/artifacts/projector';
import { parseSafetensors } from '../../../../src/shared/weights/safetensors';

export const FIXTURE_DIR = fileURLToPath(new URL('../../../fixtures/bart-parity/', import.meta.url));
export const MODEL_ID = 'test/tiny-bart';

export function fixtureConfig(): Record<string, unknown> {
  return JSON.parse(readFileSync(`${FIXTURE_DIR}config.json`, 'utf8')) as Record<string, unknown>;
}

export function fixtureIdentity(): Promise<ModelIdentity> {
  return modelIdentity(MODEL_ID, fixtureConfig());
}

export const cases = parseSafetensors(readFileSync(`${FIXTURE_DIR}cases.safetensors`));
export const casesJson = JSON.parse(readFileSync(`${FIXTURE_DIR}cases.json`, 'utf8')) as { prompt_tokens: number; intrinsic_dim: number; ae_hidden: number };

/** The reference code's autoencoder from cases.safetensors (ae_W1 ... ae_b3), under autoencoder names. */
export function referenceProjector(): ProjectorWeights {
  const named: Record<string, { shape: readonly number[]; data: Float32Array }> = {};
  for (const p of ['W1', 'b1', 'W2', 'b2', 'W3', 'b3']) {
    const t = cases.tensors.get(`ae_${p}`)!;
    named[p] = { shape: t.shape, data: t.data as Float32Array };
  }
  return projectorFromNamed(new Map(Object.entries(named)), 'autoencoder');
}

export function someTasks(dI: number): TrainingTask[] {
  const mk = (seed: number) => Float32Array.from({ length: dI }, (_, i) => Math.sin(seed * 7 + i) * 0.1);
  return [
    { name: 'glue-sst2', category: 'classification', vector: mk(1) },
    { name: 'squad-no_context', category: 'qa', vector: mk(2) },
    { name: 'xsum', category: '', vector: mk(3) },
  ];
}

export function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return ua.every((v, i) => v === ub[i]);
}
