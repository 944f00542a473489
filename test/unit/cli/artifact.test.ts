import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPeftPromptTuning } from '../../../src/shared/artifacts/peft';
import { encodeProjectorBundle } from '../../../src/shared/artifacts/projector';
import { torchFileToArtifact } from '../../../src/shared/artifacts/reference';
import { expectedWeights, parseBartConfig } from '../../../src/shared/model/config';
import { FIXTURE_DIR, MODEL_ID, bitsEqual, cases, fixtureConfig, fixtureIdentity, referenceProjector, someTasks } from '../shared/artifacts/support';
import { archive, P, REFERENCE_DIR, referencePresent } from '../shared/torch/support';

if (!referencePresent) console.warn(`SKIPPING the artifact CLI's PyTorch tests: ${REFERENCE_DIR} is absent`);

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');

function run(...args: string[]): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [TSX, 'src/cli/artifact.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
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
    const badConfig = join(dir, 'bad-config.json');
    writeFileSync(badConfig, '{"d_model": ');
    const notJson = run('check', bundlePath, '--model-id', MODEL_ID, '--config', badConfig);
    expect(notJson.status).toBe(1);
    expect(notJson.stderr).toMatch(/^error \[bad-json\]: .*bad-config\.json: not valid JSON \(.+\)\n$/);
  });

  it('reads only the 8-byte length of a file whose header length is bogus, however large the file', () => {
    // Sparse files (no disk used): the length claims 1 TiB, or 6 GiB in a 5 GiB file (that one
    // used to crash with an uncaught RangeError; the 1 GiB one was read whole).
    const sparse = (name: string, claim: bigint, size: number) => {
      const path = join(dir, name);
      const len = new Uint8Array(8);
      new DataView(len.buffer).setBigUint64(0, claim, true);
      writeFileSync(path, len);
      truncateSync(path, size);
      return path;
    };
    // /proc/self/io at exit: rchar counts every byte the process read (tsx's sources included).
    const probe = join(dir, 'io-probe.mjs');
    writeFileSync(probe, "import { readFileSync, writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(process.env.IO_OUT, readFileSync('/proc/self/io', 'utf8')));\n");
    for (const [path, claim] of [[sparse('1g.safetensors', 1n << 40n, 2 ** 30), 1n << 40n], [sparse('5g.safetensors', 6n << 30n, 5 * 2 ** 30), 6n << 30n]] as const) {
      const ioOut = join(dir, 'io.txt');
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', probe, 'src/cli/artifact.ts', 'inspect', path], {
        cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, IO_OUT: ioOut },
      });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toBe(`error [header-too-large]: ${path}: header claims ${claim} bytes, more than the limit of ${100 * 2 ** 20} bytes for a safetensors header\n`);
      const rchar = Number(/^rchar: (\d+)$/m.exec(readFileSync(ioOut, 'utf8'))![1]);
      expect(rchar).toBeLessThan(64 * 2 ** 20);
    }
  });

  it('refuses /dev/zero, a FIFO and a folder at once with one line', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const command of ['inspect', 'check']) {
      for (const [path, what] of [['/dev/zero', 'a character device'], [fifo, 'a FIFO (named pipe)'], [dir, 'a folder']] as const) {
        // The timeout is only a safety net (opening a FIFO used to block): the exit status is the check.
        const r = run(command, path);
        expect(r.signal, `${command} ${path}`).toBeNull();
        expect(r.status, `${command} ${path}`).toBe(1);
        expect(r.stderr).toBe(`error [not-a-file]: ${path}: is ${what}, not a file\n`);
      }
    }
  });
});

