// Pre-trains the embedded BART from scratch on the built-in task world (training tasks only; see
// src/engine/pretrain/README.md) and writes a Hugging Face style model folder:
//   <out>/config.json, model.safetensors, tokenizer.json, tokenizer_config.json, pretrain.json
//
//   npx tsx src/cli/pretrain-tiny.ts [--name intrinsic-bart-tiny] [--out public/models/<name>]
//       [--work .cache/pretrain/<name>] [--steps 6000] [--batch 16] [--d-model 192] [--layers 3]
//       [--heads 4] [--ffn 768] [--vocab 1024] [--max-positions 256] [--max-tokens 128]
//       [--lr 1e-3] [--warmup 300] [--seed 1] [--supervised 0] [--backend wasm|cpu]
//       [--log-every 10] [--eval-every 200] [--checkpoint-every 100] [--max-minutes M]
//       [--stop-after N] [--fresh] [--snapshot <dir>]
//
// Seed-reproducible: the same options give the same tokenizer, weights and batches. The run
// checkpoints weights, AdamW moments and the data RNG to <work>/checkpoints every
// --checkpoint-every steps (and when --max-minutes runs out, after --stop-after steps of this
// invocation, or on Ctrl-C) and resumes from there
// automatically unless --fresh is given; a resumed run produces the same numbers as an
// uninterrupted one. The model folder is written only when all steps are done; --snapshot <dir>
// (with the run's options) writes one from the latest checkpoint instead of training, to try a
// model mid-run.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { registerWasmKernels } from '../engine/kernels';
import { builtinPretrainCorpus, CORPUS_DEFAULTS } from '../engine/pretrain/corpus';
import { buildPretrainerInit, PRETRAIN_DEFAULTS, type PretrainConfig, Pretrainer, pretrainConfigJson, trainPretrainTokenizer } from '../engine/pretrain/trainer';
import { loadTokenizer } from '../shared/tokenizer/index';
import { writeSafetensors } from '../shared/weights/safetensors';
import { FileRunStore } from '../node/runStore';
import { useNodeBackend } from '../node/backend';
import { exitOnHelp } from '../node/cli';

const CKPT_KEY = 'pretrain/latest';

const HELP = `usage: npx tsx src/cli/pretrain-tiny.ts [--name intrinsic-bart-tiny] [--out public/models/<name>]
    [--work .cache/pretrain/<name>] [--steps 6000] [--batch 16] [--d-model 192] [--layers 3]
    [--heads 4] [--ffn 768] [--vocab 1024] [--max-positions 256] [--max-tokens 128]
    [--lr 1e-3] [--warmup 300] [--seed 1] [--supervised 0] [--backend wasm|cpu]
    [--log-every 10] [--eval-every 200] [--checkpoint-every 100] [--max-minutes M]
    [--stop-after N] [--fresh] [--snapshot <dir>]
  Pre-trains the embedded BART on the built-in task world and writes its model folder; resumes
  from <work>/checkpoints unless --fresh; --snapshot <dir> writes a model from the latest checkpoint.`;

function fail(message: string): never {
  process.stderr.write(`pretrain-tiny: ${message}\n`);
  process.exit(2);
}

