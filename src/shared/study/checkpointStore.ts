// Where training state and finished results go. The core only sees this interface; the worker
// plugs in IndexedDB (src/storage/checkpointStore.ts), the CLI a directory (src/node/checkpoints.ts),
// tests the memory store below.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export interface StoredTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface Checkpoint {
  /** Unique, '/'-separated, e.g. "pt/glue-sst2/d13/r42/lr0.0001-b8". */
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

export type CheckpointInfo = Omit<Checkpoint, 'tensors'>;

export interface CheckpointStore {
  /** Writes the checkpoint whole, or not at all, replacing any with the same key. */
  put(checkpoint: Checkpoint): Promise<void>;
  get(key: string): Promise<Checkpoint | undefined>;
  /** Headers (no tensors) of the checkpoints whose key starts with `prefix`, sorted by key. */
  list(prefix?: string): Promise<CheckpointInfo[]>;
  delete(key: string): Promise<void>;
}

export class CheckpointStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointStoreError';
  }
}

/** Checks a checkpoint before it is written, so a store never holds one it cannot read back. */
export function validateCheckpoint(c: Checkpoint): void {
  if (typeof c.key !== 'string' || c.key.length === 0) throw new CheckpointStoreError('checkpoint key must be a non-empty string');
  if (!Number.isInteger(c.step) || c.step < 0) throw new CheckpointStoreError(`checkpoint "${c.key}": step must be a non-negative integer, got ${c.step}`);
  for (const [name, t] of Object.entries(c.tensors)) {
    if (!(t.data instanceof Float32Array)) throw new CheckpointStoreError(`checkpoint "${c.key}": tensor "${name}" must hold a Float32Array`);
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new CheckpointStoreError(`checkpoint "${c.key}": tensor "${name}" has ${t.data.length} values, shape ${JSON.stringify(t.shape)} needs ${n}`);
  }
}

function copy(c: Checkpoint): Checkpoint {
  const tensors: Record<string, StoredTensor> = {};
  for (const [k, t] of Object.entries(c.tensors)) tensors[k] = { shape: [...t.shape], data: t.data.slice() };
  return { key: c.key, kind: c.kind, step: c.step, savedAt: c.savedAt, meta: JSON.parse(JSON.stringify(c.meta)) as Checkpoint['meta'], tensors };
}

/** Keeps deep copies, so later changes to the caller's arrays never leak into a stored checkpoint. */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly items = new Map<string, Checkpoint>();

  async put(checkpoint: Checkpoint): Promise<void> {
    validateCheckpoint(checkpoint);
    this.items.set(checkpoint.key, copy(checkpoint));
  }

  async get(key: string): Promise<Checkpoint | undefined> {
    const c = this.items.get(key);
    return c && copy(c);
  }

  async list(prefix = ''): Promise<CheckpointInfo[]> {
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
