// IndexedDB helpers shared by the stores of this folder.

/** The parts of an idb readwrite transaction that writeAllOrNothing uses. */
interface WriteTransaction {
  readonly done: Promise<void>;
  abort(): void;
}

/**
 * Issues every write of `tx` at once (each of `writes` issues one request), before anything is
 * awaited, and waits for all of them and the commit. On any failure the transaction is aborted, so
 * nothing of it is written, and the first error is rethrown (the caller may read tx.error for more).
 * Each request gets a handler as soon as it exists: an aborted transaction rejects all of them, and
 * none may go unhandled. A request that cannot even be queued (a DataCloneError is thrown
 * synchronously) aborts the ones queued before it; put the big write last.
 */
export async function writeAllOrNothing(tx: WriteTransaction, writes: readonly (() => Promise<unknown>)[]): Promise<void> {
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
    throw e;
  }
}
