// The zip container torch.save (>= 1.6) writes: every entry STORED, local headers with data
// descriptors (sizes zero there, so sizes come from the central directory), a zip64
// end-of-central-directory record and locator before the ordinary one. Only what such archives
// need is read; every offset and length is checked against the bytes available.

import { at, TorchFileError } from './errors';

export interface ZipEntry {
  readonly name: string;
  /** 0 = stored; anything else is refused when the entry is read. */
  readonly compression: number;
  /** Bytes of data (compressed size; equal to the uncompressed size for stored entries). */
  readonly size: number;
  readonly uncompressedSize: number;
  /** Where the entry's data starts in the archive. */
  readonly dataOffset: number;
}

/** Far above a checkpoint's (one entry per storage: a few hundred), far below memory. */
export const MAX_ZIP_ENTRIES = 1_000_000;

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

export function readZipDirectory(bytes: Uint8Array, source?: string): ZipEntry[] {
  const where = at(source);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength;
  const fail = (code: 'bad-zip' | 'truncated', why: string): never => {
    throw new TorchFileError(code, `${where}${why}`);
  };
  const u16 = (o: number) => view.getUint16(o, true);
  const u32 = (o: number) => view.getUint32(o, true);
  const u64 = (o: number, what: string): number => {
    const v = view.getBigUint64(o, true);
    if (v > BigInt(n)) fail('truncated', `zip: ${what} is ${v}, beyond the ${n}-byte file`);
    return Number(v);
  };

  // The end-of-central-directory record: the last signature whose comment runs to the end.
  let eocd = -1;
  for (let o = n - EOCD_SIZE; o >= Math.max(0, n - EOCD_SIZE - MAX_COMMENT); o--) {
    if (u32(o) === SIG_EOCD && o + EOCD_SIZE + u16(o + 20) === n) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0) fail('truncated', `zip: no end-of-central-directory record (the file is cut short or not a zip archive)`);
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  // zip64: the locator sits just before the EOCD and points at the zip64 record.
  if (eocd >= 20 && u32(eocd - 20) === SIG_ZIP64_LOCATOR) {
    const rec = u64(eocd - 12, 'the zip64 end-of-central-directory offset');
    if (rec + 56 > eocd - 20) fail('truncated', `zip: the zip64 end-of-central-directory record at ${rec} does not fit before its locator`);
    if (u32(rec) !== SIG_ZIP64_EOCD) fail('bad-zip', `zip: no zip64 end-of-central-directory record at offset ${rec}`);
    count = u64(rec + 32, 'the zip64 entry count');
    cdSize = u64(rec + 40, 'the zip64 central directory size');
    cdOffset = u64(rec + 48, 'the zip64 central directory offset');
  }
  if (cdOffset + cdSize > n) fail('truncated', `zip: the central directory (${cdSize} bytes at ${cdOffset}) runs past the end of the ${n}-byte file`);
  // Each central record takes at least 46 bytes, so the count cannot exceed what the directory holds.
  if (count > MAX_ZIP_ENTRIES || count * 46 > cdSize) fail('bad-zip', `zip: ${count} entries cannot fit in a ${cdSize}-byte central directory (or exceed ${MAX_ZIP_ENTRIES})`);

  const utf8 = new TextDecoder('utf-8', { fatal: false });
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  const cdEnd = cdOffset + cdSize;
  let o = cdOffset;
  for (let i = 0; i < count; i++) {
    if (o + 46 > cdEnd) fail('truncated', `zip: central directory entry ${i} at ${o} runs past the directory`);
    if (u32(o) !== SIG_CENTRAL) fail('bad-zip', `zip: no central directory signature at offset ${o} (entry ${i})`);
    const compression = u16(o + 10);
    let size = u32(o + 20);
    let uncompressedSize = u32(o + 24);
    const nameLen = u16(o + 28);
    const extraLen = u16(o + 30);
    const commentLen = u16(o + 32);
    let localOffset = u32(o + 42);
    const recEnd = o + 46 + nameLen + extraLen + commentLen;
    if (recEnd > cdEnd) fail('truncated', `zip: central directory entry ${i} at ${o} runs past the directory`);
    const name = utf8.decode(bytes.subarray(o + 46, o + 46 + nameLen));
    // zip64 extended information (id 1): the 64-bit values, in this order, of the fields set to 0xFFFFFFFF.
    if (size === 0xffffffff || uncompressedSize === 0xffffffff || localOffset === 0xffffffff) {
      let e = o + 46 + nameLen;
      const extraEnd = e + extraLen;
      let found = false;
      while (e + 4 <= extraEnd) {
        const id = u16(e);
        const len = u16(e + 2);
        if (e + 4 + len > extraEnd) fail('bad-zip', `zip: entry "${name}": an extra field runs past its record`);
        if (id === 1) {
          let p = e + 4;
          const take = (what: string): number => {
            if (p + 8 > e + 4 + len) fail('bad-zip', `zip: entry "${name}": the zip64 extra field lacks the ${what}`);
            const v = u64(p, `entry "${name}"'s ${what}`);
            p += 8;
            return v;
          };
          if (uncompressedSize === 0xffffffff) uncompressedSize = take('uncompressed size');
          if (size === 0xffffffff) size = take('compressed size');
          if (localOffset === 0xffffffff) localOffset = take('local header offset');
          found = true;
          break;
        }
        e += 4 + len;
      }
      if (!found) fail('bad-zip', `zip: entry "${name}" has 32-bit fields set to 0xFFFFFFFF but no zip64 extra field`);
    }
    // The local header's extra field (torch pads with it) differs from the central one: read its lengths.
    if (localOffset + 30 > n) fail('truncated', `zip: entry "${name}": local header at ${localOffset} runs past the end of the file`);
    if (u32(localOffset) !== SIG_LOCAL) fail('bad-zip', `zip: entry "${name}": no local header signature at offset ${localOffset}`);
    const dataOffset = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28);
    if (dataOffset + size > n) fail('truncated', `zip: entry "${name}": ${size} bytes of data at ${dataOffset} run past the end of the ${n}-byte file`);
    if (names.has(name)) fail('bad-zip', `zip: entry "${name}" appears twice`);
    names.add(name);
    entries.push({ name, compression, size, uncompressedSize, dataOffset });
    o = recEnd;
  }
  return entries;
}

/** The bytes of a stored entry (a view, no copy). */
export function entryBytes(bytes: Uint8Array, e: ZipEntry, source?: string): Uint8Array {
  if (e.compression !== 0) {
    throw new TorchFileError('unsupported-compression', `${at(source)}zip: entry "${e.name}" uses compression method ${e.compression}; torch.save stores entries uncompressed (method 0)`);
  }
  if (e.size !== e.uncompressedSize) {
    throw new TorchFileError('bad-zip', `${at(source)}zip: stored entry "${e.name}" has compressed size ${e.size} but uncompressed size ${e.uncompressedSize}`);
  }
  return bytes.subarray(e.dataOffset, e.dataOffset + e.size);
}
