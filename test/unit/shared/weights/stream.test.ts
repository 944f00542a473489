import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../../../src/shared/weights/errors';
import { parseSafetensors, SafetensorsError, writeSafetensors } from '../../../../src/shared/weights/safetensors';
import { parseSafetensorsStream } from '../../../../src/shared/weights/stream';
import { tinyTensors } from './helpers';

/** Splits bytes at the given cut points (sorted, deduplicated). */
async function* split(bytes: Uint8Array, cuts: number[]) {
  let prev = 0;
  for (const c of [...new Set(cuts)].sort((a, b) => a - b)) {
    if (c <= prev || c >= bytes.byteLength) continue;
    yield bytes.subarray(prev, c);
    prev = c;
  }
  yield bytes.subarray(prev);
}

/** A file with every stored dtype the reader converts, at offsets that are not 4-aligned. */
function mixedDtypes(): Uint8Array {
  const parts: [string, string, number[], Uint8Array][] = [];
  const f16 = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3555]).buffer); // 1, -2, ~0.333
  const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0x4049]).buffer); // 1, 3.140625
  const i64 = new Uint8Array(new BigInt64Array([7n, -3n]).buffer);
  const f32 = new Uint8Array(new Float32Array([0.5, -1.25, 3e-8]).buffer);
  const i32 = new Uint8Array(new Int32Array([42]).buffer);
  parts.push(['a_f16', 'F16', [3], f16], ['b_f32', 'F32', [3], f32], ['c_bf16', 'BF16', [2], bf16], ['d_i64', 'I64', [2], i64], ['e_i32', 'I32', [1], i32]);
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let off = 0;
  for (const [name, dtype, shape, b] of parts) { header[name] = { dtype, shape, data_offsets: [off, off + b.byteLength] }; off += b.byteLength; }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  let pos = 8 + json.byteLength;
  for (const [, , , b] of parts) { out.set(b, pos); pos += b.byteLength; }
  return out;
}

function expectSameFile(a: ReturnType<typeof parseSafetensors>, b: ReturnType<typeof parseSafetensors>) {
  expect([...a.tensors.keys()].sort()).toEqual([...b.tensors.keys()].sort());
  for (const [name, t] of a.tensors) {
    const u = b.tensors.get(name)!;
    expect(u.dtype, name).toBe(t.dtype);
    expect(u.shape, name).toEqual(t.shape);
    expect(Array.from(u.data), name).toEqual(Array.from(t.data));
  }
  expect(a.metadata).toEqual(b.metadata);
}

