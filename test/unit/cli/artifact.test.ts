import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeProjectorBundle } from '../../../src/shared/artifacts/projector';
import { expectedWeights, parseBartConfig } from '../../../src/shared/model/config';
import { FIXTURE_DIR, MODEL_ID, fixtureConfig, fixtureIdentity, referenceProjector, someTasks } from '../shared/artifacts/support';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [TSX, 'src/cli/artifact.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Inspected {
  metadata: Record<string, string>;
  tensors: { name: string; dtype: string; shape: number[]; byteLength: number }[];
}

let dir: string;
let bundlePath: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'artifact-cli-'));
  bundlePath = join(dir, 'projector.safetensors');
  writeFileSync(bundlePath, encodeProjectorBundle({ identity: await fixtureIdentity(), promptLength: 5, weights: referenceProjector(), tasks: someTasks(6), seed: 21 }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('artifact CLI', () => {
  it('`npm run -s artifact -- inspect` lists a checkpoint\'s tensors as JSON', () => {
    const r = spawnSync('npm', ['run', '-s', 'artifact', '--', 'inspect', 'test/fixtures/bart-parity/model.safetensors'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Inspected;
    const byName = new Map(out.tensors.map((t) => [t.name, t]));
    // Independent reference: the tensors the BART config says the checkpoint must hold.
    for (const w of expectedWeights(parseBartConfig(fixtureConfig()))) {
      const t = byName.get(w.name);
      if (!t && w.optional) continue;
      expect(t, w.name).toBeDefined();
      expect(t!.shape).toEqual(w.shape);
      expect(t!.dtype).toBe('F32');
      expect(t!.byteLength).toBe(4 * w.shape.reduce((a, b) => a * b, 1));
    }
  });

  it('reports the stored dtype (I64), not the reader\'s converted one', () => {
    const r = run('inspect', join(FIXTURE_DIR, 'cases.safetensors'));
    expect(r.status, r.stderr).toBe(0);
    const ids = (JSON.parse(r.stdout) as Inspected).tensors.find((t) => t.name === 'input_ids')!;
    expect(ids).toMatchObject({ dtype: 'I64', shape: [3, 9], byteLength: 8 * 27 });
  });

  it('shows a bundle\'s metadata and checks it against a model', () => {
    const inspected = JSON.parse(run('inspect', bundlePath).stdout) as Inspected;
    expect(inspected.metadata).toMatchObject({ artifact: 'intrinsic-lab.projector', model_id: MODEL_ID, intrinsic_dim: '6', seed: '21' });
    const config = join(FIXTURE_DIR, 'config.json');
    const ok = run('check', bundlePath, '--model-id', MODEL_ID, '--config', config);
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ kind: 'projector', promptLength: 5, intrinsicDim: 6, tasks: ['glue-sst2', 'squad-no_context', 'xsum'] });
    const other = run('check', bundlePath, '--model-id', 'facebook/bart-base', '--config', config);
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/^error \[model-mismatch\]: .*projector\.safetensors: made for model "test\/tiny-bart"/);
    expect(run('check', bundlePath, '--model-id', 'facebook/bart-base', '--config', config, '--allow-model-mismatch').status).toBe(0);
  });

  it('fails with a clear message on a damaged file and with usage on bad arguments', () => {
    const cut = join(dir, 'cut.safetensors');
    writeFileSync(cut, readFileSync(bundlePath).subarray(0, 50));
    const r = run('inspect', cut);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error \[truncated-header\]: .*cut\.safetensors: header claims \d+ bytes/);
    const bad = run('frobnicate', cut);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown command "frobnicate"[\s\S]*usage:/);
    expect(run('inspect', join(dir, 'missing.safetensors')).status).toBe(1);
  });
});
