// A small, real TF.js computation for end-to-end checks of the backend and the protocol:
// each step multiplies two deterministic matrices on the active backend and compares the product
// with a plain-JS triple loop, so a backend that silently returns zeros (see NOTES.md) fails here.
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../protocol/errors';
import type { BackendName, SelfTestParams, SelfTestProgress, SelfTestResult } from '../protocol/messages';
import type { RequestContext } from './host';

const SELF_TEST_LIMITS = { maxSteps: 10_000, maxSize: 256, defaultSize: 32 } as const;

/** Entries in [-1, 1], different for every (seed, i): no two steps multiply the same matrices. */
function matrix(n: number, seed: number): Float32Array {
  const values = new Float32Array(n * n);
  for (let i = 0; i < values.length; i++) values[i] = Math.sin(seed * 12.9898 + i * 0.7071);
  return values;
}

function matMulReference(a: Float32Array, b: Float32Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k] ?? 0;
      for (let j = 0; j < n; j++) out[i * n + j]! += aik * (b[k * n + j] ?? 0);
    }
  }
  return out;
}

function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new EngineError('BAD_REQUEST', `selfTest: ${name} must be an integer in ${min}..${max}, got ${String(value)}`);
  }
  return value;
}

export async function selfTest(
  params: SelfTestParams,
  context: RequestContext<SelfTestProgress>,
): Promise<SelfTestResult> {
  const steps = checkInteger('steps', params.steps, 1, SELF_TEST_LIMITS.maxSteps);
  const n = checkInteger('size', params.size ?? SELF_TEST_LIMITS.defaultSize, 1, SELF_TEST_LIMITS.maxSize);
  const backend = tf.getBackend() as BackendName;
  const start = performance.now();
  let maxAbsErr = 0;
  for (let step = 1; step <= steps; step++) {
    await context.checkpoint(`at step ${step} of ${steps}`);
    const a = matrix(n, step);
    const b = matrix(n, -step);
    const product = tf.tidy(() => tf.matMul(tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n])));
    let got: Float32Array;
    try {
      got = (await product.data()) as Float32Array;
    } finally {
      product.dispose();
    }
    const expected = matMulReference(a, b, n);
    let stepErr = 0;
    for (let i = 0; i < expected.length; i++) {
      stepErr = Math.max(stepErr, Math.abs((got[i] ?? Number.NaN) - (expected[i] ?? 0)));
    }
    // NaN must not hide behind Math.max (which would return NaN and compare false everywhere).
    if (Number.isNaN(stepErr)) stepErr = Number.POSITIVE_INFINITY;
    maxAbsErr = Math.max(maxAbsErr, stepErr);
    context.progress({ step, steps, maxAbsErr: stepErr });
  }
  return {
    backend,
    steps,
    size: n,
    maxAbsErr,
    ms: performance.now() - start,
    numTensors: tf.memory().numTensors,
  };
}
