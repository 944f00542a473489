// What the running study is doing, in words a learner follows, tied to the paper's sizes. Pure:
// the Start page and the Run screen render it from the study's progress events. `headline` changes
// only with the phase (and d_I), so a live region that reads it speaks at phase changes, not at
// every step or task; `now` names the task of the moment and is shown, not announced.
import type { StudyPhase } from '../../../shared/study/plan';

/** The paper's sizes (Qin et al.: BART-base, 100 prompt tokens of width 768, d_I up to 250). */
export const PAPER = { promptTokens: 100, dModel: 768, dI: 250, params: '140 million' } as const;

export interface NarrationContext {
  /** Prompt tokens P of the study's PT settings and the loaded model's width d. */
  readonly promptTokens: number;
  readonly dModel: number;
  readonly trainTasks: number;
  readonly testTasks: number;
}

/** Where the study is (the study store's current unit). */
export interface NarrationPoint {
  readonly phase: StudyPhase;
  readonly task?: string | null;
  readonly dI?: number | null;
}

export interface Narration {
  /** Changes with the phase and d_I only (for a polite live region). */
  readonly key: string;
  readonly headline: string;
  /** The task being trained now. */
  readonly now: string;
  /** How this phase's sizes compare with the paper's. */
  readonly paper: string;
}

const n = (x: number) => x.toLocaleString('en-US');

export function narrate(p: NarrationPoint, c: NarrationContext): Narration {
  const size = c.promptTokens * c.dModel;
  const paperSize = PAPER.promptTokens * PAPER.dModel;
  const prompt = `${c.promptTokens} × ${c.dModel} = ${n(size)} numbers`;
  const task = p.task ?? '';
  const dI = p.dI ?? 0;
  const key = `${p.phase}/${p.dI ?? ''}`;
  switch (p.phase) {
    case 'pt':
      return {
        key,
        headline: `Prompt tuning: each of the ${c.trainTasks + c.testTasks} tasks learns its own prompt of ${prompt}; the model itself stays frozen.`,
        now: `Prompt tuning ${task}: ${n(size)} numbers`,
        paper: `The paper's prompts, on BART-base, are ${PAPER.promptTokens} × ${PAPER.dModel} = ${n(paperSize)} numbers per task; this model's are ${n(size)}.`,
      };
    case 'msf':
      return {
        key,
        headline: `Subspace finding: ${c.trainTasks} prompts squeezed into ${dI} numbers each, and rebuilt from them.`,
        now: `Subspace finding: ${c.trainTasks} prompts squeezed into ${dI} numbers each`,
        paper: `Here ${n(size)} numbers go down to ${dI} (${Math.round(size / Math.max(1, dI))} times fewer); the paper squeezed ${n(paperSize)} into d_I = ${PAPER.dI} (${Math.round(paperSize / PAPER.dI)} times fewer).`,
      };
    case 'ist':
      return {
        key,
        headline: `A new task learned with only ${dI} numbers: each of the ${c.testTasks} tasks the subspace never saw is tuned through the frozen Proj_b.`,
        now: `A new task learned with only ${dI} numbers: ${task}`,
        paper: `Prompt tuning needs ${n(size)} numbers per task here; the paper tuned ${PAPER.dI} instead of ${n(paperSize)}.`,
      };
    case 'random':
      return {
        key,
        headline: `Random-subspace baseline: the same ${dI} numbers through an untrained, random Proj_b, to show what the found subspace adds.`,
        now: `Random-subspace baseline, ${dI} numbers: ${task}`,
        paper: 'In the paper a random subspace of the same size does much worse than the one found from other tasks.',
      };
    case 'random_all':
      return {
        key,
        headline: 'Random_all baseline: a random subspace of every weight of the model, no prompt.',
        now: `Random subspace of every weight: ${task}`,
        paper: 'The paper also tunes a random subspace of all the model\'s parameters (Random_all, §V-A; 100 numbers, as Aghajanyan et al.\'s intrinsic dimension), against the subspace found from other tasks.',
      };
    case 'ipt_pt':
      return {
        key,
        headline: `Prompt tuning again, started from the prompt the ${dI} numbers gave.`,
        now: `Prompt tuning ${task} from its IST prompt: ${n(size)} numbers`,
        paper: 'The paper uses IST as a starting point for prompt tuning too.',
      };
    case 'mt_pt':
      return {
        key,
        headline: `Multi-task prompt tuning: one prompt of ${n(size)} numbers trained on all ${c.trainTasks} training tasks at once.`,
        now: `Multi-task prompt tuning: one prompt for ${c.trainTasks} tasks`,
        paper: 'The paper compares with one prompt (and one fine-tuned model) trained on all tasks together (Table IV).',
      };
    case 'mt_ft':
      return {
        key,
        headline: `Multi-task fine-tuning: every weight of the model trained on all ${c.trainTasks} training tasks at once.`,
        now: `Multi-task fine-tuning: one model for ${c.trainTasks} tasks`,
        paper: 'The paper compares with one prompt and one fine-tuned model trained on all tasks together (Table IV).',
      };
    case 'ft':
      return {
        key,
        headline: 'Full fine-tuning baseline: every weight of the model trains.',
        now: `Fine-tuning ${task}`,
        paper: `The paper fine-tunes all ${PAPER.params} parameters of BART-base for comparison.`,
      };
  }
}
