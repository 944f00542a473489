// One of the paper's analyses (src/shared/study/analyses.ts) in the tab: its studies run one after
// another through the study store, as the Run screen's "Start" would run each, and their results
// become the analysis's figure. The units they share (every PT run, mostly) are reused by key, so
// running an analysis again after a pause or a reload redoes only what is missing. The finished
// figure is kept in localStorage, so Results shows it after a reload too.
import type { StudySpecWire, StudyTaskWire } from '../../protocol/messages';
import { ANALYSES, analysisFigure, analysisStudies, type AnalysisFigure, type AnalysisName, type AnalysisResult, type AnalysisStudy, type AnalysisTables } from '../../shared/study/analyses';
import { runState, resultsState, startStudy } from './study.svelte';

export interface AnalysisState {
  name: AnalysisName | null;
  status: 'idle' | 'running' | 'done' | 'stopped' | 'error';
  studies: AnalysisStudy[];
  /** The study running now (index into `studies`). */
  index: number;
  skipped: string[];
  figure: AnalysisFigure | null;
  error: string | null;
}

export const analysisState: AnalysisState = $state({ name: null, status: 'idle', studies: [], index: 0, skipped: [], figure: null, error: null });

const FIGURE_KEY = 'intrinsic-lab.analysis';

/** The last finished analysis's figure, as stored (null when none or unreadable). */
export function storedFigure(): AnalysisFigure | null {
  try {
    const raw = globalThis.localStorage?.getItem(FIGURE_KEY);
    const f = raw ? (JSON.parse(raw) as AnalysisFigure) : null;
    return f && typeof f.analysis === 'string' && f.analysis in ANALYSES && Array.isArray(f.series) && Array.isArray(f.x) ? f : null;
  } catch {
    return null;
  }
}

/** The studies an analysis would run over `base` (the Run form shows how many before it starts). */
export function plannedStudies(name: AnalysisName, base: StudySpecWire, categoryOf: (task: string) => string): { studies: AnalysisStudy[]; skipped: string[] } {
  return analysisStudies(name, base, { categoryOf });
}

/**
 * Runs the analysis's studies in order; stops where one does not finish (paused, cancelled, failed:
 * runState says which), keeping what finished. Resolves when it ends either way.
 */
export async function runAnalysis(name: AnalysisName, base: StudySpecWire, categoryOf: (task: string) => string, tasks?: StudyTaskWire[]): Promise<void> {
  const { studies, skipped } = plannedStudies(name, base, categoryOf);
  Object.assign(analysisState, { name, status: 'running', studies, index: 0, skipped, figure: null, error: null });
  if (!studies.length) {
    Object.assign(analysisState, { status: 'error', error: `This study gives the analysis nothing to run: ${skipped.join('; ')}` });
    return;
  }
  const done: AnalysisResult[] = [];
  for (const [i, s] of studies.entries()) {
    analysisState.index = i;
    await startStudy(s.spec, tasks);
    const results = resultsState.results;
    if (runState.status !== 'done' || !results) {
      analysisState.status = runState.status === 'error' || runState.status === 'interrupted' ? 'error' : 'stopped';
      analysisState.error = runState.error;
      return;
    }
    done.push({ study: { label: s.label, group: s.group, ...(s.variant ? { variant: s.variant } : {}) }, results: results as unknown as AnalysisTables });
  }
  const figure = analysisFigure(name, done);
  const withSkipped = { ...figure, notes: [...figure.notes, ...skipped.map((x) => `Left out: ${x}.`)] };
  analysisState.figure = withSkipped;
  analysisState.status = 'done';
  try {
    globalThis.localStorage?.setItem(FIGURE_KEY, JSON.stringify(withSkipped));
  } catch {
    // A full or blocked storage only loses the figure after a reload; the studies are stored.
  }
}
