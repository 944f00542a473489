// npm run -s parity -- <dir> [--backend cpu|wasm|webgpu]
// Reads <dir>/config.json, model.safetensors, cases.safetensors (a tensor fixture or a decoding
// fixture, see src/engine/parity.ts); prints one JSON object
// {name: {max_abs_err, max_rel_err, ok}}; exit 0 all within tolerance, 1 some are not, 2 bad input.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeParity } from '../engine/parity';
import type { ParityRow } from '../shared/parity';
import { type NodeBackend, releaseNodeBackend, rerunWithVulkanLoader, useNodeBackend } from '../node/backend';
import { exitOnHelp } from '../node/cli';

const USAGE = 'usage: npm run -s parity -- <fixture-dir> [--backend cpu|wasm|webgpu]';
const HELP = `${USAGE}
  Runs BART on <fixture-dir>/config.json + model.safetensors against the reference outputs in
  cases.safetensors; prints {name: {max_abs_err, max_rel_err, ok}} as JSON.
  A decoding fixture (../shared/fixtures/reference-decoding/*: cases.safetensors holds beam_ids)
  is decoded as the reference's generate() does (4 beams, max_length 64, start <s>, the config's
  no_repeat_ngram_size) and every *_ids tensor must match exactly. A <fixture-dir> without
  config.json whose subfolders are fixtures (../shared/fixtures/reference-decoding) checks each,
  rows named <subfolder>/<tensor>.
  Exit status: 0 all within tolerance, 1 some are not, 2 bad input.`;

function fail(message: string): never {
  process.stderr.write(`parity: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  exitOnHelp(args, HELP);
  let backend: NodeBackend = 'cpu';
  let dir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--backend') {
      const v = args[++i];
      if (v !== 'cpu' && v !== 'wasm' && v !== 'webgpu') fail(`--backend must be cpu, wasm or webgpu, got ${v ?? 'nothing'}\n${USAGE}`);
      backend = v;
    } else if (a.startsWith('--backend=')) {
      const v = a.slice('--backend='.length);
      if (v !== 'cpu' && v !== 'wasm' && v !== 'webgpu') fail(`--backend must be cpu, wasm or webgpu, got ${v}\n${USAGE}`);
      backend = v;
    } else if (a.startsWith('-')) {
      fail(`unknown option ${a}\n${USAGE}`);
    } else if (dir === undefined) {
      dir = a;
    } else {
      fail(`unexpected argument ${a}\n${USAGE}`);
    }
  }
  if (!dir) fail(USAGE);
  if (backend === 'webgpu') {
    const status = rerunWithVulkanLoader();
    if (status !== null) process.exit(status);
  }
  // A folder of fixtures: every subfolder with a config.json, rows prefixed with its name.
  const own = existsSync(join(dir, 'config.json'));
  const subs = own || !existsSync(dir) ? [] : readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && existsSync(join(dir!, e.name, 'config.json'))).map((e) => e.name).sort();
  const fixtures = own || subs.length === 0 ? [{ at: dir, prefix: '' }] : subs.map((name) => ({ at: join(dir!, name), prefix: `${name}/` }));
  const load = (at: string) => {
    const read = (name: string): Buffer => {
      try {
        return readFileSync(join(at, name));
      } catch (e) {
        fail(`cannot read ${join(at, name)}: ${(e as Error).message}`);
      }
    };
    let config: unknown;
    try {
      config = JSON.parse(read('config.json').toString('utf8'));
    } catch (e) {
      fail(`${join(at, 'config.json')} is not valid JSON: ${(e as Error).message}`);
    }
    return { config, model: new Uint8Array(read('model.safetensors')), cases: new Uint8Array(read('cases.safetensors')) };
  };
  const files = fixtures.map((f) => ({ ...f, files: load(f.at) }));
  await useNodeBackend(backend);
  const rows: Record<string, ParityRow> = {};
  for (const f of files) {
    let got;
    try {
      got = await computeParity(f.files);
    } catch (e) {
      releaseNodeBackend();
      fail(`${f.prefix}${(e as Error).message}`);
    }
    for (const [name, row] of Object.entries(got)) rows[f.prefix + name] = row;
  }
  process.stdout.write(JSON.stringify(rows) + '\n');
  releaseNodeBackend();
  process.exit(Object.values(rows).every((r) => r.ok) ? 0 : 1);
}

main().catch((e: unknown) => {
  process.stderr.write(`parity: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(2);
});
