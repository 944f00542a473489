// One of the paper's analyses (src/shared/study/analyses.ts) in the tab: its studies run one after
// another through the study store, as the Run screen's "Start" would run each, and their results
// become the analysis's figure. Started again (after a pause, a failure or a reload), it takes up
// its own studies: a finished one is read back, a paused one resumed, so nothing is listed twice;
// and the units studies share (every PT run, mostly) are reused by key. The finished figure is
// kept in localStorage, so Results shows it after a reload too.
import type { StudyResultsJson, StudySpecWire, StudyTaskWire } from '../../protocol/messages';
import { ANALYSES, analysisFigure, analysisStudies, type AnalysisFigure, type AnalysisName, type AnalysisResult, type AnalysisStudy, type AnalysisTables } from '../../shared/study/analyses';
import { canonicalJson } from '../../shared/hash';
import { engine } from './engine.svelte';
import { loadStudyResults, refreshStudies, resumeStudy, runState, resultsState, startStudy } from './study.svelte';

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

/**
 * One study of the analysis: this browser's own record of the same study (the same spec, digests
 * included) when there is one, read back if finished or resumed if not; else a new one.
 */
async function runOne(draft: StudySpecWire, tasks?: StudyTaskWire[]): Promise<StudyResultsJson | null> {
  const finished = () => (runState.status === 'done' && resultsState.results?.study.name === draft.name ? resultsState.results : null);
  let keyed: StudySpecWire;
  try {
    keyed = await engine.call('resolveStudySpec', { spec: draft, ...(tasks ? { tasks } : {}) });
  } catch {
    await startStudy(draft, tasks); // it reports the worker's reason
    return finished();
  }
  await refreshStudies();
  const same = runState.studies.filter((x) => canonicalJson(x.spec) === canonicalJson(keyed));
  const done = same.find((x) => x.status === 'done');
  if (done) {
    await loadStudyResults(done.id);
    return resultsState.results?.study.name === draft.name ? resultsState.results : null;
  }
  const open = same.find((x) => x.status !== 'done');
  await (open ? resumeStudy(open, tasks) : startStudy(keyed, tasks));
  return finished();
}

/**
 * Runs the analysis's studies in order; stops where one does not finish (paused, cancelled, failed:
 * runState says which), keeping what finished. Resolves when it ends either way.
 */
export async function runAnalysis(name: AnalysisName, base: StudySpecWire, categoryOf: (task: string) => string, tasks?: StudyTaskWire[]): Promise<void> {
  const { studies, skipped } = analysisStudies(name, base, { categoryOf });
  Object.assign(analysisState, { name, status: 'running', studies, index: 0, skipped, figure: null, error: null });
  if (!studies.length) {
    Object.assign(analysisState, { status: 'error', error: `This study gives the analysis nothing to run: ${skipped.join('; ')}` });
    return;
  }
  const done: AnalysisResult[] = [];
  for (const [i, s] of studies.entries()) {
    analysisState.index = i;
    const results = await runOne(s.spec, tasks);
    if (!results) {
      analysisState.status = runState.status === 'error' || runState.status === 'interrupted' ? 'error' : 'stopped';
      analysisState.error = runState.error ?? resultsState.error;
      return;
    }
    done.push({ study: { label: s.label, group: s.group, ...(s.variant ? { variant: s.variant } : {}) }, results: results as unknown as AnalysisTables });
  }
  const figure = analysisFigure(name, done);
  const withSkipped: AnalysisFigure = {
    ...figure, notes: [...figure.notes, ...skipped.map((x) => `Left out: ${x}.`)],
    source: { base: base.name, model: base.model, studies: studies.map((s) => s.spec.name) },
  };
  analysisState.figure = withSkipped;
  analysisState.status = 'done';
  try {
    globalThis.localStorage?.setItem(FIGURE_KEY, JSON.stringify(withSkipped));
  } catch {
    // A full or blocked storage only loses the figure after a reload; the studies are stored.
  }
}
