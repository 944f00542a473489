// exitOnHelp in every runner of src/cli: --help prints its usage on stdout and exits 0.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RUNNERS = ['parity', 'score', 'tasks', 'artifact', 'bench', 'ipt', 'make-tokenizer', 'pretrain-tiny', 'ship-projector', 'ship-study'];

describe('--help', () => {
  it('covers every runner in src/cli', () => {
    const files = readdirSync(join(ROOT, 'src/cli')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
    expect(files.sort()).toEqual([...RUNNERS].sort());
  });

  // One test, the runners one after the other: eight tsx processes at once are slow on two cores.
  it('prints the usage on stdout and exits 0, for every runner, before doing anything else', () => {
    // -h once (it is the same check); a bogus argument first: help wins over the rest of the line.
    for (const [runner, flag] of [...RUNNERS.map((r) => [r, '--help']), ['score', '-h']]) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', `src/cli/${runner}.ts`, '--no-such-option', flag!], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
      expect(r.status, `${runner} ${flag}: ${r.stderr}`).toBe(0);
      expect(r.stdout, runner).toMatch(/^usage:/m);
      expect(r.stderr, runner).not.toMatch(/\n\s+at /); // no stack trace
    }
  }, 600_000);
});
