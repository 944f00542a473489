// `ipt --preset <analysis>`: runs an analysis's studies (src/shared/study/analyses.ts) one after
// another, each as its own `ipt <study.json>` process sharing one work folder, so the units they
// have in common (every PT run, mostly) are computed once and an interrupted analysis continues
// where it stopped. Then it writes the figure's data (analysis.json) and the chart (figure.svg).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { writeWhole } from './files';
import { basename, join } from 'node:path';
import { ANALYSES, analysisFigure, analysisStudies, type AnalysisName, type AnalysisResult, type AnalysisTables } from '../shared/study/analyses';
import { figureSvg } from '../shared/study/figureSvg';
import type { StudySpec } from '../shared/study/spec';
import { toJsonText } from '../shared/json';

export interface AnalysisRun {
  readonly name: AnalysisName;
  /** The base study, its model an absolute folder; `extra` fields (taskSource) go into each study.json. */
  readonly base: StudySpec;
  readonly extra: Readonly<Record<string, unknown>>;
  readonly categoryOf: (task: string) => string;
  readonly out: string;
  /** The ipt script and the options every study's process gets (--jobs, --backend, ...). */
  readonly script: string;
  readonly passArgs: readonly string[];
  readonly log: (line: string) => void;
}

/** A study's folder under --out: its label as a file name ("40%" -> "40pct", "cls/topic, included" -> "cls-topic-included"). */
export function studyFolder(label: string): string {
  return label.replace(/%/g, 'pct').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
}

/** Runs `ipt <file> ...` and resolves with its exit status (a signal counts as 1). */
function runChild(script: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, script, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code, sig) => resolve(code ?? (sig ? 1 : 0)));
  });
}

/** 0: done; 3: paused (run the same command again); other: a study failed. */
export async function runAnalysis(run: AnalysisRun): Promise<number> {
  const info = ANALYSES[run.name];
  const { studies, skipped } = analysisStudies(run.name, run.base, { categoryOf: run.categoryOf });
  if (!studies.length) throw new RangeError(`--preset ${run.name}: the base study gives nothing to run (${skipped.join('; ') || 'no studies'})`);
  mkdirSync(run.out, { recursive: true });
  run.log(`ipt: ${info.title} (${info.paper}): ${studies.length} ${studies.length === 1 ? 'study' : 'studies'} sharing ${join(run.out, 'work')}`);
  for (const s of skipped) run.log(`ipt: left out: ${s}`);
  // Ctrl-C reaches the study's process too, which pauses at a checkpoint; this one waits for it.
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  const done: AnalysisResult[] = [];
  try {
    for (const [i, s] of studies.entries()) {
      const dir = join(run.out, studyFolder(s.label));
      mkdirSync(dir, { recursive: true });
      const file = join(dir, 'study.json');
      writeWhole(file, `${JSON.stringify({ ...s.spec, ...run.extra }, null, 2)}\n`);
      run.log(`ipt: study ${i + 1}/${studies.length}: ${s.label}`);
      const status = await runChild(run.script, [file, '--out', dir, '--work', join(run.out, 'work'), ...run.passArgs]);
      if (status !== 0) return status;
      const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as AnalysisTables;
      done.push({ study: { label: s.label, group: s.group, ...(s.variant ? { variant: s.variant } : {}) }, results });
    }
  } finally {
    process.off('SIGINT', ignore);
  }
  const figure = { ...analysisFigure(run.name, done), source: { base: run.base.name, model: basename(run.base.model), studies: studies.map((s) => s.spec.name) } };
  const notes = [...figure.notes, ...skipped.map((s) => `Left out: ${s}.`)];
  writeWhole(join(run.out, 'analysis.json'), `${toJsonText({
    analysis: run.name, paper: info.paper, question: info.question, how_to_read: info.howToRead, base: run.base.name,
    studies: studies.map((s) => ({ label: s.label, folder: studyFolder(s.label), train: s.spec.tasks.train.length, test: s.spec.tasks.test.length })),
    figure: { ...figure, notes },
  }, 2)}\n`);
  writeWhole(join(run.out, 'figure.svg'), figureSvg(figure));
  process.stdout.write(`${JSON.stringify({ out: run.out, analysis: run.name, studies: studies.length, x: figure.x, series: figure.series.map((s) => ({ name: s.name, y: s.y.map((v) => (v === null ? null : +v.toFixed(3))) })) })}\n`);
  return 0;
}
