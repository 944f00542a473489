import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  parseHeader,
  parseSafetensors,
  SafetensorsError,
  writeSafetensors,
} from '../../../../src/shared/weights/safetensors';

/** Builds a file by hand (independently of writeSafetensors) from a header object and a data section. */
function rawFile(header: unknown, data: Uint8Array, lengthOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    return (e as SafetensorsError).code;
  }
  throw new Error('expected a SafetensorsError');
}

describe('safetensors reader', () => {
  it('reads the parity fixture with the shapes its header declares', () => {
    const bytes = new Uint8Array(readFileSync('test/fixtures/bart-parity/cases.safetensors'));
    const file = parseSafetensors(bytes);
    const ids = file.tensors.get('input_ids')!;
    expect(ids.dtype).toBe('I32'); // stored as I64, narrowed
    expect(ids.shape).toEqual([3, 9]);
    expect(file.tensors.get('logits')!.shape).toEqual([3, 5, 97]);
    // Pad id 1 right-pads the inputs (cases.json conventions).
    expect(Array.from(ids.data).every((v) => Number.isInteger(v) && v >= 0 && v < 97)).toBe(true);
  });

  it('converts F16 and BF16 to F32 exactly for representable values', () => {
    // F16: 1.0 = 0x3C00, -2.0 = 0xC000, 0.5 = 0x3800, 65504 = 0x7BFF, smallest subnormal 2^-24 = 0x0001
    const f16 = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001]).buffer);
    // BF16 is the top half of an F32: 1.0 = 0x3F80, -3.0 = 0xC040
    const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0xc040]).buffer);
    const data = new Uint8Array(f16.length + bf16.length);
    data.set(f16);
    data.set(bf16, f16.length);
    const file = parseSafetensors(
      rawFile({ a: { dtype: 'F16', shape: [5], data_offsets: [0, 10] }, b: { dtype: 'BF16', shape: [2], data_offsets: [10, 14] } }, data),
    );
    expect(Array.from(file.tensors.get('a')!.data)).toEqual([1, -2, 0.5, 65504, 2 ** -24]);
    expect(Array.from(file.tensors.get('b')!.data)).toEqual([1, -3]);
  });

  it('names what is wrong with a broken file', () => {
    const f32 = (n: number) => new Uint8Array(4 * n);
    expect(codeOf(() => parseSafetensors(new Uint8Array(5)))).toBe('truncated-header');
    expect(codeOf(() => parseSafetensors(rawFile({}, f32(0), 1000n)))).toBe('truncated-header');
    expect(codeOf(() => parseSafetensors(rawFile({}, f32(0), 1n << 40n)))).toBe('header-too-large');
    expect(codeOf(() => parseSafetensors(rawFile('{"a": ', f32(0))))).toBe('bad-json');
    expect(codeOf(() => parseSafetensors(rawFile({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32(2))))).toBe('offset-out-of-range');
    expect(
      codeOf(() =>
        parseSafetensors(rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, f32(3))),
      ),
    ).toBe('overlapping-offsets');
    expect(codeOf(() => parseSafetensors(rawFile({ a: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, f32(2))))).toBe('unsupported-dtype');
    expect(codeOf(() => parseSafetensors(rawFile({ a: { dtype: 'U8', shape: [4], data_offsets: [0, 4] } }, f32(1))))).toBe('unsupported-dtype');
    expect(codeOf(() => parseSafetensors(rawFile({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(2))))).toBe('size-mismatch');
    // The tensor's name is in the message.
    try {
      parseSafetensors(rawFile({ 'model.shared.weight': { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32(1)), { source: 'model.safetensors' });
    } catch (e) {
      expect((e as Error).message).toContain('model.shared.weight');
      expect((e as Error).message).toContain('model.safetensors');
    }
  });

  it('refuses a key that appears twice, which JSON.parse would silently collapse', () => {
    const a = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
    const four = new Uint8Array(4);
    const err = (header: string) => {
      try {
        parseSafetensors(rawFile(header, four), { source: 'dup.safetensors' });
      } catch (e) {
        return e as SafetensorsError;
      }
      throw new Error(`accepted ${header}`);
    };
    const top = err(`{"w":${a},"w":${a}}`);
    expect(top.code).toBe('duplicate-key');
    expect(top.tensor).toBe('w');
    expect(top.message).toBe('dup.safetensors: the header has the key "w" more than once (a JSON reader would silently keep the last)');
    // The same key spelled with an escape is the same key.
    expect(err(`{"w":${a},"\\u0077":${a}}`).code).toBe('duplicate-key');
    expect(err(`{"__metadata__":{"k":"1","k":"2"},"w":${a}}`).message).toContain('"__metadata__" in the header has the key "k" more than once');
    expect(err(`{"__metadata__":{},"w":${a},"__metadata__":{}}`).code).toBe('duplicate-key');
    expect(err(`{"w":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}}`).message).toContain('"w" in the header has the key "dtype"');
    // Equal keys in different objects, and key-like text inside strings, are fine.
    const ok = parseSafetensors(rawFile(`{"__metadata__":{"w":"{\\"w\\":1,", "x\\"y":"w"},"w":${a}}`, four));
    expect(ok.metadata).toEqual({ w: '{"w":1,', 'x"y': 'w' });
  });

  it('refuses data bytes that belong to no tensor: before the first, between two, after the last', () => {
    const f32 = (n: number) => new Uint8Array(4 * n);
    const t = (begin: number, n = 1) => ({ dtype: 'F32', shape: [n], data_offsets: [begin, begin + 4 * n] });
    const fail = (header: unknown, data: Uint8Array) => {
      try {
        parseSafetensors(rawFile(header, data), { source: 'gap.safetensors' });
      } catch (e) {
        expect(e).toBeInstanceOf(SafetensorsError);
        return e as SafetensorsError;
      }
      throw new Error(`accepted ${JSON.stringify(header)}`);
    };
    const before = fail({ a: t(4) }, f32(2));
    expect([before.code, before.tensor]).toEqual(['offset-gap', 'a']);
    expect(before.message).toBe('gap.safetensors: bytes 0 to 4 of the data section belong to no tensor (at the start of the data section, before "a"); tensors must be stored back to back');
    const between = fail({ a: t(0), b: t(8) }, f32(3));
    expect(between.message).toContain('bytes 4 to 8 of the data section belong to no tensor (after tensor "a", before "b")');
    const after = fail({ a: t(0) }, f32(2));
    expect([after.code, after.tensor]).toEqual(['offset-gap', 'a']);
    expect(after.message).toBe('gap.safetensors: the data section has 8 bytes but its last tensor, "a", ends at byte 4: the 4 bytes after it belong to no tensor');
    expect(fail({}, f32(1)).message).toBe('gap.safetensors: the data section has 4 bytes but the header lists no tensor');
    expect(fail({ a: t(0), b: t(0) }, f32(1)).code).toBe('overlapping-offsets');
    // Zero-size tensors take no bytes, anywhere; the header's order does not matter.
    const ok = parseSafetensors(rawFile({ z: { dtype: 'F32', shape: [0], data_offsets: [4, 4] }, b: t(4), a: t(0), e: { dtype: 'I32', shape: [2, 0], data_offsets: [8, 8] } }, f32(2)));
    expect([...ok.tensors.keys()].sort()).toEqual(['a', 'b', 'e', 'z']);
    expect(parseSafetensors(rawFile({}, f32(0))).tensors.size).toBe(0);
  });

  it('accepts exactly the layouts that tile the data section (random layouts, one byte moved)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 4 }), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.constantFrom('none', 'shift-start', 'shift-end', 'grow-data', 'shrink-data'),
        (sizes, pick, edit) => {
          let off = 0;
          const header: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }> = {};
          sizes.forEach((n, i) => { header[`t${i}`] = { dtype: 'F32', shape: [n], data_offsets: [off, off + 4 * n] }; off += 4 * n; });
          let dataBytes = off;
          const victim = header[`t${pick % sizes.length}`]!;
          const [b, e] = victim.data_offsets as [number, number];
          // A shifted tensor keeps its size (shape x dtype) so that only the layout is wrong.
          if (edit === 'shift-start' && b > 0) victim.data_offsets = [b - 1, e - 1];
          else if (edit === 'shift-end') victim.data_offsets = [b + 1, e + 1];
          else if (edit === 'grow-data') dataBytes += 1;
          else if (edit === 'shrink-data' && dataBytes > 0) dataBytes -= 1;
          const changed = JSON.stringify(victim.data_offsets) !== JSON.stringify([b, e]) || dataBytes !== off;
          let code: string | null = null;
          try {
            parseSafetensors(rawFile(header, new Uint8Array(dataBytes)));
          } catch (err) {
            expect(err).toBeInstanceOf(SafetensorsError);
            code = (err as SafetensorsError).code;
          }
          if (!changed) expect(code).toBeNull();
          else expect(['offset-gap', 'overlapping-offsets', 'offset-out-of-range']).toContain(code);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reads the header alone from a prefix, for streamed downloads', () => {
    const file = writeSafetensors({ w: { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] } });
    const headerLen = Number(new DataView(file.buffer).getBigUint64(0, true));
    const header = parseHeader(file.subarray(0, 8 + headerLen), file.byteLength);
    expect(header.entries.map((e) => [e.name, e.dtype, e.shape, e.end - e.begin])).toEqual([['w', 'F32', [2, 3], 24]]);
  });
});

