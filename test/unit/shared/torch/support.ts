// Hand-made pickles and torch-style zip archives for the reader's tests: each opcode written by
// hand from the pickle spec, so a test can say exactly which bytes a hostile file holds.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REFERENCE_DIR = resolve(__dirname, '../../../../../shared/fixtures/reference-artifacts');
export const referencePresent = existsSync(join(REFERENCE_DIR, 'expected.json'));

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** A pickle as a list of byte chunks. */
export class P {
  private readonly parts: number[] = [];
  raw(...bytes: number[]): this { this.parts.push(...bytes); return this; }
  proto(p = 2): this { return this.raw(0x80, p); }
  global(module: string, name: string): this { return this.raw(0x63, ...latin1(`${module}\n${name}\n`)); }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.raw(0x58, b.length & 255, (b.length >> 8) & 255, (b.length >> 16) & 255, b.length >>> 24, ...b);
  }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.raw(0x4b, n);
    if (n >= 0 && n < 65536) return this.raw(0x4d, n & 255, n >> 8);
    return this.raw(0x4a, n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255);
  }
  float(x: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, false);
    return this.raw(0x47, ...b);
  }
  none(): this { return this.raw(0x4e); }
  bool(b: boolean): this { return this.raw(b ? 0x88 : 0x89); }
  mark(): this { return this.raw(0x28); }
  tuple(): this { return this.raw(0x74); }
  emptyTuple(): this { return this.raw(0x29); }
  emptyList(): this { return this.raw(0x5d); }
  emptyDict(): this { return this.raw(0x7d); }
  append(): this { return this.raw(0x61); }
  appends(): this { return this.raw(0x65); }
  setitem(): this { return this.raw(0x73); }
  setitems(): this { return this.raw(0x75); }
  put(i: number): this { return this.raw(0x71, i); }
  get(i: number): this { return this.raw(0x68, i); }
  reduce(): this { return this.raw(0x52); }
  persid(): this { return this.raw(0x51); }
  stop(): this { return this.raw(0x2e); }
  /** An empty OrderedDict as torch pickles backward_hooks. */
  orderedDict(): this { return this.global('collections', 'OrderedDict').emptyTuple().reduce(); }
  /** A tuple of small ints. */
  ints(xs: readonly number[]): this {
    this.mark();
    for (const x of xs) this.int(x);
    return this.tuple();
  }
  /** _rebuild_tensor_v2(storage <key>, offset, size, stride, False, OrderedDict()). */
  tensor(t: { key: string; cls?: string; numel: number; offset?: number; shape: readonly number[]; stride: readonly number[]; location?: string }): this {
    this.global('torch._utils', '_rebuild_tensor_v2');
    this.mark();
    this.mark().str('storage').global('torch', t.cls ?? 'FloatStorage').str(t.key).str(t.location ?? 'cpu').int(t.numel).tuple().persid();
    this.int(t.offset ?? 0).ints(t.shape).ints(t.stride).bool(false).orderedDict();
    return this.tuple().reduce();
  }
  bytes(): Uint8Array { return Uint8Array.from(this.parts); }
}

/** A zip archive with stored entries, laid out as torch does (folder/data.pkl, folder/data/<key>). */
export function torchZip(files: readonly { name: string; data: Uint8Array; method?: number }[]): Uint8Array {
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const f of files) {
    const name = enc.encode(f.name);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(8, f.method ?? 0, true);
    lv.setUint32(18, f.data.length, true);
    lv.setUint32(22, f.data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const cd = new Uint8Array(46 + name.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(10, f.method ?? 0, true);
    cv.setUint32(20, f.data.length, true);
    cv.setUint32(24, f.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    cd.set(name, 46);
    chunks.push(local, f.data);
    central.push(cd);
    offset += local.length + f.data.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, files.length, true);
  ev.setUint16(10, files.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const all = [...chunks, ...central, eocd];
  const out = new Uint8Array(all.reduce((a, c) => a + c.length, 0));
  let p = 0;
  for (const c of all) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/** A torch archive "archive/" holding `pickle` and the given storages. */
export function archive(pickle: Uint8Array, storages: Readonly<Record<string, Uint8Array>> = {}): Uint8Array {
  return torchZip([
    { name: 'archive/data.pkl', data: pickle },
    ...Object.entries(storages).map(([k, data]) => ({ name: `archive/data/${k}`, data })),
    { name: 'archive/version', data: latin1('3\n') },
  ]);
}

export function f32Bytes(xs: readonly number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(xs).buffer);
}

/** A legacy-format file: magic, protocol, sys_info, the object pickle, the key list, then the blobs. */
export function legacyFile(object: Uint8Array, blobs: readonly { key: string; count?: bigint; data: Uint8Array }[], opts: { littleEndian?: boolean } = {}): Uint8Array {
  const magic = new Uint8Array(10);
  let m = 0x1950a86a20f9469cfc6cn;
  for (let i = 0; i < 10; i++, m >>= 8n) magic[i] = Number(m & 255n);
  const keys = new P().proto().emptyList().mark();
  for (const b of blobs) keys.str(b.key);
  const parts = [
    new P().proto().raw(0x8a, 10, ...magic).stop().bytes(),
    new P().proto().int(1001).stop().bytes(),
    new P().proto().emptyDict().mark().str('protocol_version').int(1001).str('little_endian').bool(opts.littleEndian ?? true).setitems().stop().bytes(),
    object,
    keys.appends().stop().bytes(),
  ];
  for (const b of blobs) {
    const count = new Uint8Array(8);
    new DataView(count.buffer).setBigInt64(0, b.count ?? BigInt(b.data.length / 4), true);
    parts.push(count, b.data);
  }
  const out = new Uint8Array(parts.reduce((a, c) => a + c.length, 0));
  let p = 0;
  for (const c of parts) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/** A legacy tensor: the persistent id has a sixth field, view_metadata (None). */
export function legacyTensor(p: P, t: { key: string; numel: number; shape: readonly number[]; stride: readonly number[]; view?: boolean }): P {
  p.global('torch._utils', '_rebuild_tensor_v2').mark();
  p.mark().str('storage').global('torch', 'FloatStorage').str(t.key).str('cpu').int(t.numel);
  if (t.view) p.mark().str('other').int(0).int(t.numel).tuple();
  else p.none();
  p.tuple().persid();
  return p.int(0).ints(t.shape).ints(t.stride).bool(false).orderedDict().tuple().reduce();
}
