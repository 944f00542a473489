// The tutorial as typed data: one entry per idea, rendered by Tutorial.svelte. `focus` names the
// part of the diagram (IdeaDiagram.svelte) the step is about, so the two stay in sync. It speaks of
// the model that is loaded (its real sizes) next to the paper's BART-base.
export type DiagramPart = 'tasks' | 'prompts' | 'autoencoder' | 'subspace' | 'new-task';

export interface TutorialStep {
  id: string;
  title: string;
  /** Paragraphs of plain text. */
  body: readonly string[];
  focus: DiagramPart;
  /** The screen where the step happens, if any. */
  screen?: 'model' | 'tasks' | 'run' | 'results' | 'explore';
}

/** The loaded model's sizes, and the prompt length of the live demo's settings. */
export interface ModelSizes {
  readonly modelId: string;
  readonly params: number;
  readonly dModel: number;
  readonly promptTokens: number;
}

/** The paper's sizes: BART-base, 100 prompt tokens of width 768, d_I 250. */
export const PAPER_SIZES = { params: 140_000_000, dModel: 768, promptTokens: 100, dI: 250 } as const;

const n = (x: number) => x.toLocaleString('en-US');

/** "The model loaded here …": the loaded model's sizes against the paper's, or how to get one. */
export function sizesText(m: ModelSizes | null): string {
  const paper = PAPER_SIZES.promptTokens * PAPER_SIZES.dModel;
  if (!m) {
    return `No model is loaded yet. Load one (the Start page’s live demo loads the small model that ships with the app) and this step gives its sizes next to the paper’s ${PAPER_SIZES.promptTokens} × ${PAPER_SIZES.dModel} = ${n(paper)}.`;
  }
  const size = m.promptTokens * m.dModel;
  return `The model loaded here, ${m.modelId}, has ${n(m.params)} parameters and width d_model = ${m.dModel}. `
    + `The live demo’s prompt has P = ${m.promptTokens} tokens: ${m.promptTokens} × ${m.dModel} = ${n(size)} numbers per task, `
    + `against the paper’s ${PAPER_SIZES.promptTokens} × ${PAPER_SIZES.dModel} = ${n(paper)} on BART-base’s 140 million parameters `
    + `(BART-base is ${m.params <= PAPER_SIZES.params ? `${n(Math.round(PAPER_SIZES.params / m.params))} times larger` : `${n(Math.round(m.params / PAPER_SIZES.params))} times smaller`} than this model).`;
}

export function tutorialSteps(model: ModelSizes | null): TutorialStep[] {
  return [
    {
      id: 'prompt-tuning',
      title: 'One soft prompt per task',
      body: [
        'Prompt tuning keeps a pretrained model (here BART) frozen and learns only a short sequence of vectors put in front of the input: the soft prompt. In the paper, with BART-base, 100 prompt tokens of width 768 make 76,800 numbers per task, instead of the model’s 140 million.',
        sizesText(model),
        'Tuning such a prompt on each of many few-shot tasks (CrossFit: classification, question answering, generation …) gives one point per task in a 76,800-dimensional space.',
      ],
      focus: 'prompts',
      screen: 'tasks',
    },
    {
      id: 'subspace',
      title: 'Do the prompts share a small subspace?',
      body: [
        'The paper’s question: are those points scattered everywhere, or do they lie near a common low-dimensional subspace? To find out, an autoencoder is trained on the prompts of the training tasks: Proj squeezes a prompt into d_I numbers, Proj_b expands d_I numbers back into a prompt.',
        'It is trained on two things at once: the reconstructed prompt must still solve its task (the language-model loss) and stay close to the original prompt. This is multi-task subspace finding (MSF).',
      ],
      focus: 'autoencoder',
      screen: 'run',
    },
    {
      id: 'ist',
      title: 'Tune only d_I numbers',
      body: [
        'Then Proj_b is frozen. For a task, only a d_I-dimensional vector is tuned (intrinsic subspace tuning, IST); Proj_b turns it into the prompt. With d_I = 250 the paper recovers most of prompt tuning’s performance on training tasks, and a good share on tasks never seen while finding the subspace.',
        'A random, untrained Proj_b with the same number of coordinates does much worse: the subspace found from other tasks carries real knowledge.',
      ],
      focus: 'subspace',
      screen: 'run',
    },
    {
      id: 'new-task',
      title: 'A new task is a point in the subspace',
      body: [
        'Each task ends up as d_I numbers. Plotting those vectors (PCA) shows tasks of the same kind close together. On the Explore screen the projector shipped with the app is open: type a few examples of your own task as rows, tune a vector for them, see where your task lands among the training tasks and which are nearest, and move along the subspace to watch the model’s answers change.',
        'Relative performance E_rel (score in the subspace ÷ prompt-tuning score, averaged over tasks) against d_I is the paper’s main figure; the Results screen draws it from your study.',
      ],
      focus: 'new-task',
      screen: 'explore',
    },
  ];
}
