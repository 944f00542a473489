// Shared helpers for the task tests: where ../shared is, and loud skipping when it is absent.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { TaskError, type TaskProblem } from '../../../../src/shared/tasks/index';

export const PROJECT_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const SAMPLE_DIR = join(PROJECT_ROOT, '..', 'shared', 'crossfit-sample');
export const META_DIR = join(PROJECT_ROOT, '..', 'shared', 'crossfit-meta');

export function haveShared(dir: string, what: string): boolean {
  const ok = existsSync(dir);
  if (!ok) console.warn(`SKIPPING ${what}: ${dir} is absent (tests that need ../shared cannot run here)`);
  return ok;
}

/** Plain fs reads, independent of the loader: the non-blank lines of a file. */
export function countLines(path: string): number {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
}

export function listDir(path: string): string[] {
  return readdirSync(path).sort();
}

/** Runs `fn`, expects a TaskError, returns its problems. */
export function problemsOf(fn: () => unknown): readonly TaskProblem[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof TaskError) return err.problems;
    throw err;
  }
  throw new Error('expected a TaskError, nothing was thrown');
}
