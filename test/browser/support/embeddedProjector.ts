// A projector bundle of the shipped one's shape (src/shared/embedded.ts: the embedded model's
// config, P 8, d_model 128, d_I 10, hidden 64, the built-in world's `random` training tasks with
// their categories) with seeded random weights, so the browser tests can serve it at the shipped
// path without depending on the trained file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeProjectorBundle, modelIdentity, type ProjectorWeights } from '../../../src/shared/artifacts/index';
import { EMBEDDED_MODEL } from '../../../src/shared/embedded';
import { mulberry32 } from '../../../src/shared/random';
import { builtinSplits, TASK_FAMILIES } from '../../../src/shared/tasks/world/index';
import { ROOT } from './app';

export const SHIPPED = { promptLength: 8, dModel: 128, intrinsicDim: 10, hidden: 64 } as const;

function randoms(n: number, next: () => number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => (next() * 2 - 1) * scale);
}

/** The training tasks of the shipped projector, with the category of each one's family. */
export function shippedTasks(): { name: string; category: string; family: string }[] {
  return builtinSplits().random.train.map((name) => {
    const f = TASK_FAMILIES.find((x) => x.tasks.includes(name))!;
    return { name, category: f.category, family: f.family };
  });
}

export async function shippedProjectorBundle(seed = 1): Promise<Uint8Array> {
  const config = JSON.parse(readFileSync(join(ROOT, 'public/models', EMBEDDED_MODEL, 'config.json'), 'utf8')) as Record<string, unknown>;
  const { promptLength: P, dModel: d, intrinsicDim: dI, hidden } = SHIPPED;
  const next = mulberry32(seed);
  const weights: ProjectorWeights = {
    W2: { shape: [hidden, dI], data: randoms(hidden * dI, next, 0.3) },
    b2: { shape: [hidden], data: randoms(hidden, next, 0.1) },
    W3: { shape: [P * d, hidden], data: randoms(P * d * hidden, next, 0.05) },
    b3: { shape: [P * d], data: randoms(P * d, next, 0.02) },
  };
  return encodeProjectorBundle({
    identity: await modelIdentity(`embedded:${EMBEDDED_MODEL}`, config),
    promptLength: P,
    weights,
    seed,
    tasks: shippedTasks().map((t) => ({ name: t.name, category: t.category, vector: randoms(dI, next, 1) })),
  });
}
