// The bench CLI on its tiny workload: the JSON it prints, memory stages included (no timing is
// asserted: figures live in the README, measured in one sitting).
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../../..');

describe('npm run bench', () => {
  it('prints one JSON object with the step, its matmul work and where the memory is at each stage', () => {
    const r = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), ['src/cli/bench.ts', '--workload', 'tiny', '--steps', '1', '--json'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { workload: string; steps: number; stepMsAll: number[]; leakedTensorsPerRun: number; memory: { stage: string; rssMb: number; wasmHeapMb: number | null; tensorMb: number; jsArrayBuffersMb: number }[] };
    expect(out.workload).toBe('tiny');
    expect(out.stepMsAll).toHaveLength(1);
    expect(out.leakedTensorsPerRun).toBe(0);
    expect(out.memory.map((m) => m.stage)).toEqual(['backend ready', 'weights in JS', `model built (packing both)`, 'after the first step', 'after 1 more steps']);
    const [ready, , built, , last] = out.memory;
    // Nothing is a tensor before the model is built; the wasm heap only grows.
    expect(ready!.tensorMb).toBe(0);
    expect(built!.wasmHeapMb).toBeGreaterThanOrEqual(ready!.wasmHeapMb!);
    expect(last!.wasmHeapMb).toBeGreaterThanOrEqual(built!.wasmHeapMb!);
    for (const m of out.memory) expect(m.rssMb).toBeGreaterThan(0);
  }, 120_000);

  it('refuses an unknown workload by name', () => {
    const r = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), ['src/cli/bench.ts', '--workload', 'huge'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('--workload must be tiny, embedded or base, got huge');
  });
});
