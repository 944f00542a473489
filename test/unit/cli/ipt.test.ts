// The headless runner end to end: a throwaway model folder (random tiny BART + a byte-level BPE
// tokenizer over the built-in task world), a tiny study.json, `tsx src/cli/ipt.ts`, results on disk.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProjectorBundle } from '../../../src/shared/artifacts/projector';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinVocabulary } from '../../../src/shared/tasks/world/index';
import { Rng } from '../../../src/shared/random';
import { makeModelDir } from './support';

const root = mkdtempSync(join(tmpdir(), 'ipt-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function ipt(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/ipt.ts', ...args], { encoding: 'utf8', timeout: 240_000, env: { ...process.env, ...env } });
}

/** The tiny study of the first test (a model folder, three toy tasks, study.json), made once. */
function makeStudy(): void {
  if (existsSync(join(root, 'study.json'))) return;
  makeModelDir(join(root, 'model'));
  // Tiny CrossFit-layout task folder (a few lines per split) so evaluation stays cheap.
  const names = ['echo', 'first', 'last'];
  const words = builtinVocabulary().filter((w) => /^[a-z]+$/.test(w)).slice(0, 40);
  const pick = new Rng(9);
  for (const t of names) {
    mkdirSync(join(root, 'tasks', t), { recursive: true });
    for (const seed of [100, 13]) for (const sp of ['train', 'dev', 'test']) {
      const lines = Array.from({ length: 4 }, () => {
        const ws = Array.from({ length: 3 }, () => words[pick.int(words.length)]!);
        return `${ws.join(' ')}\t${t === 'echo' ? ws.join(' ') : t === 'first' ? ws[0] : ws[2]}`;
      });
      writeFileSync(join(root, 'tasks', t, `${t}_16_${seed}_${sp}.tsv`), lines.join('\n') + '\n');
    }
  }
  writeFileSync(join(root, 'tasks', 'tasks.json'), JSON.stringify(Object.fromEntries(names.map((n) => [n, { category: 'other/toy', metric: 'EM' }]))));
  const split = { train: ['echo', 'first'], test: ['last'] };
  const small = { numBeams: 1, maxNewTokens: 4, batchSize: 4, warmupSteps: 1, maxInputTokens: 48, evalBatchSize: 64 };
  writeFileSync(join(root, 'study.json'), JSON.stringify({
    name: 'cli', model: 'model', taskSource: { dir: 'tasks' }, tasks: { train: split.train.slice(0, 2), test: split.test.slice(0, 1), testOutOfDomain: ['last'] },
    dataSeed: 100, diffSeed: 13, intrinsicDims: [2], seeds: [1],
    phases: { pt: { ...small, promptTokens: 4, totalSteps: 3, evalEvery: 3 }, msf: { ...small, hidden: 8, totalSteps: 2, evalEvery: 2 }, ist: { ...small, totalSteps: 2, evalEvery: 2 } },
  }));
}

/** The pids whose parent is `ppid` and whose command line holds `marker` (Linux /proc). */
function childrenOf(ppid: number, marker: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== ppid) continue;
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(marker)) out.push(Number(d));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** Whether `pid` still runs (a zombie no one reaped has ended). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Polls `check` until it returns a value, at most `tries` times: waits on state, the bound is a safety net. */
async function until<T>(check: () => T | undefined, tries = 2400): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the state never came');
}

