// Headless intrinsic prompt tuning: runs a whole study (PT -> MSF -> IST + baselines) with the
// same core code the app's worker runs, and writes the tables.
//
//   npm run -s ipt -- <study.json> --out <dir> [--backend cpu|wasm|webgpu] [--checkpoint-every N] [--fresh]
//   npm run -s ipt -- --quick [--split random|cls|non-cls] --out <dir> [--backend ...]
//   npm run -s ipt -- --pt-table --out <dir>     (PT alone on every built-in task: pt-vs-baselines.md)
//   npm run -s ipt -- --shipped --split <s> --out <dir> [--work <dir>]   (the study shipped with the embedded model)
//   npm run -s ipt -- --preset <ft|absolute|stability|task-count|task-types|data-scale|multi-task|random-all> [<study.json>] --out <dir>
//     one of the paper's analyses (src/shared/study/analyses.ts) over the study.json, or over the
//     built-in quick study (--split) on the embedded model: its studies in <out>/<label>/, sharing
//     <out>/work, then <out>/analysis.json (the figure's data) and <out>/figure.svg.
//   --work <dir>: the run records (default <out>/work); studies that share one reuse each other's
//   finished units where they are the same (PT of a task in two splits).
//   --jobs N: N processes share the units (default: 2 on a machine with 2+ cores for --quick and
//   --pt-table, else 1); the extra ones are this command with --shard i/N and write nothing, and
//   stop when this process ends, however it ends (they watch the stdin pipe it holds).
//
// study.json (paths relative to the file):
//   { "name": "...", "model": "<model folder: config.json, model.safetensors, tokenizer.json>",
//     "tasks": { "train": [...], "test": [...] },
//     "taskSource": "builtin" | { "dir": "<CrossFit-layout folder>" },   (default "builtin")
//     "dataSeed": 100, "diffSeed": 13, "intrinsicDims": [..] ([]: prompt tuning only), "seeds": [..],
//     "preset": "paper" | "browser" | "smoke", "phases": { "pt": {...}, "msf": {...}, "ist": {...}, "ft": {...} },
//     "randomSubspace": true, "iptInitPt": false, "fineTune": false, "taskPrefix": true,
//     "istSettings": ["train_same", "train_diff", "test"], "kScale": 1 (K x this in the built-in tasks) }
//   (ipt adds "modelDigest" and "taskDigests", the contents the unit keys carry; results.json shows them)
//
// Writes <out>/results.json (e_rel_pt per d_I, random_subspace, pt, baselines, every other table),
// <out>/scores.csv (per task) and <out>/pt-vs-baselines.md (PT against the trivial baselines), and
// what the study learned as safetensors files (src/shared/study/artifacts.ts), each as its item finishes:
// <out>/prompts/<task>-d<data seed>-r<seed>.safetensors, <out>/projector-d<d_I>[-r<seed>].safetensors
// (with its training tasks' vectors) and <out>/vectors/d<d_I>/<setting>/<task>-d<data seed>-r<seed>.safetensors.
// They record the model as "embedded:<name>" for public/models/<name>, else "files:<folder>"; --model-id
// <id> (e.g. hub:facebook/bart-base) says otherwise. Finished units and running checkpoints live in <out>/work, so an
// interrupted run (Ctrl-C pauses with a checkpoint) continues where it stopped; --fresh clears it.
import { EMBEDDED_MODEL } from '../shared/embedded';
import { spawn } from 'node:child_process';
import { existsSync, fstatSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { registerWasmKernels } from '../engine/kernels';
import { Bart } from '../engine/model/bart';
import { QUICK_SPLITS, builtinSide, lessonSpec, ptTableSpec, quickStudySpec, quickTasks, shippedStudySpec, type QuickSplit } from '../shared/study/quick';
import { erelByGroup, ptBaselineMarkdown, ptBaselineRows } from '../shared/study/report';
import { runStudy } from '../engine/study/run';
import type { StudyProgress } from '../shared/study/plan';
import { resultsCsv } from '../shared/study/results';
import { parseStudySpec, type StudySpec } from '../shared/study/spec';
import { taskLookup, type TaskLookup } from '../shared/tasks/lookup';
import { loadTokenizer } from '../shared/tokenizer/index';
import { toJsonText } from '../shared/json';
import { modelIdentity } from '../shared/artifacts/identity';
import { weightsDigest } from '../shared/weights/digest';
import { taskDigests } from '../shared/study/digests';
import type { StudyArtifact } from '../shared/study/artifacts';
import { releaseNodeBackend, useNodeBackend, type NodeBackend } from '../node/backend';
import { exitOnHelp } from '../node/cli';
import { MAX_JSON_FILE_BYTES, readRegularFile, writeWhole } from '../node/files';
import { FileRunStore } from '../node/runStore';
import { loadModelDir } from '../node/modelDir';
import { loadTasksFromPath } from '../node/tasks';
import { runAnalysis } from '../node/analysisRunner';
import { ANALYSIS_NAMES, type AnalysisName } from '../shared/study/analyses';

/** The embedded default model (built by src/cli/pretrain-tiny.ts). */
const QUICK_MODEL = EMBEDDED_MODEL;

const USAGE = 'usage: npm run -s ipt -- <study.json> --out <dir> [--backend cpu|wasm|webgpu] | --quick [--split random|cls|non-cls] --out <dir> | --shipped [--split ...] --out <dir> | --lesson --out <dir> | --pt-table --out <dir> | --preset <analysis> [<study.json>] --out <dir>';
const HELP = `${USAGE}
  Runs a whole study (PT -> MSF -> IST + baselines) and writes <out>/results.json, scores.csv and
  pt-vs-baselines.md, plus prompts/, vectors/ and projector-d<d_I>.safetensors. Options: --model-id <id>
  (the model the files name), --checkpoint-every N (steps, default 50), --fresh (clear <out>/work),
  --jobs N (processes sharing the units), --group-rows N (rows per shared training step of many
  units; 1: one unit at a time; default by model size). --lesson: the app's live demo (quick tasks,
  d_I 2, 5, 10). --shipped: the study shipped with the embedded model (npm run -s ship:study runs all
  three splits). --work <dir>: where run records live (default <out>/work; studies sharing one reuse
  each other's identical units). An interrupted run continues where it stopped.
  --preset <${ANALYSIS_NAMES.join('|')}>: one of the paper's analyses over the study.json (or the
  built-in quick study, --split): its studies, then analysis.json and figure.svg in <out>.
  study.json fields: see the header of src/cli/ipt.ts.`;

function fail(msg: string): never {
  process.stderr.write(`ipt: ${msg}\n`);
  process.exit(1);
}

interface StudyFile extends Omit<StudySpec, 'model'> {
  readonly model: string;
  readonly taskSource?: 'builtin' | { readonly dir: string };
}

/**
 * The id artifacts record for a model folder: the app names its embedded model
 * "embedded:<name>", so files made from public/models/<name> open there as that model's;
 * any other folder is "files:<folder name>" unless --model-id says (e.g. hub:facebook/bart-base).
 */
function folderModelId(dir: string, override: string | undefined): string {
  if (override) return override;
  const name = basename(dir);
  return name === EMBEDDED_MODEL ? `embedded:${name}` : `files:${name}`;
}

/** Writes each file under `out` whole: to a temporary name first, then renamed into place. */
function writeArtifacts(out: string, files: readonly StudyArtifact[]): void {
  for (const f of files) {
    const path = join(out, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeWhole(path, f.bytes);
  }
}

/** A quick study over the built-in task world (src/shared/study/quick.ts) on the embedded model. */
function quickStudy(modelDir: string, split: QuickSplit): StudyFile {
  return { ...quickStudySpec(split), model: modelDir, taskSource: 'builtin' };
}

function readStudy(path: string): StudyFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readRegularFile(path, MAX_JSON_FILE_BYTES, 'a study.json').toString('utf8'));
  } catch (e) {
    const msg = (e as Error).message; // file errors already start with the path
    fail(msg.startsWith(`${path}: `) ? msg : `${path}: ${msg}`);
  }
  const spec = parseStudySpec(raw, path, path);
  const source = (raw as { taskSource?: unknown }).taskSource ?? 'builtin';
  if (source !== 'builtin' && !(typeof source === 'object' && source !== null && typeof (source as { dir?: unknown }).dir === 'string')) {
    fail(`${path}: "taskSource" must be "builtin" or {"dir": "<folder>"}, got ${JSON.stringify(source)}`);
  }
  const base = dirname(resolve(path));
  return {
    ...spec,
    model: resolve(base, spec.model),
    taskSource: source === 'builtin' ? 'builtin' : { dir: resolve(base, (source as { dir: string }).dir) },
  };
}

