// Task files from a path in Node: a folder (read recursively) or a single file, then the shared
// core loader. Errors name the real path on disk, not the relative one the core saw.

import type { Stats } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { decodeUtf8, loadTasks, TaskError, type LoadOptions, type LoadResult, type TaskProblem, type TextFile } from '../shared/tasks/index';
import { InputFileError, readRegularFile, statInput } from './files';

/** One task file (TSV, JSONL, CSV, tasks.json): few-shot splits are kilobytes, whole datasets megabytes. */
export const MAX_TASK_FILE_BYTES = 256 * 2 ** 20;

/** Reads one task file (`name` as the core sees it); a device, FIFO or oversized file is a TaskError. */
function readTaskFile(name: string, path: string): TextFile {
  try {
    return decodeUtf8(name, readRegularFile(path, MAX_TASK_FILE_BYTES, 'a task file'));
  } catch (err) {
    // Named as the core would name it (the message starts with the path), for onDisk to map back.
    if (err instanceof InputFileError) throw new TaskError([{ code: err.reason, file: name, message: name + err.message.slice(path.length) }]);
    throw err;
  }
}

/** The root must be a file or a folder; the problem names it as given. */
function statRoot(root: string): Stats {
  try {
    return statInput(root, { folder: true });
  } catch (err) {
    if (err instanceof InputFileError) throw new TaskError([{ code: err.reason, file: root, message: err.message }]);
    throw err;
  }
}

/** Hidden folders (.git, ...) are skipped; paths are relative to `root`, with `/` separators. */
export async function readTextFilesFromPath(root: string): Promise<TextFile[]> {
  const info = statRoot(root);
  if (info.isFile()) return [readTaskFile(basename(root), root)];
  const out: TextFile[] = [];
  const problems: TaskProblem[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.') && e.name !== 'node_modules') await walk(full);
      } else if (e.isFile()) {
        try {
          out.push(readTaskFile(relative(root, full).split(sep).join('/'), full));
        } catch (err) {
          if (!(err instanceof TaskError)) throw err;
          problems.push(...err.problems);
        }
      }
    }
  };
  await walk(root);
  if (problems.length > 0) throw new TaskError(problems);
  return out;
}

/** Points a problem's file back at the real path (`root` joined with the relative path). */
function onDisk(root: string, isFile: boolean, p: TaskProblem): TaskProblem {
  if (p.file === undefined) return p;
  const real = isFile ? root : join(root, p.file);
  return { ...p, file: real, message: p.message.startsWith(p.file) ? real + p.message.slice(p.file.length) : p.message };
}

/** Loads every task under `path`; throws TaskError whose problems name files as they are on disk. */
export async function loadTasksFromPath(path: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const isFile = statRoot(path).isFile();
  try {
    return loadTasks(await readTextFilesFromPath(path), opts);
  } catch (err) {
    if (err instanceof TaskError) throw new TaskError(err.problems.map((p) => onDisk(path, isFile, p)));
    throw err;
  }
}
