// The projector that ships with the embedded model is the one Explore can use with it: made for
// exactly that model (the id the engine gives it and its config's hash), of the d_I its id names,
// with every training task of the random split on its map under its category, and its card beside it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelIdentity } from '../../../src/shared/artifacts/identity';
import { decodeProjectorBundle } from '../../../src/shared/artifacts/projector';
import { EMBEDDED_MODEL, EMBEDDED_PROJECTOR, embeddedProjector } from '../../../src/shared/embedded';
import { builtinSplits, TASK_FAMILIES } from '../../../src/shared/tasks/world/index';

const PUBLIC = join(__dirname, '../../../public');

describe('the shipped projector', () => {
  it('is made for the embedded model, d_I 10, with the 118 random-split training tasks and their categories', async () => {
    const modelDir = join(PUBLIC, 'models', EMBEDDED_MODEL);
    const identity = await modelIdentity(`embedded:${EMBEDDED_MODEL}`, JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')));
    // `expect` refuses a bundle of another model id or config hash (model-mismatch).
    const b = decodeProjectorBundle(readFileSync(join(PUBLIC, EMBEDDED_PROJECTOR.path)), { expect: identity });
    expect(`embedded:${EMBEDDED_MODEL}/d${b.dims.intrinsicDim}`).toBe(EMBEDDED_PROJECTOR.id);
    const train = builtinSplits().random.train;
    expect(b.tasks.map((t) => t.name)).toEqual(train);
    for (const t of b.tasks) expect(t.category).toBe(TASK_FAMILIES.find((f) => f.tasks.includes(t.name))!.category);
    expect(b.tasks.every((t) => t.vector.length === 10 && t.vector.every(Number.isFinite))).toBe(true);
    // Its card names the command that remakes it.
    expect(existsSync(join(modelDir, 'projector-d10.md'))).toBe(true);
    expect(readFileSync(join(modelDir, 'projector-d10.md'), 'utf8')).toContain('npm run -s ship:projector');
  });

  it('is named by its id only', () => {
    expect(embeddedProjector(EMBEDDED_PROJECTOR.id)).toBe(EMBEDDED_PROJECTOR);
    expect(embeddedProjector(`embedded:${EMBEDDED_MODEL}/d11`)).toBeNull();
  });
});
