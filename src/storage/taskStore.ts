// IndexedDB store for imported tasks (database "intrinsic-lab-tasks"), so a task imported on the
// Tasks screen is still there after a reload. One record per task, keyed by its name, holding the
// whole LoadedTask (all seeds): the screen needs every example anyway, so there is no separate
// summary. Every put validates the task first and writes it in ONE readwrite transaction
// (writeAllOrNothing): a quota error or a closed tab leaves the old record or the new one.

import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { LoadedTask } from '../shared/tasks/types';
import { TaskError } from '../shared/tasks/errors';
import { validateLoadedTask } from '../shared/tasks/validate';
import { writeAllOrNothing } from './idb';

export const TASKS_DB_NAME = 'intrinsic-lab-tasks';
const DB_VERSION = 1;
/** The record's layout; a record of another version is reported, not guessed at. */
const RECORD_VERSION = 1;

interface StoredTask {
  readonly name: string;
  readonly version: number;
  /** Milliseconds since the epoch. */
  readonly storedAt: number;
  readonly task: LoadedTask;
}

interface TasksDb extends DBSchema {
  tasks: { key: string; value: StoredTask };
}

/** A stored record that could not be read back as a task: kept in the database, reported to the user. */
export interface UnreadableTask {
  readonly name: string;
  readonly message: string;
}

export interface StoredTasks {
  /** Sorted by name. */
  readonly tasks: LoadedTask[];
  readonly unreadable: UnreadableTask[];
}

export class TaskStore {
  private dbPromise: Promise<IDBPDatabase<TasksDb>> | null = null;

  constructor(private readonly dbName = TASKS_DB_NAME) {}

  private db(): Promise<IDBPDatabase<TasksDb>> {
    this.dbPromise ??= openDB<TasksDb>(this.dbName, DB_VERSION, {
      upgrade(db) {
        if (!db.objectStoreNames.contains('tasks')) db.createObjectStore('tasks', { keyPath: 'name' });
      },
    }).catch((e: unknown) => {
      this.dbPromise = null;
      throw new Error(`IndexedDB "${this.dbName}" could not be opened (${(e as Error)?.message ?? String(e)})`, { cause: e });
    });
    return this.dbPromise;
  }

  /**
   * Validates `task`, then stores it (replacing a task of the same name) in one transaction.
   * Throws the TaskError of an invalid task (nothing written), StorageQuotaError when the browser's
   * quota is full, or the store's error; in every case nothing of this task was written.
   */
  async put(task: LoadedTask): Promise<void> {
    validateLoadedTask(task, `task "${task.name}"`);
    const record: StoredTask = { name: task.name, version: RECORD_VERSION, storedAt: Date.now(), task };
    const db = await this.db();
    const tx = db.transaction('tasks', 'readwrite');
    // About what the record takes (UTF-16 strings); only for the quota message.
    const bytes = 2 * JSON.stringify(task).length;
    await writeAllOrNothing(tx, [() => tx.store.put(record)], { what: `task "${task.name}"`, bytes });
  }

  /** Every stored task that reads back whole; the others are listed in `unreadable` (and left in place). */
  async list(): Promise<StoredTasks> {
    const db = await this.db();
    const records: unknown[] = await db.getAll('tasks');
    const tasks: LoadedTask[] = [];
    const unreadable: UnreadableTask[] = [];
    for (const r of records) {
      const name = typeof (r as { name?: unknown })?.name === 'string' ? (r as { name: string }).name : '(unnamed)';
      const where = `stored task "${name}"`;
      const version = (r as { version?: unknown })?.version;
      if (version !== RECORD_VERSION) {
        unreadable.push({ name, message: `${where}: record version ${String(version)}, this app reads version ${RECORD_VERSION}` });
        continue;
      }
      try {
        const task = validateLoadedTask((r as StoredTask).task, where);
        if (task.name !== name) throw new TaskError([{ code: 'bad-field', message: `${where}: holds task "${task.name}"` }]);
        tasks.push(task);
      } catch (e) {
        if (!(e instanceof TaskError)) throw e;
        unreadable.push({ name, message: e.problems[0]?.message ?? e.message });
      }
    }
    tasks.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { tasks, unreadable };
  }

  async delete(name: string): Promise<void> {
    const db = await this.db();
    const tx = db.transaction('tasks', 'readwrite');
    await Promise.all([tx.store.delete(name), tx.done]);
  }

  async close(): Promise<void> {
    if (this.dbPromise) (await this.dbPromise).close();
    this.dbPromise = null;
  }
}