describe.skipIf(!referencePresent)('artifact CLI on PyTorch files (../shared/fixtures/reference-artifacts)', () => {
  const expected = referencePresent ? (JSON.parse(readFileSync(join(REFERENCE_DIR, 'expected.json'), 'utf8')) as { files: Record<string, { tensors: { path: unknown[]; shape: number[]; dtype: string; storage: { location: string } }[]; scalars: unknown[]; containers: unknown[] }> }).files : {};
  const ref = (f: string) => join(REFERENCE_DIR, f);

  it.each(['msf-gpu-run/best-ckpt.pt', 'legacy/tiny-parity_16_13_best.pt'])('inspect %s prints every tensor\'s path, shape, dtype and device, and every other value', (name) => {
    const r = run('inspect', ref(name));
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { format: string; tensors: { path: unknown[]; shape: number[]; dtype: string; location: string }[]; scalars: unknown[]; containers: unknown[] };
    const want = expected[name]!;
    expect(out.format).toBe(name.startsWith('legacy') ? 'legacy' : 'zip');
    expect(out.tensors.map((t) => [t.path, t.shape, t.dtype, t.location])).toEqual(want.tensors.map((t) => [t.path, t.shape, t.dtype, t.storage.location]));
    expect(out.scalars).toEqual(want.scalars);
    expect(out.containers).toEqual(want.containers);
  });

  it('convert writes the projector bundle torchFileToArtifact makes, which check accepts for the model', async () => {
    const out = join(dir, 'from-ckpt.safetensors');
    const r = run('convert', ref('msf-dataparallel/best-ckpt.pt'), out, '--model', FIXTURE_DIR, '--model-id', MODEL_ID);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'projector', out, modelId: MODEL_ID, notes: expect.arrayContaining(['stripped DataParallel\'s "module." prefix from 7 names']) });
    const same = torchFileToArtifact(new Uint8Array(readFileSync(ref('msf-dataparallel/best-ckpt.pt'))), { identity: await fixtureIdentity(), name: ref('msf-dataparallel/best-ckpt.pt') });
    expect(Buffer.from(readFileSync(out)).equals(Buffer.from(same.bytes))).toBe(true);
    const checked = run('check', out, '--model-id', MODEL_ID, '--config', join(FIXTURE_DIR, 'config.json'));
    expect(checked.status, checked.stderr).toBe(0);
    expect(JSON.parse(checked.stdout)).toMatchObject({ kind: 'projector', promptLength: 5, dModel: 32, intrinsicDim: 6, hiddenSize: 768, hasProj: true, tasks: [] });
  });

  it('convert a prompt, then export-peft it: the adapter PEFT would load holds the same prompt', () => {
    const prompt = join(dir, 'tiny-prompt.safetensors');
    expect(run('convert', ref('legacy/tiny-parity_16_13_best.pt'), prompt, '--model', FIXTURE_DIR, '--model-id', MODEL_ID).status).toBe(0);
    const peft = join(dir, 'peft');
    const r = run('export-peft', prompt, peft, '--model', FIXTURE_DIR, '--model-id', MODEL_ID, '--base-model', 'someone/tiny-bart');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ baseModel: 'someone/tiny-bart', promptLength: 5, dModel: 32, task: 'tiny-parity' });
    const imported = importPeftPromptTuning(readFileSync(join(peft, 'adapter_config.json'), 'utf8'), new Uint8Array(readFileSync(join(peft, 'adapter_model.safetensors'))));
    expect(imported).toMatchObject({ promptLength: 5, dModel: 32, baseModel: 'someone/tiny-bart' });
    expect(bitsEqual(imported.prompt, cases.tensors.get('prompt')!.data as Float32Array)).toBe(true);
    const config = JSON.parse(readFileSync(join(peft, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ num_layers: fixtureConfig().encoder_layers, num_attention_heads: fixtureConfig().encoder_attention_heads, num_transformer_submodules: 1 });
    // Without the model folder there are no layer and head counts to record: a clear refusal.
    const bare = run('export-peft', prompt, join(dir, 'peft2'));
    expect(bare.status).toBe(2);
    expect(bare.stderr).toMatch(/^export-peft needs --model <folder>: the prompt's model, whose encoder layer and head counts PEFT records/);
    // Another model's folder: the prompt's identity check refuses it.
    const other = run('export-peft', prompt, join(dir, 'peft3'), '--model', 'public/models/intrinsic-bart-tiny');
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/^error \[shape-mismatch\]: .*made for d_model 32, but the loaded model embedded:intrinsic-bart-tiny has d_model 128/);
  });

  it('refuses a checkpoint for another model and a hostile .pt, leaving no output file', () => {
    const out = join(dir, 'never.safetensors');
    const wrong = run('convert', ref('msf/best-ckpt.pt'), out, '--model', 'public/models/intrinsic-bart-tiny');
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/^error \[shape-mismatch\]: .*best-ckpt\.pt: the checkpoint was trained on a model with d_model 32 .* but embedded:intrinsic-bart-tiny has d_model 128\n$/);
    const evil = join(dir, 'evil.pt');
    writeFileSync(evil, archive(new P().proto().global('os', 'system').str('touch pwned').raw(0x85).reduce().stop().bytes()));
    const conv = run('convert', evil, out, '--model', FIXTURE_DIR, '--model-id', MODEL_ID);
    expect(conv.status).toBe(1);
    expect(conv.stderr).toMatch(/^error \[corrupt\]: .*evil\.pt: archive\/data\.pkl offset 2 \(GLOBAL\): global "os\.system" is refused.*\[refused-global\]\n$/);
    const insp = run('inspect', evil);
    expect(insp.status).toBe(1);
    expect(insp.stderr).toMatch(/^error \[refused-global\]: .*evil\.pt: archive\/data\.pkl offset 2 \(GLOBAL\): global "os\.system" is refused/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(ROOT, 'pwned'))).toBe(false);
  });
});
