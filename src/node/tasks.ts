// Task files from a path in Node: a folder (read recursively) or a single file, then the shared
// core loader. Errors name the real path on disk, not the relative one the core saw.

import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { decodeUtf8, loadTasks, TaskError, type LoadOptions, type LoadResult, type TaskProblem, type TextFile } from '../shared/tasks/index';

/** Hidden folders (.git, ...) are skipped; paths are relative to `root`, with `/` separators. */
export async function readTextFilesFromPath(root: string): Promise<TextFile[]> {
  const info = await stat(root);
  if (info.isFile()) return [decodeUtf8(basename(root), await readFile(root))];
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
          out.push(decodeUtf8(relative(root, full).split(sep).join('/'), await readFile(full)));
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
  let isFile = false;
  try {
    isFile = (await stat(path)).isFile();
    return loadTasks(await readTextFilesFromPath(path), opts);
  } catch (err) {
    if (err instanceof TaskError) throw new TaskError(err.problems.map((p) => onDisk(path, isFile, p)));
    throw err;
  }
}
