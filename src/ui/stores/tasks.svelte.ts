// The task selection (which tasks, which split) as serialisable data, shared by the Tasks screen
// (which edits it) and the Run screen (which reads selectedTaskSet() and importedTasks()).
// The selection (source, split, custom roles) is kept in localStorage; imported tasks are kept in
// IndexedDB (src/storage/taskStore.ts) and come back after a reload until the user removes them.
// Everything here is plain TS over src/shared/tasks (no TF.js); imports are parsed in a small worker
// (src/worker/tasks.ts).
import {
  catalogueEntry,
  catalogueTaskNames,
  CROSSFIT_SEEDS,
  describeTableSplit,
  loadFromUrls,
  loadPickedFiles,
  summarize,
  taskSplit,
  TaskError,
  withLoadedCategory,
  type LoadedTask,
  type LoadResult,
  type MetricName,
  type PickedFile,
  type Recategorize,
  type TaskProblem,
  type TaskSplitName,
} from '../../shared/tasks/index';
import { tasksWorker } from './tasksWorker';
import { TaskStore, type UnreadableTask } from '../../storage/taskStore';
import { EngineError } from '../../protocol/errors';
import type { TaskImportParams, TaskImportResult } from '../../protocol/tasks';
import { builtinSplits, builtinTasks, TASK_FAMILIES, type TaskFamilyInfo } from '../../shared/tasks/world/index';

export type TaskSourceName = 'builtin' | 'imported' | 'crossfit';
export type SplitChoice = TaskSplitName | 'custom';
export type TaskRole = 'train' | 'test' | 'none';

/** What the Run screen needs to start a study: task names by role (data comes from the source). */
export interface SelectedTaskSet {
  source: TaskSourceName;
  split: SplitChoice;
  train: string[];
  test: string[];
  /** Unseen tasks of the other kind (cls / non-cls splits), when the split has them. */
  testOutOfDomain: string[];
}

/** One row of the task lists (counts are those of the first data seed; null where there is no data). */
export interface TaskRow {
  name: string;
  category: string;
  metric: MetricName;
  k: number | null;
  seeds: number[];
  train: number | null;
  dev: number | null;
  test: number | null;
}

export interface TasksState {
  source: TaskSourceName;
  split: SplitChoice;
  /** Custom split per source: task name -> role. */
  custom: Record<TaskSourceName, Record<string, TaskRole>>;
  importing: boolean;
  importProblems: TaskProblem[] | null;
  /** What the last import added or ignored, for the status line. */
  importNote: string;
  /** Stored tasks that did not read back (kept in the database until the user deletes them). */
  unreadable: UnreadableTask[];
  /** The last failure to keep, update or remove a task in browser storage (the page's copy still works). */
  storageError: string | null;
  /** The tasks kept by earlier visits have been read back (or there is no storage). */
  restored: boolean;
}

const STORAGE_KEY = 'intrinsic-lab.tasks';
const SOURCES: readonly TaskSourceName[] = ['builtin', 'imported', 'crossfit'];
const SPLITS: readonly SplitChoice[] = ['random', 'cls', 'non-cls', 'custom'];

type SavedSelection = Pick<TasksState, 'source' | 'split' | 'custom'>;

/** The last selection (source, split, custom roles), so a reload keeps it; anything malformed is ignored. */
function loadSelection(): SavedSelection {
  const fallback: SavedSelection = { source: 'builtin', split: 'random', custom: { builtin: {}, imported: {}, crossfit: {} } };
  try {
    const raw = JSON.parse(globalThis.localStorage?.getItem(STORAGE_KEY) ?? 'null') as Partial<SavedSelection> | null;
    if (!raw || typeof raw !== 'object') return fallback;
    const custom = { ...fallback.custom };
    for (const source of SOURCES) {
      const roles = raw.custom?.[source];
      if (roles && typeof roles === 'object') {
        custom[source] = Object.fromEntries(Object.entries(roles).filter(([, r]) => r === 'train' || r === 'test'));
      }
    }
    return {
      source: SOURCES.find((s) => s === raw.source) ?? fallback.source,
      split: SPLITS.find((s) => s === raw.split) ?? fallback.split,
      custom,
    };
  } catch {
    // Blocked storage or bad JSON: start fresh.
    return fallback;
  }
}

export const tasksState: TasksState = $state({
  ...loadSelection(),
  importing: false,
  importProblems: null,
  importNote: '',
  unreadable: [],
  storageError: null,
  restored: false,
});

if (typeof window !== 'undefined') {
  $effect.root(() => {
    $effect(() => {
      const saved: SavedSelection = { source: tasksState.source, split: tasksState.split, custom: $state.snapshot(tasksState.custom) };
      try {
        globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify(saved));
      } catch {
        // Storage can be full or blocked; the selection then lasts for this page only.
      }
    });
  });
}

/**
 * Imported tasks (all seeds, plain data), sorted by name. Held raw (not deeply proxied): thousands of
 * examples need no per-field reactivity, and the list is only ever replaced as a whole.
 */