function num(v: string | undefined, name: string, fallback: number, int = true): number {
  if (v === undefined) return fallback;
  const x = Number(v);
  if (!Number.isFinite(x) || (int && !Number.isInteger(x))) fail(`--${name} must be ${int ? 'an integer' : 'a number'}, got "${v}"`);
  return x;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

async function main(): Promise<void> {
  exitOnHelp(process.argv.slice(2), HELP);
  const { values } = parseArgs({
    options: {
      name: { type: 'string', default: 'intrinsic-bart-tiny' },
      out: { type: 'string' },
      work: { type: 'string' },
      steps: { type: 'string' }, batch: { type: 'string' }, 'd-model': { type: 'string' }, layers: { type: 'string' },
      heads: { type: 'string' }, ffn: { type: 'string' }, vocab: { type: 'string' }, 'max-positions': { type: 'string' },
      'max-tokens': { type: 'string' }, lr: { type: 'string' }, warmup: { type: 'string' }, seed: { type: 'string' },
      supervised: { type: 'string' }, backend: { type: 'string', default: 'wasm' },
      'log-every': { type: 'string' }, 'eval-every': { type: 'string' }, 'checkpoint-every': { type: 'string' },
      'max-minutes': { type: 'string' }, 'stop-after': { type: 'string' }, fresh: { type: 'boolean', default: false },
      snapshot: { type: 'string' },
    },
  });
  const name = values.name!;
  if (!/^[\w.-]+$/.test(name)) fail(`--name may hold letters, digits, "-", "_" and "." only, got "${name}"`);
  const out = values.out ?? join('public', 'models', name);
  const work = values.work ?? join('.cache', 'pretrain', name);
  const backend = values.backend!;
  if (backend !== 'wasm' && backend !== 'cpu') fail(`--backend must be wasm or cpu, got "${backend}"`);
  const d = PRETRAIN_DEFAULTS;
  const maxTokens = num(values['max-tokens'], 'max-tokens', d.maxSourceTokens);
  const config: PretrainConfig = {
    ...d,
    seed: num(values.seed, 'seed', d.seed),
    vocabSize: num(values.vocab, 'vocab', d.vocabSize),
    dModel: num(values['d-model'], 'd-model', d.dModel),
    layers: num(values.layers, 'layers', d.layers),
    heads: num(values.heads, 'heads', d.heads),
    ffnDim: num(values.ffn, 'ffn', d.ffnDim),
    maxPositions: num(values['max-positions'], 'max-positions', d.maxPositions),
    maxSourceTokens: maxTokens,
    maxTargetTokens: maxTokens,
    batchSize: num(values.batch, 'batch', d.batchSize),
    totalSteps: num(values.steps, 'steps', d.totalSteps),
    warmupSteps: num(values.warmup, 'warmup', Math.min(d.warmupSteps, Math.floor(num(values.steps, 'steps', d.totalSteps) / 10))),
    lr: num(values.lr, 'lr', d.lr, false),
    supervisedFraction: num(values.supervised, 'supervised', d.supervisedFraction, false),
  };
  const logEvery = num(values['log-every'], 'log-every', 10);
  const evalEvery = num(values['eval-every'], 'eval-every', 200);
  const ckptEvery = num(values['checkpoint-every'], 'checkpoint-every', 100);
  const deadline = values['max-minutes'] !== undefined ? Date.now() + num(values['max-minutes'], 'max-minutes', 0, false) * 60_000 : Infinity;
  const stopAfter = num(values['stop-after'], 'stop-after', Number.MAX_SAFE_INTEGER);
  const say = (s: string) => process.stderr.write(`${s}\n`);

  // 1. Corpus and tokenizer (the tokenizer is kept in the work folder so a resumed run reuses it).
  let t0 = performance.now();
  const corpus = builtinPretrainCorpus({ supervised: config.supervisedFraction > 0 });
  say(`corpus: ${corpus.trainingTasks.length} training tasks (${corpus.heldOutTasks.length} held out), ${corpus.documents.length} documents, ${corpus.supervised.length} supervised pairs (${(performance.now() - t0).toFixed(0)} ms)`);
  mkdirSync(work, { recursive: true });
  const tokPath = join(work, 'tokenizer.json');
  const tokCfgPath = join(work, 'tokenizer_config.json');
  const store = new FileRunStore(join(work, 'checkpoints'));
  const existing = values.fresh ? undefined : await store.get(CKPT_KEY);
  let tokenizerText: string;
  let tokenizerConfigText: string;
  if (existing && existsSync(tokPath) && existsSync(tokCfgPath)) {
    tokenizerText = readFileSync(tokPath, 'utf8');
    tokenizerConfigText = readFileSync(tokCfgPath, 'utf8');
    if (existing.meta.tokenizerSha256 !== sha256(tokenizerText)) fail(`${tokPath} is not the tokenizer checkpoint "${CKPT_KEY}" was trained with; use --fresh`);
  } else {
    if (existing) fail(`checkpoint found in ${work} but its tokenizer files are missing; use --fresh`);
    t0 = performance.now();
    const trained = trainPretrainTokenizer(corpus, config);
    tokenizerText = `${JSON.stringify(trained.tokenizerJson)}\n`;
    tokenizerConfigText = `${JSON.stringify(trained.tokenizerConfigJson, null, 2)}\n`;
    writeFileSync(tokPath, tokenizerText);
    writeFileSync(tokCfgPath, tokenizerConfigText);
    say(`tokenizer: ${trained.vocab.size} tokens, ${trained.merges.length} merges (${(performance.now() - t0).toFixed(0)} ms)`);
  }
  const codec = await loadTokenizer(JSON.parse(tokenizerText), JSON.parse(tokenizerConfigText));

  // 2. Data, model, optimiser.
  await useNodeBackend(backend);
  if (backend === 'wasm') registerWasmKernels();
  t0 = performance.now();
  const init = buildPretrainerInit(config, codec, corpus);
  const tokens = init.train.documents.reduce((a, x) => a + x.length, 0);
  say(`data: ${init.train.documents.length} training documents (${tokens} tokens), ${init.validation.length} validation pairs (${(performance.now() - t0).toFixed(0)} ms)`);
  const trainer = existing ? Pretrainer.resume(init, existing) : Pretrainer.fresh(init);
  const params = trainer.model.variables().reduce((a, v) => a + v.size, 0);
  say(`model: d_model ${config.dModel}, ${config.layers}+${config.layers} layers, ${config.heads} heads, ffn ${config.ffnDim}, vocab ${codec.vocabSize}: ${(params / 1e6).toFixed(2)}M parameters; backend ${tf.getBackend()}`);
  say(existing ? `resuming at step ${trainer.step} of ${config.totalSteps}` : `fresh run of ${config.totalSteps} steps, batch ${config.batchSize}`);

  const writeModelFolder = async (dir: string) => {
    const valLoss = await trainer.validationLoss();
    const weights = await trainer.weights();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), `${JSON.stringify(pretrainConfigJson(config, codec), null, 2)}\n`);
    writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(Object.fromEntries(weights), { format: 'pt' }));
    writeFileSync(join(dir, 'tokenizer.json'), tokenizerText);
    writeFileSync(join(dir, 'tokenizer_config.json'), tokenizerConfigText);
    writeFileSync(join(dir, 'pretrain.json'), `${JSON.stringify({
      name,
      objective: config.supervisedFraction > 0 ? 'BART denoising (text infilling + sentence permutation) + supervised multi-task' : 'BART denoising (text infilling + sentence permutation)',
      config,
      corpus: { ...CORPUS_DEFAULTS, supervised: config.supervisedFraction > 0, trainingTasks: corpus.trainingTasks, heldOutTasks: corpus.heldOutTasks, emptyTasks: corpus.emptyTasks, stats: corpus.stats },
      steps: trainer.step,
      finalValidationLoss: valLoss,
      parameters: params,
    }, null, 2)}\n`);
    say(`wrote ${dir} at step ${trainer.step} (validation loss ${valLoss.toFixed(4)})`);
  };
  if (values.snapshot !== undefined) {
    if (!existing) fail(`--snapshot needs a checkpoint in ${join(work, 'checkpoints')}; there is none for these options`);
    await writeModelFolder(values.snapshot);
    trainer.dispose();
    return;
  }

  const logPath = join(work, 'log.jsonl');
  const save = async (why: string) => {
    await store.put(await trainer.checkpoint(CKPT_KEY, { tokenizerSha256: sha256(tokenizerText), name }));
    say(`checkpoint at step ${trainer.step} (${why}) -> ${join(work, 'checkpoints')}`);
  };
  let stop = false;
  process.on('SIGINT', () => { stop = true; });

  // 3. Train.
  let window: { loss: number; ms: number; n: number } = { loss: 0, ms: 0, n: 0 };
  const firstStep = trainer.step;
  while (!trainer.done && !stop && Date.now() < deadline && trainer.step - firstStep < stopAfter) {
    const log = await trainer.trainStep();
    window = { loss: window.loss + log.loss, ms: window.ms + log.ms, n: window.n + 1 };
    const row: Record<string, number> = { ...log };
    if (trainer.step % evalEvery === 0 || trainer.done) row.valLoss = await trainer.validationLoss();
    appendFileSync(logPath, `${JSON.stringify(row)}\n`);
    if (trainer.step % logEvery === 0 || row.valLoss !== undefined || trainer.done) {
      say(`step ${trainer.step}/${config.totalSteps}  loss ${(window.loss / window.n).toFixed(4)}  lr ${log.lr.toExponential(2)}  |g| ${log.gradNorm.toFixed(3)}  ${(window.ms / window.n).toFixed(0)} ms/step${row.valLoss !== undefined ? `  val ${row.valLoss.toFixed(4)}` : ''}  tensors ${tf.memory().numTensors}`);
      window = { loss: 0, ms: 0, n: 0 };
    }
    if (trainer.step % ckptEvery === 0 && !trainer.done) await save('periodic');
  }
  if (!trainer.done) {
    await save(stop ? 'interrupted' : Date.now() >= deadline ? 'time budget' : `--stop-after ${stopAfter}`);
    say(`stopped at step ${trainer.step}; run the same command again to continue`);
    trainer.dispose();
    return;
  }

  // 4. The model folder.
  await save('final');
  await writeModelFolder(out);
  trainer.dispose();
}

main().catch((e: unknown) => {
  process.stderr.write(`pretrain-tiny: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
