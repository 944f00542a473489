// The Run screen's pure helpers: reading the form's number lists, and the data of imported tasks a
// study needs (built-in tasks are generated in the worker, so they send nothing).
import type { StudySpecWire, StudyTaskWire } from '../../../protocol/messages';
import type { StudySpec } from '../../../shared/study/spec';
import type { LoadedTask } from '../../../shared/tasks/index';
import type { LoopConfig, PhaseConfigs, PresetName } from '../../../shared/tuning/config';
import type { AnalysisName } from '../../../shared/study/analyses';

const count = (n: number) => n.toLocaleString('en-US');
const list = (xs: readonly number[]) => xs.join('/');

/** How a phase evaluates: greedy or beams, how long, in whose convention. */
function decodingText(c: LoopConfig): string {
  const how = c.numBeams === 1 ? 'greedy' : `${c.numBeams} beams`;
  return c.decoding === 'reference'
    ? `${how}, up to ${c.maxNewTokens} tokens, as the reference decodes (starts from <s>, the model's n-gram ban)`
    : `${how}, up to ${c.maxNewTokens} tokens`;
}

/** What a resolved preset runs, for the Run screen (derived from the settings, so it cannot drift from them). */
export function presetSummary(p: PhaseConfigs): string {
  const cells = (c: PhaseConfigs['pt'] | PhaseConfigs['ist'] | PhaseConfigs['ft']) => (c.gridLr?.length && c.gridBatchSize?.length
    ? `a grid of lr ${list(c.gridLr)} x batch ${list(c.gridBatchSize)} (best dev wins)`
    : `lr ${c.lr}, batch ${c.batchSize}`);
  return `PT: ${p.pt.promptTokens}-token prompt, ${count(p.pt.totalSteps)} steps, ${cells(p.pt)}; `
    + `MSF: batch ${p.msf.batchSize}, ${count(p.msf.totalSteps)} steps; `
    + `IST: ${count(p.ist.totalSteps)} steps, ${cells(p.ist)}; `
    + `FT (a baseline, when asked): ${count(p.ft.totalSteps)} steps, ${cells(p.ft)}; `
    + `Random_all (a baseline, when asked): ${p.randomAll.dim} numbers over every weight, ${count(p.randomAll.totalSteps)} steps, lr ${p.randomAll.lr}, batch ${p.randomAll.batchSize}; `
    + `${p.pt.dropout === 'config' ? "training with the model's dropout; " : ''}`
    + `${p.pt.data === 'reference' ? `examples as the reference's dataloaders make them (input cut to ${p.pt.maxInputTokens} - P tokens, a gold answer drawn per draw, MSF/IST targets after a space; gradients clipped at ${p.pt.maxGradNorm} over the tuned numbers only, where the reference's clip also counts BART's weight gradients); ` : ''}`
    + `evaluation: ${decodingText(p.pt)}.`;
}

/**
 * The study's tasks from a task selection: at most `maxTrain` training tasks, and at most `maxTest`
 * unseen tasks of each kind, so a named cls / non-cls split tests out of domain too (Table II's
 * T_test^out), named as such for the results.
 */
export function studyTasks(
  set: { train: readonly string[]; test: readonly string[]; testOutOfDomain: readonly string[] }, maxTrain: number, maxTest: number,
): StudySpecWire['tasks'] {
  const out = set.testOutOfDomain.slice(0, maxTest);
  return { train: set.train.slice(0, maxTrain), test: [...set.test.slice(0, maxTest), ...out], ...(out.length ? { testOutOfDomain: out } : {}) };
}

/**
 * What a quick study puts in the fields it overrides, in the fields' own terms: its d_I values, its
 * training tasks, and its unseen tasks of each kind (in domain and, for cls / non-cls, out of domain).
 */
export function quickFieldValues(spec: Pick<StudySpec, 'intrinsicDims' | 'tasks'>): { dims: string; maxTrain: number; maxTest: number } {
  const out = spec.tasks.testOutOfDomain?.length ?? 0;
  return { dims: spec.intrinsicDims.join(', '), maxTrain: spec.tasks.train.length, maxTest: Math.max(spec.tasks.test.length - out, out) };
}

/** "2, 4 8" -> [2, 4, 8]: positive whole numbers, duplicates dropped; `what` names the field in the error. */
export function parseInts(text: string, what: string): number[] {
  const xs = text.split(/[\s,]+/).filter(Boolean).map(Number);
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x <= 0)) throw new Error(`${what}: give positive whole numbers separated by commas, e.g. "2, 4, 8"`);
  return [...new Set(xs)];
}

/** The imported tasks' examples the spec uses, for its data seed and its "unseen data" seed. */
export function studyTaskData(spec: StudySpecWire, tasks: readonly LoadedTask[]): StudyTaskWire[] {
  const wanted = new Set([...spec.tasks.train, ...spec.tasks.test]);
  const out: StudyTaskWire[] = [];
  const plain = (xs: readonly { input: string; outputs: readonly string[] }[]) => xs.map((x) => ({ input: x.input, outputs: [...x.outputs] }));
  for (const lt of tasks) {
    if (!wanted.has(lt.name)) continue;
    for (const seed of new Set([spec.dataSeed, spec.diffSeed])) {
      const t = lt.bySeed[lt.seeds.indexOf(seed)];
      if (t) out.push({ name: t.name, seed, metric: t.metric, train: plain(t.train), dev: plain(t.dev), test: plain(t.test) });
    }
  }
  return out;
}

/** The Run form's fields, as the user left them (StudyForm.svelte). */
export interface FormValues {
  name: string; preset: PresetName; dims: string; seeds: string; dataSeed: number; diffSeed: number;
  maxTrain: number; maxTest: number; ptSteps: number | null; msfSteps: number | null; istSteps: number | null;
  randomSubspace: boolean; iptInitPt: boolean; useQuick: boolean; analysis: AnalysisName | '';
}

/**
 * What the form held when the Run screen was last left: the form starts from it when it comes
 * back, so a visit to Tasks or Results loses nothing. For this page load only (a reload starts fresh).
 */
export const formMemory: Partial<FormValues> = {};