class ImportedTasks {
  list: LoadedTask[] = $state.raw([]);
}
export const imported = new ImportedTasks();

const byName = (a: LoadedTask, b: LoadedTask) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Imported tasks in IndexedDB; none where there is no IndexedDB (Node, a blocked profile). */
const store = typeof window !== 'undefined' && typeof indexedDB !== 'undefined' ? new TaskStore() : null;
const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The tasks stored by earlier visits, once per page; a task imported meanwhile wins over its stored copy. */
async function restoreStored(): Promise<void> {
  if (!store) {
    tasksState.restored = true;
    return;
  }
  try {
    const { tasks, unreadable } = await store.list();
    const here = new Set(imported.list.map((t) => t.name));
    imported.list = [...imported.list, ...tasks.filter((t) => !here.has(t.name))].sort(byName);
    tasksState.unreadable = unreadable;
  } catch (e) {
    tasksState.storageError = `The tasks kept in this browser could not be read: ${reason(e)}`;
  } finally {
    tasksState.restored = true;
  }
}
void restoreStored();

/** Deletes a stored record that did not read back. */
export async function deleteUnreadable(name: string): Promise<void> {
  try {
    await store?.delete(name);
    tasksState.unreadable = tasksState.unreadable.filter((u) => u.name !== name);
  } catch (e) {
    tasksState.storageError = `The stored task "${name}" could not be deleted: ${reason(e)}`;
  }
}

/** Keeps tasks in browser storage, one transaction each; says which could not be kept (they last for this page). */
async function persist(tasks: readonly LoadedTask[]): Promise<void> {
  if (!store) return;
  const failed: string[] = [];
  for (const t of tasks) {
    try {
      await store.put(t);
    } catch (e) {
      failed.push(`"${t.name}": ${reason(e)}`);
    }
  }
  tasksState.storageError = failed.length === 0
    ? null
    : `Not kept in browser storage (usable until the page is reloaded): ${failed.join('; ')}`;
}

/** How each task was split, for the import note and the imported tasks' table. */
export function splitLabel(t: LoadedTask): string {
  return t.tableSplit ? describeTableSplit(t.tableSplit) : `as in its files (K=${t.k})`;
}

// ---- the three task lists ----------------------------------------------------------------------

let builtinRows: TaskRow[] | null = null;

/** The built-in world's tasks (generated once, ~0.2 s, on first use). */
export function builtinTaskRows(): TaskRow[] {
  builtinRows ??= builtinTasks(100).map((t) => ({
    name: t.name,
    category: t.category,
    metric: t.metric,
    k: t.k,
    seeds: [...CROSSFIT_SEEDS],
    train: t.train.length,
    dev: t.dev.length,
    test: t.test.length,
  }));
  return builtinRows;
}

export function builtinFamilies(): readonly TaskFamilyInfo[] {
  return TASK_FAMILIES;
}

export function crossfitTaskRows(): TaskRow[] {
  return catalogueTaskNames()
    .sort()
    .map((name) => {
      const e = catalogueEntry(name)!;
      const loaded = imported.list.find((t) => t.name === name);
      const s = loaded ? summarize(loaded) : null;
      return {
        name,
        category: e.category,
        metric: e.metric,
        k: s?.k ?? null,
        seeds: s ? [...s.seeds] : [],
        train: s?.splits.train ?? null,
        dev: s?.splits.dev ?? null,
        test: s?.splits.test ?? null,
      };
    });
}

export function importedTaskRows(): TaskRow[] {
  return imported.list.map((t) => {
    const s = summarize(t);
    return { name: s.name, category: s.category, metric: s.metric, k: s.k, seeds: [...s.seeds], ...s.splits };
  });
}

export function taskRows(source: TaskSourceName = tasksState.source): TaskRow[] {
  return source === 'builtin' ? builtinTaskRows() : source === 'crossfit' ? crossfitTaskRows() : importedTaskRows();
}

// ---- splits ------------------------------------------------------------------------------------

/** The named split for a source, restricted to the tasks that source has. */
export function namedSplit(source: TaskSourceName, split: TaskSplitName): { train: string[]; test: string[]; testOutOfDomain: string[] } {
  if (source === 'builtin') {
    const s = builtinSplits()[split];
    return { train: s.train, test: s.test, testOutOfDomain: s.testOutOfDomain ?? [] };
  }
  const s = taskSplit(split);
  const keep = (names: readonly string[]) =>
    source === 'crossfit' ? [...names] : names.filter((n) => imported.list.some((t) => t.name === n));
  return { train: keep(s.train), test: keep(s.testInDomain), testOutOfDomain: keep(s.testOutOfDomain) };
}

export function roleOf(name: string, source: TaskSourceName = tasksState.source): TaskRole {
  return tasksState.custom[source][name] ?? 'none';
}

