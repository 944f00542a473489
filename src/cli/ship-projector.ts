// Trains the projector that ships with the embedded model, so Explore works on first open:
// prompt tuning on every training task of the built-in world's random split, subspace finding
// over all of them, and IST on the held-out tasks to measure the subspace. It is one ordinary
// study (run by `ipt`, so it resumes and shares the units over --jobs), then its projector file
// and a card with its cost and figures are copied next to the model.
//
//   npm run -s ship:projector -- [--out <work dir>] [--d-i 10] [--seed 1] [--msf-steps 2000] [--msf-hidden 64] [--jobs 2] [--dry-run]
//
// Writes public/models/<embedded>/projector-d<d_I>.safetensors and projector-d<d_I>.md.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { EMBEDDED_MODEL } from '../shared/embedded';
import { embeddedProjectorSpec } from '../shared/study/quick';
import { planStudy } from '../shared/study/plan';
import { studyPhases, type StudySpec } from '../shared/study/spec';
import { exitOnHelp } from '../node/cli';
import { FileRunStore } from '../node/runStore';

const USAGE = 'usage: npm run -s ship:projector -- [--out <work dir>] [--d-i 10] [--seed 1] [--msf-steps 2000] [--msf-hidden 64] [--jobs 2] [--dry-run]';

function fail(msg: string): never {
  process.stderr.write(`ship:projector: ${msg}\n`);
  process.exit(1);
}

/** Finished units in a study's work folder (the store ipt keeps there). */
async function storedResults(out: string): Promise<number> {
  return (await new FileRunStore(join(out, 'work')).list('result/')).length;
}

