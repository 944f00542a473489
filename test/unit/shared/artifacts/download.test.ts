import { describe, expect, it } from 'vitest';
import { checkArtifactStart, fetchArtifactBytes, MAX_PROJECTOR_BYTES, readCapped } from '../../../../src/shared/artifacts/download';
import { encodeProjectorBundle } from '../../../../src/shared/artifacts/projector';
import { fixtureIdentity, referenceProjector, someTasks } from './support';

/** An endless (or `limit`-chunk) stream of `chunk`s that counts what was pulled and whether it was cancelled. */
function source(first: Uint8Array, chunk = new Uint8Array(64 * 1024), limit = Infinity) {
  const seen = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (seen.pulled >= limit) return c.close();
        c.enqueue(seen.pulled++ === 0 ? first : chunk);
      },
      cancel() {
        seen.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, seen };
}

/** A safetensors start: the u64 header length, then "{". */
function start(headerLen: number): Uint8Array {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setBigUint64(0, BigInt(headerLen), true);
  b[8] = 0x7b;
  return b;
}

const fakeFetch = (res: () => Response, calls: string[] = []) => (async (url: string | URL | Request) => {
  calls.push(String(url));
  return res();
}) as typeof fetch;

describe('readCapped', () => {
  it('stops at the cap and cancels the stream, without reading on', async () => {
    const { stream, seen } = source(start(100));
    await expect(readCapped(stream, 'big', { maxBytes: 1_000_000, total: null })).rejects.toMatchObject({ code: 'too-large', message: expect.stringMatching(/^big: more than 1\d{6} bytes, more than the 1000000 bytes/) });
    expect(seen.cancelled).toBe(true);
    expect(seen.pulled).toBe(Math.ceil(1_000_000 / 65536) + 1);
  });

  it('refuses at the first bytes when they cannot start an artifact', async () => {
    const huge = source(start(2 ** 40));
    await expect(readCapped(huge.stream, 'h', { maxBytes: 1e9, total: null, checkStart: (b) => checkArtifactStart(b, null, 'h') })).rejects.toMatchObject({ code: 'header-too-large' });
    expect(huge.seen).toEqual({ pulled: 1, cancelled: true });
    const zeros = source(new Uint8Array(9));
    await expect(readCapped(zeros.stream, 'z', { maxBytes: 1e9, total: null, checkStart: (b) => checkArtifactStart(b, null, 'z') })).rejects.toThrow(/^z: the header does not start with "\{"/);
    expect(zeros.seen.pulled).toBe(1);
  });

  it('waits for 9 bytes across chunks before judging the start, and checks the header fits the length', async () => {
    const bytes = start(50);
    const parts = [bytes.subarray(0, 3), bytes.subarray(3, 9), new Uint8Array(91)];
    const stream = new ReadableStream<Uint8Array>({ pull: (c) => void (parts.length ? c.enqueue(parts.shift()!) : c.close()) });
    expect((await readCapped(stream, 'ok', { maxBytes: 1000, total: 100, checkStart: (b) => checkArtifactStart(b, 100, 'ok') })).byteLength).toBe(100);
    expect(() => checkArtifactStart(start(200), 100, 'short')).toThrow(/^short: the first bytes claim a 200-byte header, but the file is 100 bytes/);
    const tiny = new ReadableStream<Uint8Array>({ start: (c) => { c.enqueue(new Uint8Array(5)); c.close(); } });
    await expect(readCapped(tiny, 't', { maxBytes: 1000, total: null, checkStart: (b) => checkArtifactStart(b, null, 't') })).rejects.toThrow(/^t: the file is 5 bytes, too short to start an artifact$/);
  });

  it('stops when the signal aborts, cancelling the stream', async () => {
    const { stream, seen } = source(start(100));
    const controller = new AbortController();
    let reports = 0;
    const reading = readCapped(stream, 'c', { maxBytes: 1e9, total: null, signal: controller.signal, onProgress: () => void (++reports === 3 && controller.abort()) });
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen.cancelled).toBe(true);
    expect(seen.pulled).toBeLessThanOrEqual(4);
  });

  it('says a body shorter than its Content-Length is truncated', async () => {
    const { stream } = source(start(10), new Uint8Array(10), 2);
    await expect(readCapped(stream, 'cut', { maxBytes: 1000, total: 500, checkStart: (b) => checkArtifactStart(b, 500, 'cut') })).rejects.toMatchObject({ code: 'truncated' });
  });
});

