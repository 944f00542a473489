// Where a study's records go: the checkpoint of a running unit (`ckpt/<unit>`), a finished unit's
// result (`result/<unit>`), and, in the app, each study's registry entry and results table. The
// engine only sees this interface; the worker plugs in IndexedDB (src/storage/runStore.ts), the CLI
// a directory (src/node/runStore.ts), tests the memory store below. "Checkpoint" means only the
// first kind: the resumable state of a unit that has not finished.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export interface StoredTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface RunRecord {
  /** Unique, '/'-separated: "ckpt/<unit key>", "result/<unit key>", "study/<id>", ... (see src/shared/study/plan.ts for unit keys). */
  readonly key: string;
  /** 'pt' | 'msf' | 'ist' | 'result' | ...: what `meta` and `tensors` hold. */
  readonly kind: string;
  /** Optimiser steps done when it was written. */
  readonly step: number;
  /** ISO time; informational only (never part of a result's identity). */
  readonly savedAt: string;
  /** Resolved config, loop state (RNG words, batch order, best dev score), status. JSON only. */
  readonly meta: { readonly [k: string]: JsonValue };
  readonly tensors: Readonly<Record<string, StoredTensor>>;
}

export type RunRecordHeader = Omit<RunRecord, 'tensors'>;

export interface RunStore {
  /** Writes the record whole, or not at all, replacing any with the same key. */
  put(record: RunRecord): Promise<void>;
  get(key: string): Promise<RunRecord | undefined>;
  /** Headers (no tensors) of the records whose key starts with `prefix`, sorted by key. */
  list(prefix?: string): Promise<RunRecordHeader[]>;
  delete(key: string): Promise<void>;
}

export class RunStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunStoreError';
  }
}

/** Checks a record before it is written, so a store never holds one it cannot read back. */
export function validateRunRecord(c: RunRecord): void {
  if (typeof c.key !== 'string' || c.key.length === 0) throw new RunStoreError('record key must be a non-empty string');
  if (!Number.isInteger(c.step) || c.step < 0) throw new RunStoreError(`record "${c.key}": step must be a non-negative integer, got ${c.step}`);
  for (const [name, t] of Object.entries(c.tensors)) {
    if (!(t.data instanceof Float32Array)) throw new RunStoreError(`record "${c.key}": tensor "${name}" must hold a Float32Array`);
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new RunStoreError(`record "${c.key}": tensor "${name}" has ${t.data.length} values, shape ${JSON.stringify(t.shape)} needs ${n}`);
  }
}

function copy(c: RunRecord): RunRecord {
  const tensors: Record<string, StoredTensor> = {};
  for (const [k, t] of Object.entries(c.tensors)) tensors[k] = { shape: [...t.shape], data: t.data.slice() };
  return { key: c.key, kind: c.kind, step: c.step, savedAt: c.savedAt, meta: JSON.parse(JSON.stringify(c.meta)) as RunRecord['meta'], tensors };
}

/** Keeps deep copies, so later changes to the caller's arrays never leak into a stored record. */
export class MemoryRunStore implements RunStore {
  private readonly items = new Map<string, RunRecord>();

  async put(record: RunRecord): Promise<void> {
    validateRunRecord(record);
    this.items.set(record.key, copy(record));
  }

  async get(key: string): Promise<RunRecord | undefined> {
    const c = this.items.get(key);
    return c && copy(c);
  }

  async list(prefix = ''): Promise<RunRecordHeader[]> {
    return [...this.items.values()]
      .filter((c) => c.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((c) => {
        const { tensors: _t, ...info } = copy({ ...c, tensors: {} });
        return info;
      });
  }

  async delete(key: string): Promise<void> {
    this.items.delete(key);
  }
}
