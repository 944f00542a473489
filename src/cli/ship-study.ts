// Runs the study that ships with the embedded model, so the Start and Results screens show the
// phenomenon before anything runs: the quick studies' tasks on all three splits, at SHIPPED_DIMS
// and shippedSeeds, IST on the unseen tasks with the random-subspace baseline. Each split is one
// ordinary `ipt --shipped` study (resumable, units shared over --jobs); the three share one work
// folder, so a task's PT units, the same in every split, are trained once.
//
//   npm run -s ship:study -- [--out <work dir>] [--jobs 2] [--split random|cls|non-cls ...]
//
// Writes public/models/<embedded>/study/shipped-<split>.json (each split's results.json) and
// README.md beside them: the card with the command, seeds, cost and the figures.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EMBEDDED_MODEL } from '../shared/embedded';
import { QUICK_SPLITS, SHIPPED_DIMS, shippedSeeds, shippedStudySpec, type QuickSplit } from '../shared/study/quick';
import { SHIPPED_STUDY_DIR, shippedStudyFile } from '../shared/study/shipped';
import { studyPhases } from '../shared/study/spec';
import { exitOnHelp } from '../node/cli';
import { FileRunStore } from '../node/runStore';

const USAGE = 'usage: npm run -s ship:study -- [--out <work dir>] [--jobs 2] [--split random|cls|non-cls ...]';

function fail(msg: string): never {
  process.stderr.write(`ship:study: ${msg}\n`);
  process.exit(1);
}

interface SplitRun { split: QuickSplit; seconds: number; computed: number; load0: number; load1: number }

interface ResultsLike {
  e_rel_pt: Record<string, Record<string, number | null>>;
  e_rel_pt_std: Record<string, Record<string, number | null>>;
  random_subspace: Record<string, { test_ist: number; test_ist_std: number }>;
}

async function main(argv: string[]): Promise<void> {
  exitOnHelp(argv, `${USAGE}\n  Runs the shipped study (all three splits by default) and writes public/models/${EMBEDDED_MODEL}/${SHIPPED_STUDY_DIR}/.`);
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: 'string', default: 'runs/shipped-study' }, jobs: { type: 'string', default: '2' }, split: { type: 'string', multiple: true } },
  });
  const jobs = Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) fail(`--jobs must be a positive integer, got "${values.jobs}"`);
  const splits = (values.split ?? [...QUICK_SPLITS]) as QuickSplit[];
  for (const s of splits) if (!QUICK_SPLITS.includes(s)) fail(`--split must be one of ${QUICK_SPLITS.join(', ')}, got "${s}"`);
  const modelDir = resolve('public/models', EMBEDDED_MODEL);
  if (!existsSync(join(modelDir, 'config.json'))) fail(`the embedded model is not in ${modelDir}/`);
  const out = resolve(values.out);
  const work = join(out, 'work');
  const shipDir = join(modelDir, SHIPPED_STUDY_DIR);
  mkdirSync(shipDir, { recursive: true });
  const stored = async () => (await new FileRunStore(work).list('result/')).length;

  const runs: SplitRun[] = [];
  for (const split of splits) {
    const before = await stored();
    const load0 = loadavg()[0]!;
    const t0 = Date.now();
    const dir = join(out, split);
    const run = spawnSync(process.execPath, [...process.execArgv, resolve('src/cli/ipt.ts'), '--shipped', '--split', split, '--out', dir, '--work', work, '--jobs', String(jobs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    if (run.status !== 0) fail(`the ${split} study stopped (exit ${run.status ?? run.signal}); run the same command again to continue`);
    runs.push({ split, seconds: (Date.now() - t0) / 1000, computed: (await stored()) - before, load0, load1: loadavg()[0]! });
    const results = readFileSync(join(dir, 'results.json'));
    writeFileSync(join(shipDir, shippedStudyFile(split)), results);
  }

  const spec = shippedStudySpec('random');
  const phases = studyPhases({ ...spec, model: modelDir });
  const pct = (v: number | null | undefined) => (typeof v === 'number' ? (100 * v).toFixed(1) : 'n/a');
  const rows = QUICK_SPLITS.filter((s) => existsSync(join(shipDir, shippedStudyFile(s)))).flatMap((split) => {
    const r = JSON.parse(readFileSync(join(shipDir, shippedStudyFile(split)), 'utf8')) as ResultsLike;
    return SHIPPED_DIMS.map((d) => {
      const k = String(d);
      return `| ${split} | ${d} | ${pct(r.e_rel_pt[k]?.test_ist)} ± ${pct(r.e_rel_pt_std[k]?.test_ist)} | ${pct(r.random_subspace[k]?.test_ist)} ± ${pct(r.random_subspace[k]?.test_ist_std)} | ${pct(r.e_rel_pt[k]?.train_msf)} |`;
    });
  });
  const total = runs.reduce((s, r) => s + r.seconds, 0);
  const card = `# The shipped study of ${EMBEDDED_MODEL}

What the Start and Results screens show before anything runs: the paper's pipeline (PT -> MSF ->
IST, with the random-subspace baseline) on the embedded model and the built-in task world, on
each of the three splits. One file per split, each the \`results.json\` of \`ipt\` (open any of them
on the Results screen, or with \`npm run -s ipt\`'s tools).

| | |
| --- | --- |
| splits | ${QUICK_SPLITS.map((s) => `\`${s}\` (${shippedStudyFile(s)})`).join(', ')}: the quick studies' tasks, ${spec.tasks.train.length} training and ${spec.tasks.test.length} unseen each |
| d_I | ${SHIPPED_DIMS.join(', ')} |
| run seeds | random split ${shippedSeeds('random').join(', ')}; cls and non-cls ${shippedSeeds('cls').join(', ')} (each seed reruns PT, MSF, IST and the random subspace; data seed ${spec.dataSeed}) |
| settings | preset "${spec.preset}": PT ${phases.pt.totalSteps} steps of a prompt of ${phases.pt.promptTokens} tokens, MSF ${phases.msf.totalSteps} steps (hidden ${phases.msf.hidden}), IST ${phases.ist.totalSteps} steps |
| challenge | unseen tasks only (T_test(IST)); the training-task challenges would more than double the cost |

## How it was made (reproducible)

    npm run -s ship:study -- --jobs ${jobs}

Resumable: run it again after an interruption. It keeps its runs in \`${values.out}/\`.

**Cost:** ${runs.map((r) => `${r.split} ${Math.round(r.seconds)} s (${r.computed} units computed, load ${r.load0.toFixed(1)} -> ${r.load1.toFixed(1)})`).join('; ')}; ${Math.round(total)} s in all,
with ${jobs} processes on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${new Date().toISOString().slice(0, 10)}.
The first split trains the PT units the others reuse.

## What it shows (E_rel^PT in %, mean ± standard deviation over the run seeds; ± 0.0 with one seed)

| split | d_I | unseen tasks, IST | unseen tasks, random subspace | training tasks, MSF reconstruction |
| --- | ---: | ---: | ---: | ---: |
${rows.join('\n')}

## Caveats

- The embedded model saw the training tasks by name in pre-training, so its subspace is easier to
  find than the paper's (BART-base never saw CrossFit).
- 6 unseen tasks per split: a single task moves E_rel by several points.
`;
  writeFileSync(join(shipDir, 'README.md'), card);
  process.stdout.write(`${JSON.stringify({ dir: shipDir, seconds: Math.round(total), runs })}\n`);
}

void main(process.argv.slice(2));