/** The study's tasks: the built-in world, or a folder of task files (and nothing else). */
async function studyTasks(source: StudyFile['taskSource'], kScale?: number): Promise<TaskLookup> {
  if (source === undefined || source === 'builtin') return taskLookup(kScale === undefined ? {} : { kScale });
  const loaded = await loadTasksFromPath(source.dir);
  return taskLookup({ tasks: loaded.tasks.flatMap((t) => t.bySeed), builtin: false, origin: source.dir, ...(kScale === undefined ? {} : { kScale }) });
}

function progressPrinter(): (p: StudyProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    const boundary = p.reused || p.devScore !== undefined || p.step === p.totalSteps;
    if (!boundary && now - last < 2000) return;
    last = now;
    const where = [p.phase, p.dI !== undefined ? `d_I=${p.dI}` : '', p.task ?? '', `seed=${p.seed}`].filter(Boolean).join(' ');
    const what = p.reused ? 'reused'
      : [`step ${p.step}/${p.totalSteps}`, p.loss !== undefined ? `loss ${p.loss.toFixed(3)}` : '', p.devScore !== undefined ? `dev ${p.devScore.toFixed(3)}` : ''].filter(Boolean).join(' ');
    const eta = p.etaSeconds !== undefined ? ` eta ${Math.round(p.etaSeconds)}s` : '';
    process.stderr.write(`[${p.unitsDone}/${p.unitsTotal}] ${where}: ${what}${eta}\n`);
  };
}