describe('npm run ipt', () => {
  it('runs a study.json on any model folder and writes results.json and the CSV', () => {
    makeStudy();
    const split = { train: ['echo', 'first'], test: ['last'] };
    const out = join(root, 'out');
    const r = ipt([join(root, 'study.json'), '--out', out, '--backend', 'cpu']);
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;
    expect(Object.keys(res.e_rel_pt!['2']!).sort()).toEqual(['test_in_ist', 'test_ist', 'test_msf', 'test_out_ist', 'train_diff_ist', 'train_msf', 'train_same_ist']);
    expect(res.random_subspace!['2']).toHaveProperty('test_ist');
    // The model is named as the artifacts name it, not by this machine's path to the folder.
    expect((res.study as unknown as { model: string }).model).toBe('files:model');
    expect(Object.keys(res.pt!).sort()).toEqual([...split.train.slice(0, 2), ...split.test.slice(0, 1)].sort());
    const csv = readFileSync(join(out, 'scores.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('seed,d_I,setting,task,metric,score,pt_score,ratio');
    expect(csv.length).toBeGreaterThan(10);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(summary).toHaveProperty('e_rel_pt');
    // Beside each E_rel: n and the excluded tasks; T_test^in and T_test^out apart ("last" is out of domain).
    const n = (summary.e_rel_n as Record<string, Record<string, number>>)['2']!;
    const left = (summary.e_rel_excluded as Record<string, Record<string, string[]>>)['2']!;
    expect(summary.test_split).toEqual({ in: 0, out: 1, unseen_data_denominator: 'data-seed' });
    expect([n.test_in_ist, left.test_in_ist]).toEqual([0, []]);
    expect(n.test_out_ist! + left.test_out_ist!.length).toBe(1);
    expect(n.train_same_ist! + left.train_same_ist!.length).toBe(2);
    expect(left.test_out_ist).toEqual(left.test_ist);
    expect((res.test_split as unknown as { out: string[] }).out).toEqual(['last']);
    // Trivial baselines: "echo" copies its input, so copying scores 1 there and PT cannot beat it.
    const baselines = res.baselines as unknown as Record<string, { majority: number; copy: number }>;
    expect(baselines.echo!.copy).toBe(1);
    const table = readFileSync(join(out, 'pt-vs-baselines.md'), 'utf8');
    expect(table).toMatch(/^\| echo \| train \| EM \| [\d.]+ \| [\d.]+ \| 1\.000 \| no \|$/m);
    expect(summary.pt_beats_baselines).toMatch(/^\d\/3$/);
    // What it learned, as files: a prompt per task and data seed, the projector with its training
    // tasks, a vector per IST run, each naming the model folder it came from.
    const files = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(d, e.name)).map((f) => `${e.name}/${f}`) : [e.name]));
    expect(files(join(out, 'prompts')).sort()).toEqual(['echo-d100-r1.safetensors', 'echo-d13-r1.safetensors', 'first-d100-r1.safetensors', 'first-d13-r1.safetensors', 'last-d100-r1.safetensors']);
    expect(files(join(out, 'vectors')).sort()).toEqual(['d2/test/last-d100-r1.safetensors', 'd2/train_diff/echo-d13-r1.safetensors', 'd2/train_diff/first-d13-r1.safetensors', 'd2/train_same/echo-d100-r1.safetensors', 'd2/train_same/first-d100-r1.safetensors']);
    const bundle = decodeProjectorBundle(readFileSync(join(out, 'projector-d2.safetensors')));
    expect(bundle.modelId).toBe('files:model');
    expect(bundle.tasks.map((t) => [t.name, t.category])).toEqual([['echo', 'other/toy'], ['first', 'other/toy']]);
    expect(summary.artifacts).toBe(11);

    // Two processes sharing the units give the same numbers.
    const out2 = join(root, 'out2');
    const r2 = ipt([join(root, 'study.json'), '--out', out2, '--backend', 'cpu', '--jobs', '2']);
    expect(r2.status, r2.stderr).toBe(0);
    const res2 = JSON.parse(readFileSync(join(out2, 'results.json'), 'utf8')) as typeof res;
    expect(res2.e_rel_pt).toEqual(res.e_rel_pt);
    expect(res2.pt).toEqual(res.pt);
    expect(res2.scores).toEqual(res.scores);
    expect(readFileSync(join(out2, 'projector-d2.safetensors'))).toEqual(readFileSync(join(out, 'projector-d2.safetensors')));
  }, 240_000);

  it('keys units by the contents of the weights and the task files: a moved copy reuses them, a changed weight or answer trains afresh', () => {
    makeStudy();
    const work = join(root, 'keyed-work');
    const study = JSON.parse(readFileSync(join(root, 'study.json'), 'utf8')) as Record<string, unknown>;
    const at = (dir: string) => {
      const file = join(dir, 'study.json');
      writeFileSync(file, JSON.stringify({ ...study, model: 'model', taskSource: { dir: join(root, 'tasks') } }));
      return ipt([file, '--out', join(dir, 'out'), '--work', work, '--backend', 'cpu']);
    };
    const units = (stdout: string) => stdout.split('\n').filter((l) => /^\[\d+\/\d+\] /.test(l) && /: reused/.test(l)).length;
    const first = at(root);
    expect(first.status, first.stderr).toBe(0);
    expect(units(first.stderr)).toBe(0);
    // The same checkpoint in another folder (same folder name, another path): every unit reused.
    const moved = join(root, 'moved');
    mkdirSync(join(moved, 'model'), { recursive: true });
    for (const f of readdirSync(join(root, 'model'))) writeFileSync(join(moved, 'model', f), readFileSync(join(root, 'model', f)));
    const again = at(moved);
    expect(again.status, again.stderr).toBe(0);
    const total = Number(/\[\d+\/(\d+)\]/.exec(again.stderr)![1]);
    expect(total).toBeGreaterThan(5);
    expect(units(again.stderr)).toBe(total);
    expect((JSON.parse(readFileSync(join(moved, 'out', 'results.json'), 'utf8')) as { study: { model: string } }).study.model).toBe('files:model');
    // One weight changed, name and size kept: nothing is reused.
    const changed = join(root, 'changed');
    mkdirSync(join(changed, 'model'), { recursive: true });
    for (const f of readdirSync(join(root, 'model'))) writeFileSync(join(changed, 'model', f), readFileSync(join(root, 'model', f)));
    const bytes = readFileSync(join(changed, 'model', 'model.safetensors'));
    const header = 8 + Number(bytes.readBigUInt64LE(0));
    bytes.writeFloatLE(bytes.readFloatLE(header + 400) + 0.5, header + 400);
    writeFileSync(join(changed, 'model', 'model.safetensors'), bytes);
    const fresh = at(changed);
    expect(fresh.status, fresh.stderr).toBe(0);
    expect(units(fresh.stderr)).toBe(0);
    // The first model again, with one answer of the unseen task's test file edited (same name,
    // same size): its three units (PT, IST, random subspace) run afresh, every other one is reused.
    const edited = join(root, 'edited-tasks');
    mkdirSync(edited, { recursive: true });
    for (const d of readdirSync(join(root, 'tasks'), { withFileTypes: true })) {
      if (!d.isDirectory()) { writeFileSync(join(edited, d.name), readFileSync(join(root, 'tasks', d.name))); continue; }
      mkdirSync(join(edited, d.name), { recursive: true });
      for (const f of readdirSync(join(root, 'tasks', d.name))) writeFileSync(join(edited, d.name, f), readFileSync(join(root, 'tasks', d.name, f)));
    }
    const testFile = join(edited, 'last', 'last_16_100_test.tsv');
    const lines = readFileSync(testFile, 'utf8').split('\n');
    lines[0] = lines[0]!.replace(/\t(\w)/, (_, c: string) => `\t${c === 'a' ? 'b' : 'a'}`);
    writeFileSync(testFile, lines.join('\n'));
    const file = join(root, 'edited.json');
    writeFileSync(file, JSON.stringify({ ...study, model: 'model', taskSource: { dir: edited } }));
    const retask = ipt([file, '--out', join(root, 'edited-out'), '--work', work, '--backend', 'cpu']);
    expect(retask.status, retask.stderr).toBe(0);
    expect(units(retask.stderr)).toBe(total - 3);
    const ran = retask.stderr.split('\n').filter((l) => /^\[\d+\/\d+\] /.test(l) && !/: reused/.test(l));
    expect(new Set(ran.map((l) => /^\[\d+\/\d+\] (\w+) .*?(\w+) seed=/.exec(l)?.[2]))).toEqual(new Set(['last']));
  }, 240_000);

  it('a --jobs 2 helper stops when its parent is killed with SIGKILL', async () => {
    makeStudy();
    const parent = spawn(process.execPath, ['--import', 'tsx', 'src/cli/ipt.ts', join(root, 'study.json'), '--out', join(root, 'killed'), '--backend', 'cpu', '--jobs', '2'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // The helper inherits this pipe as its stderr: it closes once parent and helper are both gone.
    let stderr = '';
    parent.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const closed = new Promise<void>((res) => parent.stderr.on('close', () => res()));
    let helper: number | undefined;
    try {
      helper = await until(() => childrenOf(parent.pid!, '--shard')[0]);
      parent.kill('SIGKILL');
      await until(() => (running(helper!) ? undefined : true));
      await closed;
      expect(stderr).toMatch(/ipt: helper 1\/2: its parent process is gone; stopping/);
    } finally {
      parent.kill('SIGKILL');
      if (helper !== undefined && running(helper)) process.kill(helper, 'SIGKILL');
    }
  }, 240_000);

  it('--quick says clearly when the embedded model is missing', () => {
    // An empty models folder, so the check runs whether or not the embedded model is built.
    const models = join(root, 'no-models');
    mkdirSync(models, { recursive: true });
    const r = ipt(['--quick', '--out', join(root, 'q')], { INTRINSIC_LAB_MODELS: models });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--quick needs the embedded default model in .*intrinsic-bart-tiny.*pretrain-tiny/);
  }, 240_000);

  it('--jobs, --shard and --group-rows refuse bad values; --lesson goes alone', () => {
    expect(ipt([join(root, 'study.json'), '--jobs', '0', '--out', join(root, 'q')]).stderr).toMatch(/--jobs must be a positive integer, got "0"/);
    expect(ipt([join(root, 'study.json'), '--group-rows', '0.5', '--out', join(root, 'q')]).stderr).toMatch(/--group-rows must be a positive integer, got "0.5"/);
    const both = ipt(['--lesson', '--quick', '--out', join(root, 'q')]);
    expect(both.status).toBe(1);
    expect(both.stderr).toMatch(/usage: npm run -s ipt/);
    expect(ipt([join(root, 'study.json'), '--shard', '2/2', '--out', join(root, 'q')]).stderr).toMatch(/--shard must be i\/N with i < N, got "2\/2"/);
  }, 60_000);

  it('--split names the quick splits and goes with --quick only', () => {
    const bad = ipt(['--quick', '--split', 'both', '--out', join(root, 'q')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--split must be one of random, cls, non-cls, got "both"/);
    const alone = ipt([join(root, 'study.json'), '--split', 'cls', '--out', join(root, 'q')]);
    expect(alone.status).toBe(1);
    expect(alone.stderr).toMatch(/--split goes with --quick/);
  }, 60_000);

  it('names the bad field of a study.json', () => {
    writeFileSync(join(root, 'bad.json'), JSON.stringify({ model: 'model', tasks: { train: ['x'] }, intrinsicDims: ['5'], seeds: [1] }));
    const r = ipt([join(root, 'bad.json'), '--out', join(root, 'bad')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad\.json: "intrinsicDims" must be a list of integers \(empty: prompt tuning only\), got \["5"\]/);
  }, 60_000);
});

describe('--show-preset', () => {
  it('prints the resolved preset as JSON (the paper\'s: the reference scripts\' settings), and names a wrong one', () => {
    const r = ipt(['--show-preset', 'paper']);
    expect(r.status, r.stderr).toBe(0);
    const shown = JSON.parse(r.stdout) as { preset: string; phases: Record<string, Record<string, unknown>> };
    expect(shown.preset).toBe('paper');
    expect(shown.phases.pt).toMatchObject({ gridLr: [1e-5, 2e-5, 5e-5, 1e-4], gridBatchSize: [2, 4, 8], warmupSteps: 10_000, evalEvery: 1000, numBeams: 4, maxNewTokens: 63, decoding: 'reference' });
    expect(shown.phases.msf).toMatchObject({ batchSize: 64, weightDecay: 0, evalEvery: 5000 });
    expect(shown.phases.ist).toMatchObject({ lr: 1e-5, batchSize: 4, warmupSteps: 6000, evalEvery: 1000 });
    expect(shown.phases.ft).toMatchObject({ totalSteps: 10_000, evalEvery: 100, weightDecay: 0.01, noDecay: ['bias', 'LayerNorm.weight'] });
    const smoke = ipt(['--show-preset=smoke']);
    expect(JSON.parse(smoke.stdout).phases.pt).toMatchObject({ numBeams: 1, maxNewTokens: 16 });
    const bad = ipt(['--show-preset', 'fast']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--show-preset needs one of smoke, browser, paper, got "fast"/);
  });
});
