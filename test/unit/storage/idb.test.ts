// writeAllOrNothing's quota path: a QuotaExceededError, on a request or only on the transaction,
// becomes a StorageQuotaError that names the quota, the bytes needed and the bytes free (it said
// "nothing was written ()" before). A fake transaction stands in: fake-indexeddb has no quota.
import { describe, expect, it } from 'vitest';
import { StorageQuotaError, writeAllOrNothing } from '../../../src/storage/idb';

const quota = () => Object.assign(new Error(''), { name: 'QuotaExceededError' });

function fakeTx(error: Error | null) {
  let aborted = false;
  const done = new Promise<void>((resolve, reject) => queueMicrotask(() => (error ? reject(error) : resolve())));
  return { tx: { done, get error() { return aborted ? (error as DOMException | null) : null; }, abort: () => void (aborted = true) }, aborted: () => aborted };
}

const estimate = async () => ({ usage: 9_900_000, quota: 10_000_000 });

describe('writeAllOrNothing on a full quota', () => {
  it('names the quota, the bytes needed and the bytes free, and aborts the transaction', async () => {
    const { tx, aborted } = fakeTx(quota());
    const write = writeAllOrNothing(tx, [() => Promise.reject(quota())], { what: 'record "ckpt/x"', bytes: 2_500_000, estimate });
    await expect(write).rejects.toBeInstanceOf(StorageQuotaError);
    await expect(write).rejects.toMatchObject({
      bytesNeeded: 2_500_000, quota: 10_000_000, usage: 9_900_000,
      message: `the browser's storage quota is full: record "ckpt/x" needs about 2.5 MB; 9.9 MB of the 10.0 MB storage quota are used, 0.1 MB free. Delete cached models or old studies, or allow persistent storage`,
    });
    expect(aborted()).toBe(true);
  });

  it('finds the quota error on the transaction when the request failed with an AbortError', async () => {
    const { tx } = fakeTx(quota());
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    await expect(writeAllOrNothing(tx, [() => Promise.reject(abort)], { what: 'x', bytes: 10, estimate })).rejects.toBeInstanceOf(StorageQuotaError);
  });

  it('says so when the browser gives no estimate', async () => {
    const { tx } = fakeTx(quota());
    await expect(writeAllOrNothing(tx, [() => Promise.reject(quota())], { what: 'x', bytes: 1e6, estimate: () => Promise.reject(new Error('blocked')) }))
      .rejects.toThrow(/x needs about 1\.0 MB; the browser does not say how much it allows/);
  });

  it('passes other errors through unchanged', async () => {
    const boom = new Error('boom');
    const { tx } = fakeTx(boom);
    await expect(writeAllOrNothing(tx, [() => Promise.reject(boom)], { what: 'x', bytes: 1 })).rejects.toBe(boom);
  });
});
