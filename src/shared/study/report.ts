// Plain-text reports of a finished study, shared by the headless runner and the README figures.
import { relativePerformance } from '../analysis/erel';
import type { StudyResults } from './results';

export interface PtBaselineRow {
  readonly task: string;
  readonly role: 'train' | 'test';
  readonly metric: string;
  readonly pt: number;
  readonly majority: number;
  readonly copy: number;
  /** PT is above both trivial baselines. */
  readonly beats: boolean;
}

/** PT's test score next to the trivial baselines, one row per task of the study. */
export function ptBaselineRows(r: StudyResults): PtBaselineRow[] {
  const metricOf = new Map(r.rows.map((x) => [x.task, x.metric]));
  const rows: PtBaselineRow[] = [];
  for (const [role, names] of [['train', r.study.tasks.train], ['test', r.study.tasks.test]] as const) {
    for (const task of names) {
      const pt = r.pt[task] ?? Number.NaN;
      const b = r.baselines[task] ?? { majority: Number.NaN, copy: Number.NaN };
      // A NaN baseline (Pearson of a constant answer) is beaten by any finite PT score.
      const above = (x: number) => Number.isNaN(x) || pt > x;
      rows.push({ task, role, metric: metricOf.get(task) ?? '', pt, majority: b.majority, copy: b.copy, beats: Number.isFinite(pt) && above(b.majority) && above(b.copy) });
    }
  }
  return rows;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

/** The rows as a Markdown table with a closing count. */
export function ptBaselineMarkdown(rows: readonly PtBaselineRow[]): string {
  const lines = ['| task | role | metric | PT | majority | copy | PT wins |', '| --- | --- | --- | ---: | ---: | ---: | :---: |'];
  for (const x of rows) lines.push(`| ${x.task} | ${x.role} | ${x.metric} | ${fmt(x.pt)} | ${fmt(x.majority)} | ${fmt(x.copy)} | ${x.beats ? 'yes' : 'no'} |`);
  lines.push('', `PT beats both trivial baselines on ${rows.filter((x) => x.beats).length} of ${rows.length} tasks.`);
  return `${lines.join('\n')}\n`;
}

/**
 * E_rel^PT of one setting's test scores, per group of tasks (e.g. cls / non-cls, or in-domain /
 * out-of-domain): the mean over a group's tasks of score / PT score, as relativePerformance counts it,
 * on the seed-mean scores (the study's own E_rel averages per-seed ratios; equal with one seed).
 */
export function erelByGroup(r: StudyResults, dI: number, setting: string, groupOf: (task: string) => string): Record<string, { value: number; n: number }> {
  const scores = r.scores[String(dI)]?.[setting] ?? {};
  const groups = new Map<string, Record<string, number>>();
  for (const [task, s] of Object.entries(scores)) {
    const g = groupOf(task);
    if (!groups.has(g)) groups.set(g, {});
    groups.get(g)![task] = s;
  }
  return Object.fromEntries([...groups].sort(([a], [b]) => a.localeCompare(b)).map(([g, s]) => {
    // train_diff_ist divides as the study's own E_rel does (results.ts, unseen_data_denominator).
    const rel = relativePerformance(s, setting === 'train_diff_ist' && r.unseen_data_denominator === 'diff-seed' ? r.pt_diff : r.pt);
    return [g, { value: rel.value, n: rel.n }];
  }));
}
