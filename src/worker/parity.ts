// Forward/backward parity of the TF.js BART against the reference fixture, on the active backend.
import * as tf from '@tensorflow/tfjs';
import { computeParity, ParityInputError } from '../engine/parity';
import { EngineError } from '../protocol/errors';
import type { BackendName, ParityParams, ParityResult } from '../protocol/messages';
import type { RequestContext } from './host';

export async function parity(params: ParityParams, context: RequestContext<never>): Promise<ParityResult> {
  if (!(params.model instanceof Uint8Array) || !(params.cases instanceof Uint8Array)) {
    throw new EngineError('BAD_REQUEST', 'parity: model and cases must be the bytes (Uint8Array) of .safetensors files');
  }
  await context.checkpoint('before it started');
  const before = tf.memory().numTensors;
  try {
    const rows = await computeParity({ config: params.config, model: params.model, cases: params.cases });
    return { backend: tf.getBackend() as BackendName, rows };
  } catch (error) {
    // Malformed input is the caller's to fix: keep its name and message, mark it BAD_REQUEST.
    if (error instanceof ParityInputError) throw new EngineError('BAD_REQUEST', error.message, error.name);
    throw error;
  } finally {
    const leaked = tf.memory().numTensors - before;
    if (leaked > 0) console.warn(`parity left ${leaked} tensors allocated`);
  }
}
