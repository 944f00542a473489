// IndexedDB helpers shared by the stores of this folder.

/** The parts of an idb readwrite transaction that writeAllOrNothing uses. */
interface WriteTransaction {
  readonly done: Promise<void>;
  /** The transaction's own error once it aborted (a quota error may land here, not on a request). */
  readonly error?: DOMException | null;
  abort(): void;
}

export function isQuotaError(e: unknown): boolean {
  const name = (e as { name?: unknown } | null)?.name;
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED';
}

type Estimate = () => Promise<{ usage?: number; quota?: number }>;

function defaultEstimate(): Estimate | undefined {
  const storage = (globalThis as { navigator?: { storage?: { estimate?: Estimate } } }).navigator?.storage;
  return storage?.estimate ? () => storage.estimate!() : undefined;
}

const MB = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** The browser refused the write for lack of space: says how much it needed and how much there is. */
export class StorageQuotaError extends Error {
  constructor(
    message: string,
    readonly bytesNeeded: number,
    readonly quota: number | null,
    readonly usage: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageQuotaError';
  }
}

interface WriteInfo {
  /** What is written, for the quota message ("record \"ckpt/...\""). */
  readonly what: string;
  /** About how many bytes the write stores. */
  readonly bytes: number;
  /** Storage estimate (default navigator.storage.estimate, where there is one). */
  readonly estimate?: Estimate;
}

async function quotaError(info: WriteInfo, cause: unknown): Promise<StorageQuotaError> {
  const est = await (info.estimate ?? defaultEstimate())?.().catch(() => null);
  const quota = typeof est?.quota === 'number' ? est.quota : null;
  const usage = typeof est?.usage === 'number' ? est.usage : null;
  const figures = quota !== null
    ? `${MB(usage ?? 0)} of the ${MB(quota)} storage quota are used, ${MB(Math.max(0, quota - (usage ?? 0)))} free`
    : 'the browser does not say how much it allows';
  return new StorageQuotaError(
    `the browser's storage quota is full: ${info.what} needs about ${MB(info.bytes)}; ${figures}. Delete cached models or old studies, or allow persistent storage`,
    info.bytes, quota, usage, { cause },
  );
}

/**
 * Issues every write of `tx` at once (each of `writes` issues one request), before anything is
 * awaited, and waits for all of them and the commit. On any failure the transaction is aborted, so
 * nothing of it is written, and the first error is rethrown; a quota error, on a request or on the
 * transaction, becomes a StorageQuotaError naming the quota, `info`'s size and the free space.
 * Each request gets a handler as soon as it exists: an aborted transaction rejects all of them, and
 * none may go unhandled. A request that cannot even be queued (a DataCloneError is thrown
 * synchronously) aborts the ones queued before it; put the big write last.
 */
export async function writeAllOrNothing(tx: WriteTransaction, writes: readonly (() => Promise<unknown>)[], info?: WriteInfo): Promise<void> {
  const pending: Promise<unknown>[] = [];
  const track = (p: Promise<unknown>) => {
    pending.push(p);
    p.catch(() => undefined);
  };
  try {
    track(tx.done);
    for (const write of writes) track(write());
    await Promise.all(pending);
  } catch (e) {
    try {
      tx.abort();
    } catch {
      /* already finished or aborted */
    }
    await tx.done.catch(() => undefined);
    const cause = isQuotaError(e) ? e : isQuotaError(tx.error) ? tx.error : null;
    if (cause && info) throw await quotaError(info, cause);
    throw e;
  }
}
