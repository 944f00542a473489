// The zip directory reader: the fixture's layout (data descriptors, padded local extras, zip64
// end records) is covered by read.test.ts; here the zip64 extra field and each refusal.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TorchFileError } from '../../../../src/shared/torch/errors';
import { readTorchFile } from '../../../../src/shared/torch/read';
import { entryBytes, readZipDirectory } from '../../../../src/shared/torch/zip';
import { archive, P, REFERENCE_DIR, referencePresent, torchZip } from './support';

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof TorchFileError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'ok';
}

/** One stored entry whose central record keeps its sizes and offset in a zip64 extra field. */
function zip64Entry(name: string, data: Uint8Array): Uint8Array {
  const enc = new TextEncoder().encode(name);
  const local = new Uint8Array(30 + enc.length);
  const lv = new DataView(local.buffer);
  lv.setUint32(0, 0x04034b50, true);
  lv.setUint16(26, enc.length, true);
  local.set(enc, 30);
  const cd = new Uint8Array(46 + enc.length + 4 + 24);
  const cv = new DataView(cd.buffer);
  cv.setUint32(0, 0x02014b50, true);
  cv.setUint32(20, 0xffffffff, true);
  cv.setUint32(24, 0xffffffff, true);
  cv.setUint16(28, enc.length, true);
  cv.setUint16(30, 28, true);
  cv.setUint32(42, 0xffffffff, true);
  cd.set(enc, 46);
  let e = 46 + enc.length;
  cv.setUint16(e, 1, true);
  cv.setUint16(e + 2, 24, true);
  cv.setBigUint64(e + 4, BigInt(data.length), true);
  cv.setBigUint64(e + 12, BigInt(data.length), true);
  cv.setBigUint64(e + 20, 0n, true);
  e += 28;
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, 1, true);
  ev.setUint16(10, 1, true);
  ev.setUint32(12, cd.length, true);
  ev.setUint32(16, local.length + data.length, true);
  const out = new Uint8Array(local.length + data.length + cd.length + eocd.length);
  out.set(local, 0);
  out.set(data, local.length);
  out.set(cd, local.length + data.length);
  out.set(eocd, local.length + data.length + cd.length);
  return out;
}

describe('zip directory', () => {
  it('reads sizes and offsets from a zip64 extra field', () => {
    const data = Uint8Array.of(1, 2, 3, 4, 5);
    const bytes = zip64Entry('a/data.pkl', data);
    const [e] = readZipDirectory(bytes);
    expect(e).toMatchObject({ name: 'a/data.pkl', size: 5, uncompressedSize: 5, dataOffset: 40 });
    expect([...entryBytes(bytes, e!)]).toEqual([1, 2, 3, 4, 5]);
  });

  it.skipIf(!referencePresent)('the fixture ends with a zip64 end record and locator (the reader takes its counts from there)', () => {
    const bytes = new Uint8Array(readFileSync(join(REFERENCE_DIR, 'prompt_weight/tiny-parity_16_13_best.pt')));
    const v = new DataView(bytes.buffer);
    expect(v.getUint32(bytes.length - 22 - 20, true)).toBe(0x07064b50);
    // Break the zip64 record's signature: the reader notices instead of falling back silently.
    const rec = Number(v.getBigUint64(bytes.length - 22 - 12, true));
    const broken = bytes.slice();
    broken[rec] = 0;
    expect(code(() => readTorchFile(broken, { source: 'p.pt' }))).toBe(`bad-zip: p.pt: zip: no zip64 end-of-central-directory record at offset ${rec}`);
  });

  it('refuses compressed entries, duplicates, a missing data.pkl, cut files and lying directories', () => {
    const pkl = new P().proto().none().stop().bytes();
    expect(code(() => readTorchFile(torchZip([{ name: 'a/data.pkl', data: pkl, method: 8 }])))).toMatch(/^unsupported-compression: zip: entry "a\/data.pkl" uses compression method 8/);
    expect(code(() => readTorchFile(torchZip([{ name: 'a/data.pkl', data: pkl }, { name: 'a/data.pkl', data: pkl }])))).toMatch(/^bad-zip: .*appears twice/);
    expect(code(() => readTorchFile(torchZip([{ name: 'a/version', data: pkl }])))).toMatch(/^bad-zip: zip: no "<folder>\/data.pkl" entries; a torch.save archive has exactly one/);
    const good = archive(pkl);
    expect(readTorchFile(good).scalars).toEqual([{ path: [], type: 'NoneType', value: null }]);
    expect(code(() => readTorchFile(good.subarray(0, good.length - 5)))).toMatch(/^truncated: zip: no end-of-central-directory record/);
    const lying = good.slice();
    new DataView(lying.buffer).setUint32(lying.length - 6, 1, true); // central directory offset
    expect(code(() => readTorchFile(lying))).toMatch(/^(bad-zip|truncated): zip: /);
    const many = good.slice();
    new DataView(many.buffer).setUint16(many.length - 12, 60000, true); // entry count
    expect(code(() => readTorchFile(many))).toMatch(/^bad-zip: zip: 60000 entries cannot fit/);
  });
});