describe('fetchArtifactBytes', () => {
  it('refuses a URL outside the fetch rule without a request', async () => {
    const calls: string[] = [];
    const f = fakeFetch(() => new Response('x'), calls);
    for (const url of ['http://example.com/p.safetensors', 'data:application/octet-stream,abc', 'file:///p']) {
      await expect(fetchArtifactBytes(url, { fetch: f })).rejects.toMatchObject({ code: 'refused-url', message: expect.stringMatching(/^projector URL: only https URLs are fetched/) });
    }
    expect(calls).toEqual([]);
  });

  it('fetches a file of the app\'s own origin whatever its scheme (the shipped projector), and nothing else outside the rule', async () => {
    const bytes = encodeProjectorBundle({ identity: await fixtureIdentity(), promptLength: 5, weights: referenceProjector() });
    const calls: string[] = [];
    const f = fakeFetch(() => new Response(bytes as Uint8Array<ArrayBuffer>), calls);
    const app = 'http://lab.lan:8080/app/#/explore';
    await expect(fetchArtifactBytes('http://lab.lan:8080/app/models/p.safetensors', { fetch: f, appUrl: app })).resolves.toEqual(bytes);
    await expect(fetchArtifactBytes('http://lab.lan:8080/app/models/p.safetensors', { fetch: f })).rejects.toMatchObject({ code: 'refused-url' });
    await expect(fetchArtifactBytes('http://other.lan:8080/p.safetensors', { fetch: f, appUrl: app })).rejects.toMatchObject({ code: 'refused-url' });
    await expect(fetchArtifactBytes('data:application/octet-stream,abc', { fetch: f, appUrl: 'data:text/html,x' })).rejects.toMatchObject({ code: 'refused-url' });
    expect(calls).toEqual(['http://lab.lan:8080/app/models/p.safetensors']);
  });

  it('refuses a Content-Length over the cap before reading the body', async () => {
    const { stream, seen } = source(start(100));
    let started = false;
    const f = fakeFetch(() => new Response(stream, { headers: { 'content-length': String(MAX_PROJECTOR_BYTES + 1) } }));
    await expect(fetchArtifactBytes('https://big.test/p', { fetch: f, onStart: () => (started = true) })).rejects.toMatchObject({ code: 'too-large', message: expect.stringMatching(/^https:\/\/big\.test\/p: the server says it is 536870913 bytes, more than the 536870912 bytes \(512 MiB\)/) });
    expect(started).toBe(false);
    expect(seen.pulled).toBeLessThanOrEqual(1);
    expect(seen.cancelled).toBe(true);
  });

  it('downloads a bundle, telling its host and size before the body, then the progress', async () => {
    const bytes = encodeProjectorBundle({ identity: await fixtureIdentity(), promptLength: 5, weights: referenceProjector(), tasks: someTasks(referenceProjector().W2.shape[1]!) });
    const starts: unknown[] = [];
    let last = 0;
    const f = fakeFetch(() => new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-length': String(bytes.byteLength) } }));
    const got = await fetchArtifactBytes('https://host.test:8443/b.safetensors', { fetch: f, onStart: (s) => starts.push(s), onProgress: (loaded) => (last = loaded) });
    expect(got).toEqual(bytes);
    expect(starts).toEqual([{ url: 'https://host.test:8443/b.safetensors', host: 'host.test:8443', total: bytes.byteLength }]);
    expect(last).toBe(bytes.byteLength);
  });

  it('names the status of a failed answer', async () => {
    const f = fakeFetch(() => new Response('no', { status: 404, statusText: 'Not Found' }));
    await expect(fetchArtifactBytes('https://h.test/p', { fetch: f })).rejects.toMatchObject({ code: 'fetch-failed', message: 'https://h.test/p: server answered 404 Not Found' });
  });
});
