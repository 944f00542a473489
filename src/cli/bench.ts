// npm run bench [-- --json] [--workload tiny|embedded|base] [--backend cpu|wasm|webgpu] [--steps N] [--batch N] [--packing both|forward|none] [--no-kernels] [--tfjs-backward] [--vs-torch] [--profile]
// Median wall time of one prompt-tuning step (forward, backward to the prompt, clip, AdamW) on
// random weights generated in memory, the step's matmul GFLOP/s, and the backend's own peak
// measured in the same run with a large plain matmul.
//   tiny: the parity fixture's shape (vocab 97, d 32, 2+2 layers), batch 4, 5 prompt + 9 input, 5 target
//   base: BART-base (vocab 50265, d 768, 6+6 layers, 12 heads, ffn 3072), batch 4,
//         100 prompt + 64 input tokens, 16 target tokens
import * as tf from '@tensorflow/tfjs';
import { variableGrads } from '../engine/tuning/gradients';
import { Bart, type WeightPacking } from '../engine/model/bart';
import { makeBatch, disposeBatch } from '../engine/model/batch';
import { type BartConfig, parseBartConfig } from '../shared/model/config';
import { labelSmoothedNllSum } from '../engine/model/loss';
import { randomWeights } from '../shared/model/randomWeights';
import { AdamW, clipByGlobalNorm } from '../engine/tuning/adamw';
import { type NodeBackend, releaseNodeBackend, rerunWithVulkanLoader, useNodeBackend } from '../node/backend';
import { exitOnHelp } from '../node/cli';
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { existsSync } from 'node:fs';

interface TorchRun { threads: number; stepMsMedian: number; stepMsAll: number[]; peakRssMb: number; torch: string }

/**
 * The same step in PyTorch (bench/torch_pt_step.py), one process per thread count so each peak RSS
 * is its own. OMP_NUM_THREADS as well as torch.set_num_threads: an OpenMP BLAS reads the former.
 */
