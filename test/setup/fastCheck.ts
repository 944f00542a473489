// Property tests draw their cases from one fixed seed, so whether a run passes never depends on
// chance. To explore fresh cases: FC_SEED=random npm run test:unit (a failure prints the seed and
// path that replay it; keep the counterexample as an example test, as safetensors.test.ts does).
import fc from 'fast-check';

const seed = process.env.FC_SEED;
if (seed !== 'random') {
  const n = seed === undefined ? 20261126 : Number(seed);
  if (!Number.isInteger(n)) throw new Error(`FC_SEED must be an integer or "random", got "${seed}"`);
  fc.configureGlobal({ seed: n });
}