export function setRole(name: string, role: TaskRole, source: TaskSourceName = tasksState.source): void {
  if (role === 'none') delete tasksState.custom[source][name];
  else tasksState.custom[source][name] = role;
}

/** Starts a custom split from the current named one (so "custom" means "edit this split"). */
export function customFromSplit(split: TaskSplitName, source: TaskSourceName = tasksState.source): void {
  const s = namedSplit(source, split);
  const roles: Record<string, TaskRole> = {};
  for (const n of s.train) roles[n] = 'train';
  for (const n of [...s.test, ...s.testOutOfDomain]) roles[n] = 'test';
  tasksState.custom[source] = roles;
}

/** The current selection, as plain data for the Run screen. */
export function selectedTaskSet(): SelectedTaskSet {
  const { source, split } = tasksState;
  if (split === 'custom') {
    const names = new Set(taskRows(source).map((r) => r.name));
    const roles = Object.entries(tasksState.custom[source]).filter(([n]) => names.has(n));
    return {
      source,
      split,
      train: roles.filter(([, r]) => r === 'train').map(([n]) => n).sort(),
      test: roles.filter(([, r]) => r === 'test').map(([n]) => n).sort(),
      testOutOfDomain: [],
    };
  }
  return { source, split, ...namedSplit(source, split) };
}

// ---- imports -----------------------------------------------------------------------------------

/** Imported tasks as loaded (all seeds), for sending their data to the engine. */
export function importedTasks(): readonly LoadedTask[] {
  return imported.list;
}


/**
 * Parses in the tasks worker so a large folder does not freeze the page; where that worker cannot
 * start, on this thread after a yield (the "importing" state paints first).
 */
async function parseOffThread(request: TaskImportParams): Promise<LoadResult> {
  const onThisThread = async () => {
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    return 'files' in request ? loadPickedFiles(request.files) : loadFromUrls(request.urls);
  };
  if (typeof Worker === 'undefined') return onThisThread();
  let reply: TaskImportResult;
  try {
    reply = await tasksWorker.importTasks(request);
  } catch (error) {
    // The worker could not be created or its script failed to load (the bridge lets the next call try a fresh one).
    if (error instanceof EngineError && error.code === 'WORKER_CRASHED') return onThisThread();
    throw error;
  }
  if (!reply.ok) throw new TaskError(reply.problems);
  return reply.loaded;
}

async function importFrom(request: TaskImportParams, what: string): Promise<boolean> {
  tasksState.importing = true;
  tasksState.importProblems = null;
  tasksState.importNote = '';
  try {
    const result = await parseOffThread(request);
    // A task imported again replaces the earlier copy; the others are kept.
    const names = new Set(result.tasks.map((t) => t.name));
    imported.list = [...imported.list.filter((t) => !names.has(t.name)), ...result.tasks].sort(byName);
    // Stored before the note appears, so "Imported" means it will still be there after a reload.
    await persist(result.tasks);
    const ignored = result.ignored.length > 0 ? ` (${result.ignored.length} file${result.ignored.length === 1 ? '' : 's'} ignored)` : '';
    const tables = result.tasks.filter((t) => t.tableSplit).map((t) => ` ${t.name}: ${splitLabel(t)}.`).join('');
    tasksState.importNote = `Imported ${result.tasks.length} task${result.tasks.length === 1 ? '' : 's'} from ${what}${ignored}: ${[...names].join(', ')}.${tables}`;
    return true;
  } catch (error) {
    tasksState.importProblems =
      error instanceof TaskError
        ? [...error.problems]
        : [{ code: 'fetch-failed', message: `${what}: ${error instanceof Error ? error.message : String(error)}` }];
    return false;
  } finally {
    tasksState.importing = false;
  }
}

export function importPicked(files: readonly PickedFile[], what = 'the picked files'): Promise<boolean> {
  return importFrom({ files: [...files] }, what);
}

/** URLs, one per entry; a CrossFit file's name is enough for the loader to place it. */
export function importUrls(urls: readonly string[]): Promise<boolean> {
  const base = globalThis.location?.href;
  const resolved = urls.map((u) => (base ? new URL(u, base).href : u));
  return importFrom({ urls: resolved }, urls.length === 1 ? urls[0]! : `${urls.length} URLs`);
}

/** Removes an imported task from the page and from browser storage (the list changes once storage has). */
export async function removeImported(name: string): Promise<void> {
  try {
    await store?.delete(name);
  } catch (e) {
    tasksState.storageError = `"${name}" could not be removed from browser storage (it comes back after a reload): ${reason(e)}`;
  }
  imported.list = imported.list.filter((t) => t.name !== name);
  delete tasksState.custom.imported[name];
}

/** Sets an imported task's category and/or metric (throws TaskError for a bad value), here and in storage. */
export function recategorize(name: string, change: Recategorize): void {
  imported.list = imported.list.map((t) => (t.name === name ? withLoadedCategory(t, change) : t));
  const changed = imported.list.find((t) => t.name === name);
  if (changed) void persist([changed]);
}