describe('parseSafetensorsStream', () => {
  const files: [string, Uint8Array][] = [
    ['tiny writer output', writeSafetensors(tinyTensors(), { note: 'x' })],
    ['mixed dtypes, unaligned', mixedDtypes()],
    ['PyTorch-written parity checkpoint', new Uint8Array(readFileSync('test/fixtures/bart-parity/model.safetensors'))],
  ];

  for (const [label, bytes] of files) {
    it(`gives the in-memory reader's tensors for any chunking: ${label}`, async () => {
      const reference = parseSafetensors(bytes);
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 1, max: bytes.byteLength - 1 }), { maxLength: 12 }), async (cuts) => {
          expectSameFile(await parseSafetensorsStream(split(bytes, cuts), { totalBytes: bytes.byteLength }), reference);
        }),
        { numRuns: 40 },
      );
      // One byte at a time: every header/data boundary case at once.
      const bytewise = Array.from({ length: Math.min(bytes.byteLength, 4000) }, (_, i) => i + 1);
      if (bytes.byteLength <= 4000) expectSameFile(await parseSafetensorsStream(split(bytes, bytewise)), reference);
    });
  }

  it('hands the header to onHeader before reading data, and stops when it throws', async () => {
    const bytes = writeSafetensors(tinyTensors());
    const { dataStart } = parseSafetensors(bytes).header;
    let seen = 0;
    async function* counting() { for await (const c of split(bytes, [20, dataStart + 8, dataStart + 400])) { seen += c.byteLength; yield c; } }
    await expect(parseSafetensorsStream(counting(), { onHeader: (h) => { expect(h.entries.length).toBeGreaterThan(10); throw new Error('wrong model'); } })).rejects.toThrow('wrong model');
    expect(seen).toBe(dataStart + 8);
  });

  it('a body cut inside the data names the file and the first incomplete tensor', async () => {
    const bytes = writeSafetensors(tinyTensors());
    const ref = parseSafetensors(bytes);
    const last = [...ref.header.entries].sort((a, b) => b.begin - a.begin)[0]!;
    const cut = ref.header.dataStart + last.begin + 3;
    const err = await parseSafetensorsStream(split(bytes.subarray(0, cut), [100]), { source: 'hub/model.safetensors' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightsError);
    expect((err as WeightsError).code).toBe('truncated');
    expect((err as WeightsError).tensor).toBe(last.name);
    expect((err as WeightsError).message).toContain(`hub/model.safetensors: the file ended after ${cut} bytes but its header needs ${bytes.byteLength}`);
  });

  it('a body cut inside the header, or an absurd header length, is a clear error', async () => {
    const bytes = writeSafetensors(tinyTensors());
    const inHeader = await parseSafetensorsStream(split(bytes.subarray(0, 40), [9]), { source: 'f' }).catch((e: unknown) => e);
    expect((inHeader as WeightsError).code).toBe('truncated');
    expect((inHeader as Error).message).toMatch(/^f: the file ended after 40 bytes, inside the \d+-byte header/);
    const short = await parseSafetensorsStream(split(bytes.subarray(0, 5), []), { source: 'f' }).catch((e: unknown) => e);
    expect((short as SafetensorsError).code).toBe('truncated-header');
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
    const tooLarge = await parseSafetensorsStream(split(huge, []), { source: 'f' }).catch((e: unknown) => e);
    expect((tooLarge as SafetensorsError).code).toBe('header-too-large');
  });

  it('refuses bytes after the last tensor even when the total size was not announced', async () => {
    const bytes = writeSafetensors(tinyTensors());
    const longer = new Uint8Array(bytes.byteLength + 3);
    longer.set(bytes);
    for (const totalBytes of [null, longer.byteLength]) {
      const err = await parseSafetensorsStream(split(longer, [50, bytes.byteLength + 1]), { source: 'f', totalBytes }).catch((e: unknown) => e);
      expect(err, `totalBytes ${totalBytes}`).toBeInstanceOf(SafetensorsError);
      expect((err as SafetensorsError).code).toBe('offset-gap');
      expect((err as Error).message).toMatch(/^f: the data section has \d+ bytes but its last tensor, ".+", ends at byte \d+: the 3 bytes after it belong to no tensor$/);
    }
  });

  it('refuses a duplicated key and a hole, as the in-memory reader does', async () => {
    const t = '{"dtype":"F32","shape":[1],"data_offsets":[%]}';
    const file = (header: string, data: number) => {
      const json = new TextEncoder().encode(header);
      const out = new Uint8Array(8 + json.byteLength + data);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
      out.set(json, 8);
      return out;
    };
    const dup = await parseSafetensorsStream(split(file(`{"a":${t.replace('%', '0,4')},"a":${t.replace('%', '0,4')}}`, 4), [3]), { source: 'f' }).catch((e: unknown) => e);
    expect((dup as SafetensorsError).code).toBe('duplicate-key');
    const hole = await parseSafetensorsStream(split(file(`{"a":${t.replace('%', '4,8')}}`, 8), [3]), { source: 'f' }).catch((e: unknown) => e);
    expect((hole as SafetensorsError).code).toBe('offset-gap');
  });

  it('checks offsets against the announced total size as soon as the header is in', async () => {
    const bytes = writeSafetensors(tinyTensors());
    const err = await parseSafetensorsStream(split(bytes, [50]), { source: 'f', totalBytes: bytes.byteLength - 10 }).catch((e: unknown) => e);
    expect((err as SafetensorsError).code).toBe('offset-out-of-range');
  });
});
