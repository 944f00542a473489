// IndexedDB run store for the worker (database "intrinsic-lab-runs").
// Two object stores: `headers` (small; listing never loads tensors) and `tensors` (Float32Arrays,
// stored by structured clone). A record's header and tensors are written in ONE readwrite
// transaction, so a crash, a quota error or a closed tab leaves the old record or the new
// one, never half of each.

import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import {
  RunStoreError, validateRunRecord,
  type RunRecord, type RunRecordHeader, type RunStore, type StoredTensor,
} from '../shared/study/runStore';
import { writeAllOrNothing } from './idb';

const RUNS_DB_NAME = 'intrinsic-lab-runs';
const DB_VERSION = 1;

interface RunsDb extends DBSchema {
  headers: { key: string; value: RunRecordHeader };
  tensors: { key: string; value: { key: string; tensors: Record<string, StoredTensor> } };
}

export class IdbRunStore implements RunStore {
  private dbPromise: Promise<IDBPDatabase<RunsDb>> | null = null;

  constructor(private readonly dbName = RUNS_DB_NAME) {}

  private db(): Promise<IDBPDatabase<RunsDb>> {
    this.dbPromise ??= openDB<RunsDb>(this.dbName, DB_VERSION, {
      upgrade(db) {
        if (!db.objectStoreNames.contains('headers')) db.createObjectStore('headers', { keyPath: 'key' });
        if (!db.objectStoreNames.contains('tensors')) db.createObjectStore('tensors', { keyPath: 'key' });
      },
    });
    return this.dbPromise;
  }

  async put(c: RunRecord): Promise<void> {
    validateRunRecord(c);
    const db = await this.db();
    const header: RunRecordHeader = { key: c.key, kind: c.kind, step: c.step, savedAt: c.savedAt, meta: c.meta };
    const tensors: Record<string, StoredTensor> = {};
    for (const [k, t] of Object.entries(c.tensors)) tensors[k] = { shape: [...t.shape], data: t.data };
    const tx = db.transaction(['headers', 'tensors'], 'readwrite');
    try {
      const bytes = JSON.stringify(header).length + Object.values(tensors).reduce((n, t) => n + t.data.byteLength, 0);
      await writeAllOrNothing(tx, [() => tx.objectStore('headers').put(header), () => tx.objectStore('tensors').put({ key: c.key, tensors })], { what: `record "${c.key}"`, bytes });
    } catch (e) {
      const why = e instanceof Error ? e.message || e.name : String(e);
      throw new RunStoreError(`IndexedDB "${this.dbName}": writing record "${c.key}" failed, nothing was written: ${why}`);
    }
  }

  async get(key: string): Promise<RunRecord | undefined> {
    const db = await this.db();
    const tx = db.transaction(['headers', 'tensors'], 'readonly');
    const [header, blob] = await Promise.all([tx.objectStore('headers').get(key), tx.objectStore('tensors').get(key), tx.done]);
    if (!header) return undefined;
    if (!blob) throw new RunStoreError(`IndexedDB "${this.dbName}": record "${key}" has a header but no tensors`);
    return { ...header, tensors: blob.tensors };
  }

  async list(prefix = ''): Promise<RunRecordHeader[]> {
    const db = await this.db();
    // Keys sort as strings; '\uffff' bounds every key that starts with `prefix`.
    const range = prefix ? IDBKeyRange.bound(prefix, `${prefix}\uffff`) : undefined;
    return db.getAll('headers', range);
  }

  async delete(key: string): Promise<void> {
    const db = await this.db();
    const tx = db.transaction(['headers', 'tensors'], 'readwrite');
    await Promise.all([tx.objectStore('headers').delete(key), tx.objectStore('tensors').delete(key), tx.done]);
  }

  close(): void {
    void this.dbPromise?.then((db) => db.close());
    this.dbPromise = null;
  }
}