function torchStep(workload: string, threads: number, steps: number): TorchRun {
  // Debian's own python3 is the one apt's python3-torch installs into (a pyenv shim on PATH may have none).
  const python = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const r = spawnSync(python, ['bench/torch_pt_step.py', '--workload', workload, '--threads', String(threads), '--steps', String(steps)], {
    encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) },
  });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : (r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`);
    throw new Error(`--vs-torch: ${python} bench/torch_pt_step.py failed (${why}); it needs python3 with torch (PYTHON=<path> to choose one; Debian: apt-get install -y python3-torch libopenblas0-openmp)`);
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as TorchRun;
}

const HELP = `usage: npm run bench -- [--json] [--workload tiny|embedded|base] [--backend cpu|wasm|webgpu] [--steps N]
                        [--batch N] [--packing both|forward|none] [--no-kernels] [--tfjs-backward] [--vs-torch] [--profile]
  Median wall time of one prompt-tuning step on random weights, its matmul GFLOP/s, the
  backend's peak matmul rate and the process's peak RSS. tiny: the parity fixture's shape;
  embedded: the embedded model's; base: BART-base. --packing: how the frozen weights are laid out
  for the products (Bart's WeightPacking; default by model size). --vs-torch (embedded, base): the
  same step in plain PyTorch (bench/torch_pt_step.py) at 1 and 2 threads, in the same sitting, and
  the ratios; needs python3 with torch (Debian: apt-get install -y python3-torch libopenblas0-openmp).
  --tfjs-backward: tf.variableGrads itself, which keeps every gradient and saved tensor until the
  backward ends (the project's variableGrads frees them as it goes; same numbers).
  --profile: one more step under tf.profile, its kernel time by op (and matmul time by shape) in the
  output, so a change can be read against where the step goes.`;

interface Workload { name: string; config: Record<string, unknown>; batch: number; prompt: number; input: number; target: number }

const WORKLOADS: Record<string, Workload> = {
  tiny: {
    name: 'tiny',
    config: { vocab_size: 97, d_model: 32, encoder_layers: 2, decoder_layers: 2, encoder_attention_heads: 4, decoder_attention_heads: 4, encoder_ffn_dim: 64, decoder_ffn_dim: 64, max_position_embeddings: 64 },
    batch: 4, prompt: 5, input: 9, target: 5,
  },
  // The embedded model's shape (public/models/intrinsic-bart-tiny) at the smoke preset's PT step.
  embedded: {
    name: 'embedded',
    config: { vocab_size: 1024, d_model: 128, encoder_layers: 2, decoder_layers: 2, encoder_attention_heads: 4, decoder_attention_heads: 4, encoder_ffn_dim: 512, decoder_ffn_dim: 512, max_position_embeddings: 128 },
    batch: 8, prompt: 8, input: 24, target: 6,
  },
  base: {
    name: 'base',
    config: { vocab_size: 50265, d_model: 768, encoder_layers: 6, decoder_layers: 6, encoder_attention_heads: 12, decoder_attention_heads: 12, encoder_ffn_dim: 3072, decoder_ffn_dim: 3072, max_position_embeddings: 1024 },
    batch: 4, prompt: 100, input: 64, target: 16,
  },
};

/**
 * Matmul FLOPs of one prompt-tuning step. Forward: every Linear (2*rows*in*out), the two attention
 * products (2*B*Tq*Tk*d each) and the tied LM head. Backward to the prompt: weights are frozen, so a
 * Linear costs one more product (dX) and an attention product two (both operands are activations).
 */
function stepMatmulFlops(c: BartConfig, B: number, S: number, Tt: number): number {
  const d = c.dModel;
  const Ne = B * S;
  const Nd = B * Tt;
  let linear = 0;
  let attn = 0;
  linear += c.encoderLayers * (4 * 2 * Ne * d * d + 2 * 2 * Ne * d * c.encoderFfnDim);
  attn += c.encoderLayers * 2 * (2 * B * S * S * d);
  linear += c.decoderLayers * (4 * 2 * Nd * d * d + 2 * 2 * Nd * d * d + 2 * 2 * Ne * d * d + 2 * 2 * Nd * d * c.decoderFfnDim);
  attn += c.decoderLayers * 2 * (2 * B * Tt * Tt * d + 2 * B * Tt * S * d);
  linear += 2 * Nd * d * c.vocabSize;
  return 2 * linear + 3 * attn;
}

/**
 * Where the memory is at one point of the run: the process's resident set, the wasm backend's heap
 * (it grows and never shrinks: live tensors, XNNPACK's packed weights, freed blocks kept for reuse),
 * the bytes of live tensors tfjs counts, and JS ArrayBuffers (weights still held on the JS side).
 */
interface MemoryStage { stage: string; rssMb: number; wasmHeapMb: number | null; tensorMb: number; jsArrayBuffersMb: number }

function memoryStage(stage: string): MemoryStage {
  const mb = (b: number) => Math.round(b / 2 ** 20);
  const u = process.memoryUsage();
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.buffer.byteLength;
  return { stage, rssMb: mb(u.rss), wasmHeapMb: heap === undefined ? null : mb(heap), tensorMb: mb(tf.memory().numBytes), jsArrayBuffersMb: mb(u.arrayBuffers) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * The backend's own matmul rate: the best of a large square product and the step's two main
 * linear-layer shapes ([tokens, d] x [d, d] and [tokens, d] x [d, ffn]). A single square shape
 * understates it: XNNPACK runs the step's cache-friendlier shapes faster than 1024^3.
 */
async function peakGflops(backend: NodeBackend, tokens: number, d: number, ffn: number): Promise<{ gflops: number; shape: string }> {
  const shapes: [number, number, number][] = backend === 'cpu'
    ? [[256, 768, 768]]
    : [[1024, 1024, 1024], [tokens, d, d], [tokens, d, ffn]];
  let best = { gflops: 0, shape: '' };
  for (const [M, K, N] of shapes) {
    const a = tf.randomNormal([M, K]);
    const b = tf.randomNormal([K, N]);
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      const c = tf.matMul(a, b);
      await c.data();
      times.push(performance.now() - t0);
      c.dispose();
    }
    tf.dispose([a, b]);
    const ms = median(times.slice(1)); // the first run compiles/allocates
    const gflops = (2 * M * K * N) / (ms * 1e6);
    if (gflops > best.gflops) best = { gflops, shape: `${M}x${K}x${N}` };
  }
  return best;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  exitOnHelp(args, HELP);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const json = args.includes('--json');
  const workload = WORKLOADS[opt('--workload') ?? 'tiny'];
  if (!workload) throw new Error(`--workload must be tiny, embedded or base, got ${opt('--workload')}`);
  const packing = opt('--packing') as WeightPacking | undefined;
  if (packing !== undefined && !['both', 'forward', 'none'].includes(packing)) throw new Error(`--packing must be both, forward or none, got ${packing}`);
  const backend = (opt('--backend') ?? 'wasm') as NodeBackend;
  if (!['cpu', 'wasm', 'webgpu'].includes(backend)) throw new Error(`--backend must be cpu, wasm or webgpu, got ${backend}`);
  const steps = Number(opt('--steps') ?? (workload.name === 'base' ? 3 : 10));
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`--steps must be a positive integer`);
  if (backend === 'webgpu') {
    const status = rerunWithVulkanLoader();
    if (status !== null) process.exit(status);
  }
  const kernels = backend === 'wasm' && !args.includes('--no-kernels');
  // tfjs' own backward, which keeps every gradient and saved tensor to the end (for comparison).
  const tfjsBackward = args.includes('--tfjs-backward');
  await useNodeBackend(backend, { wasmKernels: kernels });

  const config = parseBartConfig({ model_type: 'bart', ...workload.config });
  const memory: MemoryStage[] = [memoryStage('backend ready')];
  let weights: ReturnType<typeof randomWeights> | undefined = randomWeights(config, { seed: 1 });
  memory.push(memoryStage('weights in JS'));
  const t0 = performance.now();
  const model = Bart.fromTensors(config, weights, packing ? { packing } : {});
  const loadMs = performance.now() - t0;
  memory.push(memoryStage(`model built (packing ${model.packing})`));
  weights = undefined; // the JS copies are garbage from here (a loaded model keeps only the backend's)
  const { prompt: P, input: T, target: Tt } = workload;
  const B = Number(opt('--batch') ?? workload.batch);
  if (!Number.isInteger(B) || B < 1) throw new Error('--batch must be a positive integer');
  const ids = (n: number, k: number) => [0, ...Array.from({ length: n - 2 }, (_, i) => 3 + ((i * 7919 + k * 104729) % (config.vocabSize - 3))), 2];
  const batch = makeBatch(config, Array.from({ length: B }, (_, k) => ({ input: ids(T, k), target: ids(Tt, k + 1) })));
  const prompt = tf.variable(tf.randomNormal([P, config.dModel], 0, 0.02, 'float32', 1), true, 'prompt');
  const optim = new AdamW([prompt], { lr: 1e-4 });

  const step = async () => {
    const start = performance.now();
    const { value, grads } = (tfjsBackward ? tf.variableGrads : variableGrads)(() => labelSmoothedNllSum(model.logits(batch, prompt as tf.Variable<tf.Rank.R2>), batch.labels, config.padTokenId), [prompt]);
    const { clipped, norm } = clipByGlobalNorm([grads[prompt.name]!], 0.1);
    optim.applyGradients(clipped);
    const loss = (await value.data())[0]!;
    await prompt.data(); // wait for the update itself
    tf.dispose([value, norm, ...clipped, ...Object.values(grads)]);
    return { ms: performance.now() - start, loss };
  };
  await step(); // warm-up: kernel compilation, buffer pools
  memory.push(memoryStage('after the first step'));
  const times: number[] = [];
  const before = tf.memory().numTensors;
  for (let i = 0; i < steps; i++) times.push((await step()).ms);
  const leaked = tf.memory().numTensors - before;
  memory.push(memoryStage(`after ${steps} more steps`));
  const stepMs = median(times);
  const flops = stepMatmulFlops(config, B, P + T, Tt);
  const peak = await peakGflops(backend, B * (P + T), config.dModel, config.encoderFfnDim);
  const result = {
    workload: workload.name, backend, wasmKernels: kernels, packing: model.packing, steps,
    batch: B, promptTokens: P, inputTokens: T, targetTokens: Tt,
    stepMsMedian: Math.round(stepMs * 10) / 10,
    stepMsAll: times.map((t) => Math.round(t)),
    stepMatmulGflop: Number((flops / 1e9).toPrecision(4)),
    stepGflops: Math.round((flops / (stepMs * 1e6)) * 100) / 100,
    peakMatmulGflops: Math.round(peak.gflops * 100) / 100,
    peakMatmulShape: peak.shape,
    modelBuildMs: Math.round(loadMs),
    leakedTensorsPerRun: leaked,
    // The whole process (weights in JS and in the backend, saved activations, XNNPACK's packed copies).
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    memory,
  };
  // Where one step goes, by kernel: tf.profile times each kernel (synchronously on wasm and cpu).
  // It also lists the scopes around kernels (custom gradients' "unnamed scope", "<op>__op"), whose
  // time is their kernels': they are left out, so each millisecond counts once.
  let profile: { kernels: number; kernelMs: number; peakTensorMb: number; byOp: Record<string, { n: number; ms: number; share: number }>; matmulByShape: Record<string, { n: number; ms: number }> } | undefined;
  if (args.includes('--profile')) {
    const info = await tf.profile(async () => { await step(); });
    const byOp = new Map<string, { n: number; ms: number }>();
    const byShape = new Map<string, { n: number; ms: number }>();
    let total = 0;
    const kernels = info.kernels.filter((k) => k.name !== 'unnamed scope' && !k.name.endsWith('__op'));
    for (const k of kernels) {
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      total += ms;
      const e = byOp.get(k.name) ?? { n: 0, ms: 0 };
      e.n++;
      e.ms += ms;
      byOp.set(k.name, e);
      if (k.name === 'BatchMatMul' || k.name === '_FusedMatMul') {
        const key = `${k.name} ${k.inputShapes.slice(0, 2).map((sh) => `[${sh}]`).join(' x ')}`;
        const m = byShape.get(key) ?? { n: 0, ms: 0 };
        m.n++;
        m.ms += ms;
        byShape.set(key, m);
      }
    }
    const r1 = (x: number) => Math.round(x * 10) / 10;
    profile = {
      kernels: kernels.length, kernelMs: r1(total),
      // The most bytes of live tensors at once during the step, as tfjs counts them: per tensor, so
      // a reshaped view counts its bytes again. An upper bound; the wasm heap's size is the real one.
      peakTensorMb: Math.round(info.peakBytes / 2 ** 20),
      byOp: Object.fromEntries([...byOp.entries()].sort((a, b) => b[1].ms - a[1].ms).map(([k, v]) => [k, { n: v.n, ms: r1(v.ms), share: Math.round((1000 * v.ms) / Math.max(total, 1e-9)) / 1000 }])),
      matmulByShape: Object.fromEntries([...byShape.entries()].sort((a, b) => b[1].ms - a[1].ms).map(([k, v]) => [k, { n: v.n, ms: r1(v.ms) }])),
    };
  }
  let vsTorch: { load1: [number, number]; torch: TorchRun[]; ratio: Record<string, number>; rssRatio: Record<string, number> } | undefined;
  if (args.includes('--vs-torch')) {
    if (workload.name === 'tiny') throw new Error('--vs-torch takes --workload embedded or base (the tiny parity shape has no PyTorch twin)');
    const load0 = loadavg()[0]!;
    const torch = [1, 2].map((t) => torchStep(workload.name, t, steps));
    const round2 = (x: number) => Math.round(x * 100) / 100;
    vsTorch = {
      load1: [round2(load0), round2(loadavg()[0]!)], torch,
      ratio: Object.fromEntries(torch.map((t) => [`torch_${t.threads}_thread`, round2(stepMs / t.stepMsMedian)])),
      rssRatio: Object.fromEntries(torch.map((t) => [`torch_${t.threads}_thread`, round2(result.peakRssMb / t.peakRssMb)])),
    };
  }
  if (json) {
    process.stdout.write(JSON.stringify({ ...result, ...(vsTorch ? { vsTorch } : {}), ...(profile ? { profile } : {}) }) + '\n');
  } else {
    process.stdout.write(
      `${workload.name} on ${backend}${kernels ? ' (+wasm kernels)' : ''}, weights packed ${model.packing}: ${result.stepMsMedian} ms per prompt-tuning step (median of ${steps}), peak RSS ${result.peakRssMb} MB\n` +
        `  matmul work ${result.stepMatmulGflop} GFLOP/step -> ${result.stepGflops} GFLOP/s; ` +
        `backend peak ${result.peakMatmulGflops} GFLOP/s (${peak.shape} matmul), ${Math.round((100 * result.stepGflops) / result.peakMatmulGflops)}% of peak\n`,
    );
    for (const t of vsTorch?.torch ?? []) {
      process.stdout.write(`  PyTorch ${t.torch}, ${t.threads} thread${t.threads > 1 ? 's' : ''}: ${t.stepMsMedian} ms per step, peak RSS ${t.peakRssMb} MB -> this step takes ${vsTorch!.ratio[`torch_${t.threads}_thread`]}x as long, ${vsTorch!.rssRatio[`torch_${t.threads}_thread`]}x the memory\n`);
    }
    if (vsTorch) process.stdout.write(`  1-minute load ${vsTorch.load1[0]} before PyTorch, ${vsTorch.load1[1]} after\n`);
    process.stdout.write('  memory (MB): stage, RSS, wasm heap, live tensors, JS ArrayBuffers\n');
    for (const m of memory) process.stdout.write(`    ${m.stage.padEnd(30)} ${String(m.rssMb).padStart(6)} ${String(m.wasmHeapMb ?? '-').padStart(6)} ${String(m.tensorMb).padStart(6)} ${String(m.jsArrayBuffersMb).padStart(6)}\n`);
    if (profile) {
      process.stdout.write(`  profile: ${profile.kernels} kernels, ${profile.kernelMs} ms of kernel time, at most ${profile.peakTensorMb} MB of live tensors; by op:\n`);
      for (const [op, v] of Object.entries(profile.byOp).slice(0, 12)) process.stdout.write(`    ${op.padEnd(24)} ${String(v.n).padStart(5)} x ${String(v.ms).padStart(8)} ms  ${(100 * v.share).toFixed(1)}%\n`);
    }
  }
  optim.dispose();
  prompt.dispose();
  disposeBatch(batch);
  model.dispose();
  releaseNodeBackend();
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error).message}\n`);
  process.exit(2);
});
