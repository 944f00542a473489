// A study on several engine workers (src/ui/stores/study.svelte.ts): how many workers a study gets,
// and the one view of its progress merged from theirs. Each worker walks the whole plan, trains its
// share (runStudy's shard) and collects the others' results from the shared IndexedDB store; its
// progress says which units it has seen finished and which it trained (StudyUnitsSeen), so the
// merged view counts every unit once, whoever finished it.
import type { StudyProgressWire, StudyUnitsSeen } from '../../protocol/messages';

/** More workers than this add memory and startup time for little: the plan's batches are not that wide. */
export const MAX_STUDY_WORKERS = 4;
/**
 * Training memory of one worker, as a multiple of its model's float32 weights: BART-base (558 MB of
 * weights) peaked at 3.2-3.9 GB in one prompt-tuning step (NOTES.md), about 7x.
 */
const WORKING_SET_FACTOR = 7;
/** The share of the device's memory the extra workers' copies may take together. */
const MEMORY_SHARE = 0.5;

export interface WorkerCountInput {
  /** navigator.hardwareConcurrency (logical cores). */
  readonly cores: number;
  /** navigator.deviceMemory in GB (Chromium rounds down and caps it at 8); undefined where the browser does not say. */
  readonly deviceMemoryGb: number | undefined;
  /** The backend the engine runs and its wasm threads per worker. */
  readonly backend: string | null;
  readonly threads: number;
  /** Parameters of the loaded model. */
  readonly modelParams: number | null;
  /** The user's choice (Run screen), or null for the rule. */
  readonly override: number | null;
}

/**
 * How many engine workers a study runs on. The rule: on the CPU backends, as many workers as fill
 * the cores (wasm gives each worker `threads` XNNPACK threads, cores / 2 by tfjs' default, so two on
 * most machines; the plain cpu backend is one thread each), at most MAX_STUDY_WORKERS, and only
 * while every copy's training memory (WORKING_SET_FACTOR x its weights) fits in half the device's
 * memory (8 GB assumed where the browser does not say). So the embedded model (1.1M parameters)
 * gets two workers on two cores, and BART-base (140M: about 3.9 GB each) keeps one. A GPU backend
 * keeps one: the workers would share the one device.
 */
export function studyWorkerCount(o: WorkerCountInput): { count: number; why: string } {
  if (o.override !== null) return { count: Math.max(1, Math.min(MAX_STUDY_WORKERS, Math.floor(o.override))), why: 'chosen here' };
  if (o.backend !== 'wasm' && o.backend !== 'cpu') return { count: 1, why: o.backend ? `one on ${o.backend}: the workers would share one device` : 'one until the engine has started' };
  const perWorker = o.backend === 'wasm' ? Math.max(1, o.threads) : 1;
  const byCores = Math.max(1, Math.min(MAX_STUDY_WORKERS, Math.floor(Math.max(1, o.cores) / perWorker)));
  if (o.modelParams === null) return { count: 1, why: 'one until a model is loaded' };
  const perCopyGb = (o.modelParams * 4 * WORKING_SET_FACTOR) / 1e9;
  const memoryGb = o.deviceMemoryGb ?? 8;
  const byMemory = Math.max(1, Math.floor((memoryGb * MEMORY_SHARE) / perCopyGb));
  const count = Math.min(byCores, byMemory);
  const cores = `${o.cores} cores, ${perWorker} thread${perWorker === 1 ? '' : 's'} per worker`;
  return { count, why: byMemory < byCores ? `${cores}, but the model's training memory (about ${perCopyGb.toFixed(1)} GB a copy) allows ${count}` : cores };
}

/** The merged view of one study's progress across its workers. */
export class ShardMerge {
  readonly #finished = new Set<string>();
  /** Unit key -> the worker that trained it. */
  readonly #computedBy = new Map<string, number>();
  readonly #latest = new Map<number, StudyProgressWire>();
  /** Test scores of the finished units, from every worker (the live curve). */
  #tests: Record<string, number> = {};
  /** Intrinsic vectors of the finished units, from every worker (the live map). */
  #vectors: Record<string, readonly number[]> = {};
  #focus: number | null = null;

  /** `phaseOf`: the phase of a unit key (from the study's plan). */
  constructor(readonly count: number, readonly unitsTotal: number, private readonly phaseOf: (unit: string) => string | undefined) {}

  /** Takes a worker's progress; true when it is the unit to show with its curves (see #takeFocus). */
  update(worker: number, p: StudyProgressWire): boolean {
    this.#latest.set(worker, p);
    this.seen(worker, p);
    return this.#takeFocus(worker, p);
  }

  /** Takes a worker's lists from its answer (its last progress message may have been throttled away). */
  seen(worker: number, s: StudyUnitsSeen): void {
    for (const u of s.finished) this.#finished.add(u);
    for (const u of s.computed) this.#computedBy.set(u, worker);
    if (s.tests && Object.keys(s.tests).some((k) => !(k in this.#tests))) this.#tests = { ...this.#tests, ...s.tests };
    if (s.vectors && Object.keys(s.vectors).some((k) => !(k in this.#vectors))) this.#vectors = { ...this.#vectors, ...s.vectors };
  }

  /** Every worker's finished units' intrinsic vectors, by unit key (a new object when one is added). */
  get vectors(): Readonly<Record<string, readonly number[]>> {
    return this.#vectors;
  }

  /** Every worker's finished units' test scores, by unit key (a new object when one is added). */
  get tests(): Readonly<Record<string, number>> {
    return this.#tests;
  }

  /**
   * The curves follow one training unit at a time: the focused worker's, until it finishes that
   * unit or moves to collecting the others' (then the next worker that sends a training step).
   */
  #takeFocus(worker: number, p: StudyProgressWire): boolean {
    const f = this.#focus === null ? undefined : this.#latest.get(this.#focus);
    const free = !f || f.reused === true || this.#finished.has(f.unit);
    if (free) this.#focus = p.reused !== true && !this.#finished.has(p.unit) ? worker : null;
    // With no unit in training (all reused so far), the unit found finished is what there is to show.
    return this.#focus === worker || this.#focus === null;
  }

  get unitsDone(): number {
    return Math.min(this.unitsTotal, this.#finished.size);
  }

  /** Units found finished that no worker of this study trained: stored before (an earlier run, before a reload). */
  get reusedEarlier(): number {
    let n = 0;
    for (const u of this.#finished) if (!this.#computedBy.has(u)) n++;
    return n;
  }

  /** Units each worker trained, by worker index. */
  computedPerWorker(): number[] {
    const out = Array.from({ length: this.count }, () => 0);
    for (const w of this.#computedBy.values()) out[w] = (out[w] ?? 0) + 1;
    return out;
  }

  /** Finished units per phase. */
  phaseDone(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const u of this.#finished) {
      const phase = this.phaseOf(u);
      if (phase) out[phase] = (out[phase] ?? 0) + 1;
    }
    return out;
  }

  /**
   * Seconds left: each worker's runner estimates (its pace per unit) x (units it has not seen
   * finished) / count; the pace is taken back out of each and averaged, and applied to what is
   * left of the whole study, shared by the workers.
   */
  eta(): number | undefined {
    const paces: number[] = [];
    for (const p of this.#latest.values()) {
      const left = p.unitsTotal - p.unitsDone;
      if (p.etaSeconds !== undefined && left > 0) paces.push((p.etaSeconds * this.count) / left);
    }
    if (paces.length === 0) return undefined;
    const pace = paces.reduce((a, b) => a + b, 0) / paces.length;
    return (pace * (this.unitsTotal - this.unitsDone)) / this.count;
  }
}