describe('safetensors writer', () => {
  it('round-trips F32 and I32 tensors bitwise, with metadata, and aligns the data section', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ noNaN: false }), { minLength: 0, maxLength: 40 }),
        fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 10 }),
        fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
        (floats, ints, metadata) => {
          const bytes = writeSafetensors(
            { f: { shape: [floats.length], data: floats }, i: { dtype: 'I32', shape: [ints.length], data: ints } },
            metadata,
          );
          const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
          expect((8 + headerLen) % 8).toBe(0);
          const back = parseSafetensors(bytes);
          const f = back.tensors.get('f')!.data as Float32Array;
          expect(Buffer.from(f.buffer, f.byteOffset, f.byteLength)).toEqual(Buffer.from(new Float32Array(floats).buffer));
          expect(Array.from(back.tensors.get('i')!.data)).toEqual(ints);
          expect(back.metadata).toEqual(Object.keys(metadata).length ? metadata : {});
          // Typed-array input takes the block-copy path; it must write the same bytes.
          expect(writeSafetensors({ f: { shape: [floats.length], data: new Float32Array(floats) }, i: { dtype: 'I32', shape: [ints.length], data: ints } }, metadata)).toEqual(bytes);
        },
      ),
    );
  });

  it('keeps "__proto__" as an ordinary metadata key and tensor name', () => {
    // fast-check found this: plain assignment turned the key into a prototype and the value vanished.
    const back = parseSafetensors(writeSafetensors(Object.fromEntries([['__proto__', { shape: [1], data: [2] }]]), JSON.parse('{"__proto__":"x"}')));
    expect(Object.getOwnPropertyNames(back.metadata)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(back.metadata, '__proto__')?.value).toBe('x');
    expect(Array.from(back.tensors.get('__proto__')!.data)).toEqual([2]);
  });

  it('refuses data that does not fill its shape', () => {
    expect(codeOf(() => writeSafetensors({ w: { shape: [2, 2], data: [1, 2, 3] } }))).toBe('size-mismatch');
  });

  it('never throws anything but a SafetensorsError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          parseSafetensors(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(SafetensorsError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never throws anything but a SafetensorsError on mutated or truncated valid files', () => {
    const valid = writeSafetensors({ a: { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, b: { dtype: 'I32', shape: [2], data: [7, 8] } }, { k: 'v' });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(valid.length),
        (edits, cut) => {
          const bytes = valid.slice(0, Math.max(cut, 8));
          for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
          try {
            parseSafetensors(bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(SafetensorsError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
