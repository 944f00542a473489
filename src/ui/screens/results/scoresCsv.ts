// "Download all scores (CSV)": every score row of a results.json, one line each, through the
// project's one CSV writer. Missing values (no d_I for PT, no score) are empty cells.
import type { StudyResultsJson } from '../../../protocol/messages';
import { toCsvText } from '../../../shared/csv';

export const SCORES_HEADER = ['seed', 'd_I', 'setting', 'task', 'metric', 'score', 'pt_score'];

export function scoresCsv(results: StudyResultsJson): string {
  const text = (v: string | number | null | undefined) => (v === null || v === undefined ? '' : String(v));
  return toCsvText(
    SCORES_HEADER,
    (results.rows ?? []).map((r) => [text(r.seed), text(r.dI), r.setting, r.task, r.metric, text(r.score), text(r.pt)]),
  );
}