/**
 * A helper's stdin is a pipe its parent holds and never writes to: end of file means the parent is
 * gone, even killed with SIGKILL, so the helper stops instead of computing for no one.
 */
function exitWithParent(name: string): void {
  const s = fstatSync(0);
  if (!s.isFIFO() && !s.isSocket()) return; // started by hand: there is no parent to watch
  process.stdin.on('end', () => {
    process.stderr.write(`ipt: helper ${name}: its parent process is gone; stopping (finished units are kept)\n`);
    process.exit(1);
  });
  process.stdin.resume();
  process.stdin.unref(); // watching must not keep a finished helper alive
}

/** The embedded default model's folder, or a one-line failure naming the command that builds it. */
function embeddedDir(flag: string): string {
  // INTRINSIC_LAB_MODELS points the runner at another models folder (tests use an empty one).
  const dir = resolve(process.env.INTRINSIC_LAB_MODELS ?? 'public/models', QUICK_MODEL);
  if (!existsSync(join(dir, 'config.json'))) {
    fail(`--${flag} needs the embedded default model in ${dir}/ (config.json, model.safetensors, tokenizer.json), which is not there. `
      + `Build it with \`npx tsx src/cli/pretrain-tiny.ts\`, or run a study.json whose "model" names any BART model folder.`);
  }
  return dir;
}

