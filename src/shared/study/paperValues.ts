// The paper's own BART-base numbers (Qin et al.), to show beside a study's results as a reference.
// Provenance: only what was read in text reachable from this project, each value with the version
// and place it was read (all of them are in the abstracts: every version's abstract states its
// headline E_rel). The full text's figures and tables (Fig. 3's curves, Tables III, V-VIII, §V-E)
// could not be read here, so none of their values is transcribed: NOT_TRANSCRIBED says so, and a
// value is added only with its table or figure named and `exact` false when read off a figure.
// (§V-E's "IPT-initialised PT: 103.4%, std 1.65 against 4.19" is quoted by this project's issue #15,
// not read in the paper here, so it is not among the values.) The random split's 100/20 tasks are
// the reference repository's dataloader/custom_tasks_splits/random.json (thunlp/Intrinsic-Prompt-Tuning).

import type { ErelKey } from './results';

export interface PaperSource {
  readonly id: string;
  /** The paper's version: its title then, where it appeared, when. */
  readonly version: string;
  /** Where in that version the numbers are stated. */
  readonly where: string;
  /** The page the numbers were read from. */
  readonly url: string;
}

export interface PaperErel {
  /** The results.json E_rel key this value compares with (labels.ts names it). */
  readonly challenge: ErelKey;
  /** The task split: the random one is 100 training tasks and 20 test tasks (the reference's random.json). */
  readonly split: 'random' | 'cls' | 'non-cls';
  readonly trainTasks: number;
  readonly testTasks: number;
  readonly dI: number;
  /** E_rel as a fraction of prompt tuning (0.97 for 97%). */
  readonly erel: number;
  /** True when the text or a table states the number; false when read off a figure (approximate). */
  readonly exact: boolean;
  readonly source: PaperSource['id'];
  /** The sentence the number was read in, shortened. */
  readonly quote: string;
}

export const PAPER_SOURCES: readonly PaperSource[] = [
  {
    id: 'taslp2024',
    version: 'Exploring Universal Intrinsic Task Subspace for Few-Shot Learning via Prompt Tuning, IEEE/ACM TASLP 32:3631-3643 (2024); arXiv 2110.07867v3 (25 Nov 2022) has the same abstract',
    where: 'Abstract',
    url: 'https://arxiv.org/abs/2110.07867v3',
  },
  {
    id: 'arr2021',
    version: 'Exploring Low-dimensional Intrinsic Task Subspace via Prompt Tuning, ACL ARR November 2021 submission (an earlier version, with other results)',
    where: 'Abstract',
    url: 'https://openreview.net/forum?id=THsPGQg0Pe4',
  },
];

const ABSTRACT_2024 = 'in a 250-dimensional subspace found with 100 tasks, by only tuning 250 free parameters, we can recover 97% and 83% of the full prompt tuning performance for 100 seen tasks (using different training data) and 20 unseen tasks';
const ABSTRACT_2021 = 'in a 5-dimensional subspace found with 100 tasks, by only tuning 5 free parameters, we can recover 87% and 65% of the full prompt tuning performance for 100 seen tasks (using different training data) and 20 unseen tasks';

export const PAPER_EREL: readonly PaperErel[] = [
  { challenge: 'train_diff_ist', split: 'random', trainTasks: 100, testTasks: 20, dI: 250, erel: 0.97, exact: true, source: 'taslp2024', quote: ABSTRACT_2024 },
  { challenge: 'test_ist', split: 'random', trainTasks: 100, testTasks: 20, dI: 250, erel: 0.83, exact: true, source: 'taslp2024', quote: ABSTRACT_2024 },
  { challenge: 'train_diff_ist', split: 'random', trainTasks: 100, testTasks: 20, dI: 5, erel: 0.87, exact: true, source: 'arr2021', quote: ABSTRACT_2021 },
  { challenge: 'test_ist', split: 'random', trainTasks: 100, testTasks: 20, dI: 5, erel: 0.65, exact: true, source: 'arr2021', quote: ABSTRACT_2021 },
];

/** The version the chart draws: the published one. The earlier version's values are listed, not drawn with it. */
export const PAPER_CURRENT_SOURCE: PaperSource['id'] = 'taslp2024';

/** What the issue asks for but this module does not hold, and why: shown beside the values. */
export const NOT_TRANSCRIBED: readonly string[] = [
  'Fig. 3 (E_rel against d_I for the random, cls and non-cls splits): the figure and the text around it were not reachable here, so no point of its curves is given.',
  'Table III (per-task standard deviation of FT, PT and IPT) and §V-E (PT initialised by IPT): not reachable here.',
  'Tables V-VIII (E_abs, average absolute scores): not reachable here.',
];

export function paperSource(id: PaperSource['id']): PaperSource {
  const s = PAPER_SOURCES.find((x) => x.id === id);
  if (!s) throw new Error(`paperValues: no source "${id}"`);
  return s;
}
