// Checks that a value read back from storage (or anywhere untyped) is a whole LoadedTask, so a
// damaged or older record is reported by name and field instead of breaking a study later.

import type { Example, LoadedTask, TableSplit } from './types';
import { METRIC_NAMES } from './types';
import { TaskError, problem } from './errors';

const ORIGINS: readonly LoadedTask['origin'][] = ['tasks.json', 'catalogue', 'unknown', 'given'];
const FORMATS: readonly LoadedTask['format'][] = ['tsv', 'jsonl', 'table', 'builtin'];

class Invalid extends Error {}

function fail(field: string, rule: string): never {
  throw new Invalid(`${field} ${rule}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function str(v: unknown, field: string, nonEmpty = false): string {
  if (typeof v !== 'string' || (nonEmpty && v === '')) fail(field, nonEmpty ? 'must be a non-empty string' : 'must be a string');
  return v;
}

function examples(v: unknown, field: string): Example[] {
  if (!Array.isArray(v)) fail(field, 'must be a list of examples');
  v.forEach((e: unknown, i) => {
    if (!isObject(e)) fail(`${field}[${i}]`, 'must be an object {input, outputs}');
    str(e.input, `${field}[${i}].input`);
    const o = e.outputs;
    if (!Array.isArray(o) || o.length === 0 || !o.every((x) => typeof x === 'string')) fail(`${field}[${i}].outputs`, 'must be a non-empty list of strings');
  });
  return v as Example[];
}

function tableSplit(v: unknown): void {
  if (!isObject(v)) fail('tableSplit', 'must be an object');
  const s = v as Partial<Record<keyof TableSplit, unknown>>;
  if (s.how !== 'given' && s.how !== 'crossfit' && s.how !== 'small') fail('tableSplit.how', 'must be given, crossfit or small');
  if (s.test !== 'column' && s.test !== 'held-out') fail('tableSplit.test', 'must be column or held-out');
  if (!isCount(s.rows) || !isCount(s.k)) fail('tableSplit.rows and .k', 'must be whole numbers');
  if (typeof s.classification !== 'boolean') fail('tableSplit.classification', 'must be true or false');
  const c = s.counts;
  if (!isObject(c) || !isCount(c.train) || !isCount(c.dev) || !isCount(c.test)) fail('tableSplit.counts', 'must hold whole numbers train, dev and test');
}

/** `value` as a LoadedTask, or a TaskError ('bad-field') naming `source` and the first bad field. */
export function validateLoadedTask(value: unknown, source: string): LoadedTask {
  try {
    if (!isObject(value)) fail('the record', 'must be an object');
    const name = str(value.name, 'name', true);
    const category = str(value.category, 'category', true);
    if (!METRIC_NAMES.includes(value.metric as never)) fail('metric', `must be one of ${METRIC_NAMES.join(', ')}`);
    if (!isCount(value.k)) fail('k', 'must be a whole number');
    const seeds = value.seeds;
    if (!Array.isArray(seeds) || seeds.length === 0 || !seeds.every((s) => Number.isInteger(s))) fail('seeds', 'must be a non-empty list of whole numbers');
    const bySeed = value.bySeed;
    if (!Array.isArray(bySeed) || bySeed.length !== seeds.length) fail('bySeed', `must hold one task per seed (${seeds.length})`);
    bySeed.forEach((t: unknown, i) => {
      const at = `bySeed[${i}]`;
      if (!isObject(t)) fail(at, 'must be an object');
      if (t.name !== name || t.category !== category || t.metric !== value.metric) fail(at, 'must have the task\'s name, category and metric');
      if (t.seed !== seeds[i]) fail(`${at}.seed`, `must be ${String(seeds[i])} (seeds[${i}])`);
      if (!isCount(t.k)) fail(`${at}.k`, 'must be a whole number');
      for (const split of ['train', 'dev', 'test'] as const) examples(t[split], `${at}.${split}`);
      if ((t.train as unknown[]).length === 0 || (t.dev as unknown[]).length === 0) fail(at, 'must have train and dev examples');
    });
    if (!ORIGINS.includes(value.origin as never)) fail('origin', `must be one of ${ORIGINS.join(', ')}`);
    if (!FORMATS.includes(value.format as never)) fail('format', `must be one of ${FORMATS.join(', ')}`);
    const files = value.files;
    if (!Array.isArray(files) || !files.every((f) => typeof f === 'string')) fail('files', 'must be a list of strings');
    if (value.tableSplit !== undefined) tableSplit(value.tableSplit);
    return value as unknown as LoadedTask;
  } catch (e) {
    if (!(e instanceof Invalid)) throw e;
    throw new TaskError([problem('bad-field', `not a valid task: ${e.message}`, source)]);
  }
}
