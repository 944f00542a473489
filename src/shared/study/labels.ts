// The one source of the names people read for a study's result keys: E_rel challenges, score
// settings of results.json and the random-subspace baseline. Charts, tables and the headers of
// exported tables use these; results.json and the "all scores" CSV keep the raw keys as ids.
// Each key has a plain name ("new tasks (IST)") and the paper's notation (T_test(IST)) as a second label.

export interface ResultLabel {
  /** What a learner reads: the tasks and the method, in words. */
  readonly name: string;
  /** The paper's notation (Qin et al., Table I / Fig. 3), or how the paper calls it. */
  readonly paper: string;
}

const LABELS: Readonly<Record<string, ResultLabel>> = {
  pt: { name: 'prompt tuning (PT)', paper: 'PT' },
  pt_diff: { name: 'prompt tuning, training tasks, new data (PT)', paper: 'PT on T_train, unseen data' },
  ft: { name: 'full fine-tuning (FT)', paper: 'FT' },
  train_msf: { name: 'training tasks, rebuilt prompts (MSF)', paper: 'T_train(MSF)' },
  test_msf: { name: 'new tasks, rebuilt prompts (MSF)', paper: 'T_test(MSF)' },
  train_same_ist: { name: 'training tasks, same data (IST)', paper: 'T_train(IST)' },
  train_diff_ist: { name: 'training tasks, new data (IST)', paper: 'T_train(IST), unseen data' },
  test_ist: { name: 'new tasks (IST)', paper: 'T_test(IST)' },
  test_in_ist: { name: 'new tasks in domain (IST)', paper: 'T_test^in(IST)' },
  test_out_ist: { name: 'new tasks out of domain (IST)', paper: 'T_test^out(IST)' },
  random_subspace: { name: 'new tasks, random subspace (baseline)', paper: 'T_test(IST), random Proj_b' },
  random_subspace_ist: { name: 'new tasks, random subspace (baseline)', paper: 'T_test(IST), random Proj_b' },
  random_all: { name: 'new tasks, random subspace of every weight (baseline)', paper: 'Random_all (§V-A)' },
  ipt_init_pt: { name: 'new tasks, prompt tuning started from IST', paper: 'PT initialised by IPT' },
  multi_task_pt: { name: 'one prompt for all training tasks (multi-task PT)', paper: 'multi-task PT (Table IV)' },
  multi_task_ft: { name: 'one fine-tuned model for all training tasks (multi-task FT)', paper: 'multi-task FT (Table IV)' },
};

/** The names of a key; a key this app does not know (an imported file's) is shown as it is. */
export function resultLabel(key: string): ResultLabel {
  return LABELS[key] ?? { name: key, paper: key };
}

/** "new tasks (IST) · T_test(IST)": the name with the paper's notation, for legends and column headers. */
export function resultTitle(key: string): string {
  const l = resultLabel(key);
  // "prompt tuning (PT)" already carries the paper's "PT": no "· PT" after it.
  return l.name === l.paper || l.name.endsWith(`(${l.paper})`) ? l.name : `${l.name} · ${l.paper}`;
}