/** --preset <analysis>: the analysis's studies over a study.json or the built-in quick study (src/node/analysisRunner.ts). */
async function preset(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<void> {
  const name = values.preset as string;
  if (!(ANALYSIS_NAMES as readonly string[]).includes(name)) fail(`--preset must be one of ${ANALYSIS_NAMES.join(', ')}, got "${name}"`);
  if (!values.out) fail(`--out <dir> is required\n${USAGE}`);
  if (positionals.length > 1 || values.quick || values.lesson || values.shipped || values['pt-table'] || values.work) fail(`--preset takes one study.json or none (the built-in quick study), and no --quick, --lesson, --shipped, --pt-table or --work\n${USAGE}`);
  if (positionals.length && values.split !== undefined) fail('--split chooses the built-in quick study: give it without a study.json');
  const split = (values.split ?? 'random') as QuickSplit;
  if (!QUICK_SPLITS.includes(split)) fail(`--split must be one of ${QUICK_SPLITS.join(', ')}, got "${split}"`);
  const study = positionals.length ? readStudy(positionals[0]!) : quickStudy(embeddedDir('preset'), split);
  if (!existsSync(study.model)) fail(`model folder ${study.model} does not exist`);
  const { taskSource, ...base } = study;
  const tasks = await studyTasks(taskSource);
  const out = resolve(values.out as string);
  if (values.fresh) rmSync(join(out, 'work'), { recursive: true, force: true });
  // What each study's own process gets: the same backend, jobs and step settings.
  const passArgs = (['backend', 'checkpoint-every', 'jobs', 'group-rows', 'model-id'] as const).flatMap((k) => (values[k] === undefined ? [] : [`--${k}`, String(values[k])]));
  process.exitCode = await runAnalysis({
    name: name as AnalysisName, base, extra: { taskSource: taskSource ?? 'builtin' }, categoryOf: (t) => tasks.category(t), out,
    script: process.argv[1]!, passArgs, log: (line) => process.stderr.write(`${line}\n`),
  });
  if (process.exitCode === 3) process.stderr.write(`ipt: paused; run the same command again to continue (state in ${join(out, 'work')})\n`);
  else if (process.exitCode !== 0) fail(`a study of --preset ${name} failed (exit ${process.exitCode}); finished units are kept, run the same command again to continue`);
}

async function main(argv: string[]): Promise<void> {
  exitOnHelp(argv, HELP);
  // --show-preset <name>: the preset's resolved phase settings as JSON (what a study with it runs), nothing else.
  const show = argv.findIndex((a) => a === '--show-preset' || a.startsWith('--show-preset='));
  if (show >= 0) {
    const { PRESETS, PRESET_NAMES, resolvePhases } = await import('../shared/tuning/config');
    const name = argv[show]!.includes('=') ? argv[show]!.slice('--show-preset='.length) : argv[show + 1];
    if (argv.length !== (argv[show]!.includes('=') ? 1 : 2)) fail('usage: npm run -s ipt -- --show-preset <smoke|browser|paper> (alone)');
    if (!name || !(PRESET_NAMES as readonly string[]).includes(name)) fail(`--show-preset needs one of ${PRESET_NAMES.join(', ')}, got ${name === undefined ? 'nothing' : `"${name}"`}`);
    process.stdout.write(JSON.stringify({ preset: name, phases: resolvePhases(PRESETS[name as keyof typeof PRESETS]) }, null, 2) + '\n');
    return;
  }
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      out: { type: 'string' }, backend: { type: 'string', default: 'wasm' }, quick: { type: 'boolean', default: false },
      split: { type: 'string' }, 'pt-table': { type: 'boolean', default: false },
      'checkpoint-every': { type: 'string', default: '50' }, fresh: { type: 'boolean', default: false },
      jobs: { type: 'string' }, shard: { type: 'string' }, 'model-id': { type: 'string' },
      lesson: { type: 'boolean', default: false }, shipped: { type: 'boolean', default: false }, 'group-rows': { type: 'string' },
      work: { type: 'string' }, preset: { type: 'string' },
    },
  });
  if (values.preset !== undefined) return preset(values, positionals);
  if (!values.out) fail(`--out <dir> is required\n${USAGE}`);
  const builtin = values.quick || values['pt-table'] || values.lesson || values.shipped;
  if ([values.quick, values['pt-table'], values.lesson, values.shipped].filter(Boolean).length > 1 || builtin === (positionals.length > 0) || positionals.length > 1) fail(USAGE);
  const groupRowsArg = values['group-rows'] === undefined ? undefined : Number(values['group-rows']);
  if (groupRowsArg !== undefined && !(Number.isInteger(groupRowsArg) && groupRowsArg >= 1)) fail(`--group-rows must be a positive integer, got "${values['group-rows']}"`);
  if (values.split !== undefined && !values.quick && !values.shipped) fail(`--split goes with --quick or --shipped\n${USAGE}`);
  const split = (values.split ?? 'random') as QuickSplit;
  if (!QUICK_SPLITS.includes(split)) fail(`--split must be one of ${QUICK_SPLITS.join(', ')}, got "${split}"`);
  const backend = values.backend as NodeBackend;
  if (!['cpu', 'wasm', 'webgpu'].includes(backend)) fail(`--backend must be cpu, wasm or webgpu, got "${backend}"`);
  const every = Number(values['checkpoint-every']);
  if (!Number.isInteger(every) || every < 0) fail(`--checkpoint-every must be a non-negative integer`);
  // Parallel runs: this process is shard 0 of --jobs and starts the others with --shard i/N (internal).
  const jobs = values.jobs === undefined ? (builtin ? Math.min(2, availableParallelism()) : 1) : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) fail(`--jobs must be a positive integer, got "${values.jobs}"`);
  const shardMatch = values.shard === undefined ? null : /^(\d+)\/(\d+)$/.exec(values.shard);
  if (values.shard !== undefined && (!shardMatch || Number(shardMatch[1]) >= Number(shardMatch[2]))) fail(`--shard must be i/N with i < N, got "${values.shard}"`);
  const shard = shardMatch ? { index: Number(shardMatch[1]), count: Number(shardMatch[2]) } : jobs > 1 ? { index: 0, count: jobs } : undefined;
  const helper = shardMatch !== null;
  if (helper) exitWithParent(values.shard!);

  let study: StudyFile;
  if (builtin) {
    const dir = embeddedDir(values.quick ? 'quick' : values.lesson ? 'lesson' : values.shipped ? 'shipped' : 'pt-table');
    study = values.quick ? quickStudy(dir, split)
      : { ...(values.lesson ? lessonSpec() : values.shipped ? shippedStudySpec(split) : ptTableSpec()), model: dir, taskSource: 'builtin' };
  } else {
    study = readStudy(positionals[0]!);
  }
  if (!existsSync(study.model)) fail(`model folder ${study.model} does not exist`);

  const out = resolve(values.out!);
  const work = values.work ? resolve(values.work) : join(out, 'work');
  if (values.fresh && !helper) rmSync(work, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  await useNodeBackend(backend);
  if (backend === 'wasm') registerWasmKernels();
  const files = await loadModelDir(study.model);
  // How artifacts and results.json name the model (the unit keys add its weights' hash).
  const modelId = folderModelId(study.model, values['model-id']);
  const model = Bart.fromTensors(files.config, files.weights);
  const codec = await loadTokenizer(files.tokenizerJson, files.tokenizerConfigJson);
  const getTask = await studyTasks(study.taskSource, study.kScale);
  // What the study learns, as files under --out (the main process only: helpers write nothing).
  let artifactsWritten = 0;
  const artifacts = helper ? undefined : {
    context: { identity: await modelIdentity(modelId, files.configJson), category: (t: string) => getTask.category(t) },
    save: async (fs: StudyArtifact[]) => { writeArtifacts(out, fs); artifactsWritten += fs.length; },
  };

  let pause = false;
  const onSigint = () => {
    if (pause) process.exit(130);
    pause = true;
    process.stderr.write('ipt: pausing after this step (Ctrl-C again to quit without a checkpoint)\n');
  };
  process.on('SIGINT', onSigint);
  // Units are keyed by the model's id and the content of its weights and of each task's data, not by
  // this machine's path to the folder: a changed checkpoint or task file gets fresh results, a moved one keeps its own.
  const { taskSource: _s, ...rest } = study;
  const keyed: StudySpec = { ...rest, model: modelId, modelDigest: await weightsDigest(files.weights) };
  const spec: StudySpec = { ...keyed, taskDigests: await taskDigests(keyed, getTask) };
  const t0 = Date.now();
  // Helpers: the same command without --fresh / --jobs, each computing its share of the units.
  const ac = new AbortController();
  const helpers = helper || !shard ? [] : Array.from({ length: shard.count - 1 }, (_, i) => {
    const args = argv.filter((a, j) => a !== '--fresh' && a !== '--jobs' && argv[j - 1] !== '--jobs' && !a.startsWith('--jobs='));
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args, '--shard', `${i + 1}/${shard.count}`], { stdio: ['pipe', 'ignore', 'inherit'] });
    const exited = new Promise<number>((res) => child.on('exit', (code, sig) => {
      const status = code ?? (sig ? 1 : 0);
      // A helper that fails (or is killed) would leave its units undone: stop waiting for them.
      if (status !== 0 && status !== 3) { process.stderr.write(`ipt: helper ${i + 1}/${shard.count} exited with ${sig ?? status}\n`); ac.abort(); }
      res(status);
    }));
    return { child, exited };
  });
  try {
    const r = await runStudy(spec, {
      ctx: { model, codec }, getTask, store: new FileRunStore(work),
      trainableModel: () => Bart.fromTensors(files.config, files.weights, { trainable: true }),
    }, {
      onProgress: helper ? undefined : progressPrinter(), shouldPause: () => pause, checkpointEvery: every, shard, signal: ac.signal, artifacts,
      ...(groupRowsArg === undefined ? {} : { groupRows: groupRowsArg }),
    });
    if (helper) return;
    if (helpers.length) await Promise.all(helpers.map((h) => h.exited));
    if (r.status === 'paused') {
      process.stderr.write(`ipt: paused; run the same command again to continue (state in ${work})\n`);
      process.exitCode = 3;
      return;
    }
    // results.json names the model as its artifacts do ("embedded:<name>", "files:<folder>"), not by
    // this machine's path to it; its study carries the digests the units were keyed by.
    const results = { ...r.results, backend, seconds: (Date.now() - t0) / 1000 };
    writeFileSync(join(out, 'results.json'), toJsonText(results, 2) + '\n');
    writeFileSync(join(out, 'scores.csv'), resultsCsv(r.results));
    const baselineRows = ptBaselineRows(r.results);
    writeFileSync(join(out, 'pt-vs-baselines.md'), ptBaselineMarkdown(baselineRows));
    const round = (v: number) => (Number.isFinite(v) ? +v.toFixed(3) : null);
    const summary = Object.fromEntries(Object.entries(r.results.e_rel_pt).map(([d, row]) => [d, Object.fromEntries(Object.entries(row).map(([k, v]) => [k, round(v)]))]));
    const randomSubspace = Object.fromEntries(Object.entries(r.results.random_subspace).map(([d, v]) => [d, round(v.test_ist)]));
    // Beside every E_rel: how many tasks it averages and which were left out (over any run seed).
    const erelN = r.results.e_rel_n;
    const erelExcluded = Object.fromEntries(Object.entries(r.results.e_rel_pt).map(([d, row]) => [d, Object.fromEntries(Object.keys(row).map((k) => [k,
      [...new Set(Object.entries(r.results.excluded).filter(([key]) => key.startsWith(`${d}/${k}/`)).flatMap(([, xs]) => xs.map((x) => x.task)))].sort()]))]));
    const testSplit = { in: r.results.test_split.in.length, out: r.results.test_split.out.length, unseen_data_denominator: r.results.unseen_data_denominator };
    // The quick studies also split test_ist by side: cls / non-cls, i.e. in- / out-of-domain for the one-sided splits.
    const bySide = values.quick || values.shipped ? {
      test_ist_by_side: Object.fromEntries(study.intrinsicDims.map((d) => [d, {
        ist: Object.fromEntries(Object.entries(erelByGroup(r.results, d, 'test_ist', builtinSide)).map(([g, v]) => [g, round(v.value)])),
        random_subspace: Object.fromEntries(Object.entries(erelByGroup(r.results, d, 'random_subspace_ist', builtinSide)).map(([g, v]) => [g, round(v.value)])),
      }])),
      out_of_domain: quickTasks(split).outOfDomain.length ? builtinSide(quickTasks(split).outOfDomain[0]!) : null,
    } : {};
    process.stdout.write(`${JSON.stringify({
      out, seconds: Math.round(results.seconds), e_rel_pt: summary, e_rel_n: erelN, e_rel_excluded: erelExcluded, test_split: testSplit,
      random_subspace_test_ist: randomSubspace, ...bySide,
      pt_beats_baselines: `${baselineRows.filter((x) => x.beats).length}/${baselineRows.length}`, artifacts: artifactsWritten,
    })}\n`);
  } catch (e) {
    if (ac.signal.aborted && !helper) fail('a helper process failed; run the same command again to continue (finished units are kept)');
    throw e;
  } finally {
    for (const h of helpers) if (h.child.exitCode === null) h.child.kill('SIGTERM');
    process.off('SIGINT', onSigint);
    model.dispose();
    releaseNodeBackend();
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof Error && ['StudyError', 'NumericalError', 'RunStoreError', 'TaskError', 'WeightsError', 'ConfigError', 'TokenizerError', 'RangeError'].includes(e.name)) fail(e.message);
  throw e;
});