async function main(argv: string[]): Promise<void> {
  exitOnHelp(argv, `${USAGE}\n  Trains public/models/${EMBEDDED_MODEL}/projector-d<d_I>.safetensors (and its card) from the built-in world's random split.`);
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string', default: 'runs/embedded-projector' }, 'd-i': { type: 'string', default: '10' }, seed: { type: 'string', default: '1' },
      'msf-steps': { type: 'string', default: '2000' }, 'msf-hidden': { type: 'string', default: '64' }, jobs: { type: 'string', default: '2' }, 'dry-run': { type: 'boolean', default: false },
    },
  });
  const int = (k: 'd-i' | 'seed' | 'msf-steps' | 'msf-hidden' | 'jobs', min: number) => {
    const v = Number(values[k]);
    if (!Number.isInteger(v) || v < min) fail(`--${k} must be an integer >= ${min}, got "${values[k]}"`);
    return v;
  };
  const dI = int('d-i', 1);
  const seed = int('seed', 0);
  const msfSteps = int('msf-steps', 1);
  const msfHidden = int('msf-hidden', 1);
  const jobs = int('jobs', 1);
  const modelDir = resolve('public/models', EMBEDDED_MODEL);
  if (!existsSync(join(modelDir, 'config.json'))) fail(`the embedded model is not in ${modelDir}/`);
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const spec: StudySpec = { ...embeddedProjectorSpec(dI, seed, msfSteps, msfHidden), model: modelDir };
  const studyPath = join(out, 'study.json');
  writeFileSync(studyPath, `${JSON.stringify({ ...spec, taskSource: 'builtin' }, null, 2)}\n`);
  if (values['dry-run']) {
    process.stdout.write(`${studyPath}\n`);
    return;
  }

  const phases = studyPhases(spec);
  const dModel = (JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as { d_model: number }).d_model;
  const results0 = await storedResults(out);
  const load0 = loadavg()[0]!;
  const t0 = Date.now();
  const run = spawnSync(process.execPath, [...process.execArgv, resolve('src/cli/ipt.ts'), studyPath, '--out', out, '--jobs', String(jobs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  if (run.status !== 0) fail(`the study stopped (exit ${run.status ?? run.signal}); run the same command again to continue`);
  const seconds = (Date.now() - t0) / 1000;
  const load1 = loadavg()[0]!;
  const computed = (await storedResults(out)) - results0;

  const file = `projector-d${dI}.safetensors`;
  const made = join(out, file);
  if (!existsSync(made)) fail(`${made} was not written`);
  copyFileSync(made, join(modelDir, file));
  const bytes = readFileSync(made);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
    e_rel_pt: Record<string, Record<string, number | null>>; random_subspace: Record<string, { test_ist: number }>;
    excluded: Record<string, { task: string; reason: string }[]>;
  };
  const row = results.e_rel_pt[String(dI)]!;
  const pct = (v: number | null | undefined) => (typeof v === 'number' ? `${(100 * v).toFixed(1)}%` : 'n/a');
  const excluded = Object.entries(results.excluded).filter(([k]) => k.startsWith(`${dI}/test_ist`)).flatMap(([, v]) => v.map((x) => `${x.task} (${x.reason})`));
  const card = `# ${file}: the embedded model's subspace

The projector Explore opens by default: Proj and Proj_b of multi-task subspace finding (MSF) on
**${spec.tasks.train.length} training tasks** of the built-in world's \`random\` split, for
\`${EMBEDDED_MODEL}\`, with each training task's intrinsic vector (z = Proj(its PT prompt)) and
category in the file, so your own vector lands among them on the map.

| | |
| --- | --- |
| d_I | ${dI} (the quick studies' d_I: unseen-task IST reaches ${pct(row.test_ist)} of prompt tuning here) |
| prompt | ${phases.pt.promptTokens} tokens x ${dModel} = ${(phases.pt.promptTokens * dModel).toLocaleString('en-US')} numbers per task (preset "${spec.preset}") |
| Proj_b hidden width | ${phases.msf.hidden} |
| run seed / data seed | ${seed} / ${spec.dataSeed} |
| MSF steps | ${msfSteps} |
| size | ${bytes.length.toLocaleString('en-US')} bytes, SHA-256 \`${createHash('sha256').update(bytes).digest('hex')}\` |

## How it was made (reproducible)

    npm run -s ship:projector -- --d-i ${dI} --seed ${seed} --msf-steps ${msfSteps} --msf-hidden ${msfHidden} --jobs ${jobs}

It runs the study in \`${values.out}/study.json\` with \`ipt\` (PT on all ${spec.tasks.train.length + spec.tasks.test.length} tasks, MSF, then IST
and the random-subspace baseline on the ${spec.tasks.test.length} held-out tasks), resumable, and copies the
projector here. The PT units are the quick studies' and the PT table's (same settings), so a work
folder that holds them reuses them.

**Cost:** ${Math.round(seconds)} s wall for the ${computed} units this run computed (of ${planStudy(spec, false).unitsTotal}; the
others were already in the work folder), with ${jobs} processes on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}),
1-minute load ${load0.toFixed(1)} at the start and ${load1.toFixed(1)} at the end, ${new Date().toISOString().slice(0, 10)}.

## What it does (from the same run)

| | E_rel^PT |
| --- | ---: |
| unseen tasks, IST in this subspace (T_test(IST), ${spec.tasks.test.length} tasks) | ${pct(row.test_ist)} |
| unseen tasks, IST in a random subspace of the same shape | ${pct(results.random_subspace[String(dI)]?.test_ist)} |
| training tasks, prompts reconstructed through the autoencoder (T_train(MSF)) | ${pct(row.train_msf)} |
| unseen tasks' PT prompts reconstructed (T_test(MSF)) | ${pct(row.test_msf)} |

${excluded.length ? `Left out of E_rel (no positive PT score): ${excluded.join(', ')}.` : 'No task was left out of E_rel.'}

## Caveats

- The embedded model saw the training tasks by name in pre-training, so its subspace is easier to
  find than the paper's (BART-base never saw CrossFit).
- One run seed and one d_I: the figures above are one sample, not a mean.
`;
  writeFileSync(join(modelDir, `projector-d${dI}.md`), card);
  process.stdout.write(`${JSON.stringify({ projector: join(modelDir, file), bytes: bytes.length, seconds: Math.round(seconds), e_rel_pt: row })}\n`);
}

void main(process.argv.slice(2));
