// The imported-task store: whole tasks round-trip by name, a put is validated first and is one
// transaction (a quota error writes nothing and keeps the old record, as a StorageQuotaError), and
// a stored record that no longer reads as a task is reported by name, never silently dropped.
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadTasks, TaskError, type LoadedTask } from '../../../src/shared/tasks/index';
import { StorageQuotaError } from '../../../src/storage/idb';
import { TASKS_DB_NAME, TaskStore } from '../../../src/storage/taskStore';

let dbCount = 0;
const stores: TaskStore[] = [];
function freshStore(): { store: TaskStore; name: string } {
  const name = `tasks-test-${dbCount++}`;
  const store = new TaskStore(name);
  stores.push(store);
  return { store, name };
}
afterEach(async () => {
  vi.restoreAllMocks();
  for (const s of stores.splice(0)) await s.close();
});

const table = (name: string, n = 20): LoadedTask => {
  const rows = Array.from({ length: n }, (_, i) => `text ${i}\t${i % 2 ? 'positive' : 'negative'}`);
  return loadTasks([{ path: `${name}.tsv`, text: `input\toutput\n${rows.join('\n')}\n` }]).tasks[0]!;
};

async function raw(name: string): Promise<unknown[]> {
  const db = await openDB(name);
  // A store that never wrote has not even created its object store.
  const all = db.objectStoreNames.contains('tasks') ? await db.getAll('tasks') : [];
  db.close();
  return all;
}

describe('TaskStore', () => {
  it('uses its own database', () => {
    expect(TASKS_DB_NAME).toBe('intrinsic-lab-tasks');
  });

  it('stores whole tasks by name, lists them sorted, replaces by name and deletes', async () => {
    const { store } = freshStore();
    const b = table('reviews');
    const a = table('animals', 12);
    await store.put(b);
    await store.put(a);
    expect(await store.list()).toEqual({ tasks: [a, b], unreadable: [] });
    const again = table('reviews', 30);
    await store.put(again);
    expect((await store.list()).tasks).toEqual([a, again]);
    await store.delete('reviews');
    expect((await store.list()).tasks).toEqual([a]);
  });

  it('validates before writing: an invalid task is refused by field and nothing is stored', async () => {
    const { store, name } = freshStore();
    const good = table('reviews');
    const bad = { ...good, bySeed: good.bySeed.map((t, i) => (i === 2 ? { ...t, dev: [{ input: 'x', outputs: [] }] } : t)) };
    await expect(store.put(bad)).rejects.toThrow(TaskError);
    await expect(store.put(bad)).rejects.toThrow('task "reviews": not a valid task: bySeed[2].dev[0].outputs must be a non-empty list of strings');
    expect(await raw(name)).toEqual([]);
  });

  it('turns a quota error into a StorageQuotaError and keeps the old record', async () => {
    const { store, name } = freshStore();
    const old = table('reviews');
    await store.put(old);
    const before = await raw(name);
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw Object.assign(new Error('quota'), { name: 'QuotaExceededError' });
    });
    const write = store.put(table('reviews', 30));
    await expect(write).rejects.toBeInstanceOf(StorageQuotaError);
    await expect(write).rejects.toThrow(/task "reviews" needs about [\d.]+ MB/);
    vi.restoreAllMocks();
    expect(await raw(name)).toEqual(before);
  });

  it('reports a stored record that is not a task (or of another version), keeps it, and still lists the good ones', async () => {
    const { store, name } = freshStore();
    const good = table('reviews');
    await store.put(good);
    await store.close();
    const db = await openDB(name);
    const broken = { ...good, name: 'broken', metric: 'BLEU', bySeed: good.bySeed.map((t) => ({ ...t, name: 'broken', metric: 'BLEU' })) };
    await db.put('tasks', { name: 'broken', version: 1, storedAt: 1, task: broken });
    await db.put('tasks', { name: 'future', version: 2, storedAt: 1, task: good });
    db.close();
    const listed = await store.list();
    expect(listed.tasks).toEqual([good]);
    expect(listed.unreadable).toEqual([
      { name: 'broken', message: expect.stringMatching(/^stored task "broken": not a valid task: metric must be one of ACC, /) },
      { name: 'future', message: 'stored task "future": record version 2, this app reads version 1' },
    ]);
    expect(await raw(name)).toHaveLength(3);
  });
});
