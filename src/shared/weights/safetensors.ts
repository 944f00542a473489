// The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian
// header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?},
// then the raw little-endian tensor bytes. Offsets are relative to the end of the header.
//
// Everything the engine computes with is float32 or int32, so the reader converts on the way in
// (F16/BF16 -> F32, I64 -> I32 when it fits) and reports by name whatever is wrong with a file.

export type StoredDType = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';
export type TensorData = Float32Array | Int32Array;

export interface Tensor {
  readonly dtype: 'F32' | 'I32';
  readonly shape: readonly number[];
  readonly data: TensorData;
}

export interface HeaderEntry {
  readonly name: string;
  readonly dtype: StoredDType;
  readonly shape: readonly number[];
  /** Byte range relative to the start of the data section. */
  readonly begin: number;
  readonly end: number;
}

export interface Header {
  /** Bytes before the data section: 8 + the JSON header length. */
  readonly dataStart: number;
  readonly entries: readonly HeaderEntry[];
  readonly metadata: Readonly<Record<string, string>>;
}

export interface SafetensorsFile {
  readonly header: Header;
  readonly metadata: Readonly<Record<string, string>>;
  readonly tensors: ReadonlyMap<string, Tensor>;
}

export type SafetensorsErrorCode =
  | 'truncated-header'
  | 'header-too-large'
  | 'bad-json'
  | 'bad-entry'
  /** The same key twice in one JSON object (JSON.parse would silently keep the last). */
  | 'duplicate-key'
  | 'offset-out-of-range'
  | 'overlapping-offsets'
  /** Data bytes that belong to no tensor: before the first, between two, or after the last. */
  | 'offset-gap'
  | 'unsupported-dtype'
  | 'size-mismatch'
  | 'bad-value';

export class SafetensorsError extends Error {
  constructor(
    readonly code: SafetensorsErrorCode,
    message: string,
    readonly tensor?: string,
  ) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

/** Headers of real checkpoints are tens of kilobytes; 100 MB is the limit the Rust reference uses. */
export const DEFAULT_MAX_HEADER_BYTES = 100 * 1024 * 1024;

const BYTES_PER_ELEMENT: Record<StoredDType, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const READABLE: ReadonlySet<StoredDType> = new Set(['F32', 'F16', 'BF16', 'I64', 'I32']);

export interface ParseOptions {
  /** Named in error messages, e.g. a file name or URL. */
  readonly source?: string;
  readonly maxHeaderBytes?: number;
}

function where(opts: ParseOptions | undefined): string {
  return opts?.source ? `${opts.source}: ` : '';
}

/**
 * Reads the header from the first bytes of a file. `totalBytes` (when known) bounds the offsets;
 * the prefix must hold at least the 8-byte length and the JSON.
 */
export function parseHeader(prefix: Uint8Array, totalBytes: number | null, opts?: ParseOptions): Header {
  const at = where(opts);
  if (prefix.byteLength < 8) {
    throw new SafetensorsError('truncated-header', `${at}file is ${prefix.byteLength} bytes, shorter than the 8-byte header length`);
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const lenBig = view.getBigUint64(0, true);
  const max = opts?.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  if (lenBig > BigInt(max)) {
    throw new SafetensorsError('header-too-large', `${at}header claims ${lenBig} bytes, more than the limit of ${max} bytes for a safetensors header`);
  }
  const headerLen = Number(lenBig);
  const dataStart = 8 + headerLen;
  if (totalBytes !== null && dataStart > totalBytes) {
    throw new SafetensorsError('truncated-header', `${at}header claims ${headerLen} bytes but the file has only ${totalBytes - 8} after the length`);
  }
  if (prefix.byteLength < dataStart) {
    throw new SafetensorsError('truncated-header', `${at}header claims ${headerLen} bytes but only ${prefix.byteLength - 8} are available`);
  }
  let json: unknown;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(prefix.subarray(8, dataStart));
    json = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError('bad-json', `${at}header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SafetensorsError('bad-json', `${at}header must be a JSON object`);
  }
  const dup = findDuplicateKey(text);
  if (dup) {
    const inside = dup.parent === null ? 'the header' : `"${dup.parent}" in the header`;
    const tensor = dup.parent === null && dup.key !== '__metadata__' ? dup.key : undefined;
    throw new SafetensorsError('duplicate-key', `${at}${inside} has the key "${dup.key}" more than once (a JSON reader would silently keep the last)`, tensor);
  }

  let metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(raw, at);
      continue;
    }
    entries.push(parseEntry(name, raw, at));
  }

  // As the reference reader: the tensors, sorted by offset, tile the data section exactly (the first
  // starts at 0, each starts where the previous ended, the last ends at the end of the file).
  const dataBytes = totalBytes === null ? null : totalBytes - dataStart;
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let prev: HeaderEntry | undefined;
  for (const e of sorted) {
    if (dataBytes !== null && e.end > dataBytes) {
      throw new SafetensorsError('offset-out-of-range', `${at}tensor "${e.name}" ends at byte ${e.end} of a ${dataBytes}-byte data section`, e.name);
    }
    const pos = prev?.end ?? 0;
    if (e.begin < pos) {
      throw new SafetensorsError('overlapping-offsets', `${at}tensors "${prev!.name}" and "${e.name}" overlap`, e.name);
    }
    if (e.begin > pos) {
      const after = prev ? `after tensor "${prev.name}"` : 'at the start of the data section';
      throw new SafetensorsError('offset-gap', `${at}bytes ${pos} to ${e.begin} of the data section belong to no tensor (${after}, before "${e.name}"); tensors must be stored back to back`, e.name);
    }
    prev = e;
  }
  if (dataBytes !== null) assertNoTrailingData(dataBytes, prev, at);
  return { dataStart, entries, metadata };
}

/** The last tensor must end where the data section ends (the reference's MetadataIncompleteBuffer). */
export function assertNoTrailingData(dataBytes: number, last: HeaderEntry | undefined, at: string): void {
  const end = last?.end ?? 0;
  if (dataBytes > end) {
    const why = last
      ? `its last tensor, "${last.name}", ends at byte ${end}: the ${dataBytes - end} bytes after it belong to no tensor`
      : 'the header lists no tensor';
    throw new SafetensorsError('offset-gap', `${at}the data section has ${dataBytes} bytes but ${why}`, last?.name);
  }
}

/**
 * The first key that appears twice in one object of a JSON text already known to be valid, with
 * the key of the object holding it (null for the top level). JSON.parse keeps the last silently.
 */
function findDuplicateKey(text: string): { key: string; parent: string | null } | null {
  // One frame per open object or array: the keys seen so far (null for an array), its own key.
  const stack: { keys: Set<string> | null; name: string | null }[] = [];
  let expectKey = false;
  let lastKey: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      for (i++; text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c /* \ */) i++;
      const top = stack[stack.length - 1];
      if (expectKey && top?.keys) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (top.keys.has(key)) return { key, parent: top.name };
        top.keys.add(key);
        lastKey = key;
        expectKey = false;
      }
    } else if (c === 0x7b /* { */) {
      stack.push({ keys: new Set(), name: stack.length === 0 ? null : nameOf(stack, lastKey) });
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push({ keys: null, name: nameOf(stack, lastKey) });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1]?.keys != null;
    }
  }
  return null;
}

/** The name a nested value is reported under: its key in an object, or its parent's name in an array. */
function nameOf(stack: readonly { keys: Set<string> | null; name: string | null }[], lastKey: string | null): string | null {
  const top = stack[stack.length - 1];
  return top?.keys ? lastKey : (top?.name ?? null);
}

function parseMetadata(raw: unknown, at: string): Record<string, string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SafetensorsError('bad-json', `${at}__metadata__ must be an object of strings`);
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  for (const [k, v] of entries) {
    if (typeof v !== 'string') throw new SafetensorsError('bad-json', `${at}__metadata__["${k}"] must be a string`);
  }
  // fromEntries defines own properties, so a key such as "__proto__" survives (plain assignment would set the prototype).
  return Object.fromEntries(entries) as Record<string, string>;
}

function parseEntry(name: string, raw: unknown, at: string): HeaderEntry {
  const bad = (why: string) => new SafetensorsError('bad-entry', `${at}tensor "${name}": ${why}`, name);
  if (typeof raw !== 'object' || raw === null) throw bad('entry must be an object');
  const { dtype, shape, data_offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string') throw bad('dtype must be a string');
  if (!(dtype in BYTES_PER_ELEMENT)) {
    throw new SafetensorsError('unsupported-dtype', `${at}tensor "${name}" has dtype ${dtype}; supported: F32, F16, BF16, I64, I32`, name);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw bad('shape must be a list of non-negative integers');
  }
  if (!Array.isArray(data_offsets) || data_offsets.length !== 2 || !data_offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw bad('data_offsets must be [begin, end] with non-negative integers');
  }
  const [begin, end] = data_offsets as [number, number];
  if (end < begin) throw bad(`data_offsets [${begin}, ${end}] end before they begin`);
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  const expected = elements * BYTES_PER_ELEMENT[dtype as StoredDType];
  if (end - begin !== expected) {
    throw new SafetensorsError('size-mismatch', `${at}tensor "${name}" spans ${end - begin} bytes but ${dtype}${JSON.stringify(shape)} needs ${expected}`, name);
  }
  return { name, dtype: dtype as StoredDType, shape: shape as number[], begin, end };
}

/** Converts one tensor's stored bytes to the engine's F32/I32. */
export function decodeTensor(entry: HeaderEntry, bytes: Uint8Array, at = ''): Tensor {
  if (!READABLE.has(entry.dtype)) {
    throw new SafetensorsError('unsupported-dtype', `${at}tensor "${entry.name}" has dtype ${entry.dtype}; supported: F32, F16, BF16, I64, I32`, entry.name);
  }
  const n = entry.shape.reduce((a, b) => a * b, 1);
  // Copy into an aligned buffer: offsets in the file need not be multiples of 4.
  const aligned = bytes.slice();
  const view = new DataView(aligned.buffer, aligned.byteOffset, aligned.byteLength);
  switch (entry.dtype) {
    case 'F32': {
      // The common case (every real checkpoint): a straight copy on little-endian hosts.
      if (LITTLE_ENDIAN) return { dtype: 'F32', shape: entry.shape, data: new Float32Array(aligned.buffer, aligned.byteOffset, n) };
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      return { dtype: 'F32', shape: entry.shape, data: out };
    }
    case 'F16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      return { dtype: 'F32', shape: entry.shape, data: out };
    }
    case 'BF16': {
      const out = new Float32Array(n);
      const u32 = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) u32[i] = view.getUint16(2 * i, true) << 16;
      return { dtype: 'F32', shape: entry.shape, data: out };
    }
    case 'I32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, true);
      return { dtype: 'I32', shape: entry.shape, data: out };
    }
    case 'I64': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = view.getBigInt64(8 * i, true);
        if (v > 2147483647n || v < -2147483648n) {
          throw new SafetensorsError('bad-value', `${at}tensor "${entry.name}" holds ${v} at index ${i}, outside int32`, entry.name);
        }
        out[i] = Number(v);
      }
      return { dtype: 'I32', shape: entry.shape, data: out };
    }
    default:
      throw new SafetensorsError('unsupported-dtype', `${at}tensor "${entry.name}" has dtype ${entry.dtype}`, entry.name);
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Parses and validates a whole file held in memory. */
export function parseSafetensors(input: Uint8Array | ArrayBuffer, opts?: ParseOptions): SafetensorsFile {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const header = parseHeader(bytes, bytes.byteLength, opts);
  const at = where(opts);
  const tensors = new Map<string, Tensor>();
  for (const e of header.entries) {
    tensors.set(e.name, decodeTensor(e, bytes.subarray(header.dataStart + e.begin, header.dataStart + e.end), at));
  }
  return { header, metadata: header.metadata, tensors };
}

export interface WritableTensor {
  readonly dtype?: 'F32' | 'I32';
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

/**
 * Serialises tensors (F32 unless the tensor says I32) with optional string metadata.
 * Names are written in sorted order, as the Python writer does, so files are reproducible.
 */
export function writeSafetensors(tensors: Readonly<Record<string, WritableTensor>>, metadata?: Readonly<Record<string, string>>): Uint8Array {
  const names = Object.keys(tensors).sort();
  // Built from entries, not by assignment, so a name or key such as "__proto__" is written as data.
  const headerEntries: [string, unknown][] = [];
  if (metadata && Object.keys(metadata).length > 0) headerEntries.push(['__metadata__', Object.fromEntries(Object.entries(metadata))]);
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) {
      throw new SafetensorsError('size-mismatch', `tensor "${name}" has ${t.data.length} values but shape ${JSON.stringify(t.shape)} needs ${n}`, name);
    }
    headerEntries.push([name, { dtype: t.dtype ?? 'F32', shape: [...t.shape], data_offsets: [offset, offset + 4 * n] }]);
    offset += 4 * n;
  }
  const header = Object.fromEntries(headerEntries);
  let json = new TextEncoder().encode(JSON.stringify(header));
  // Pad the header with spaces so the data section starts 8-byte aligned (as the reference writer does).
  const pad = (8 - (json.byteLength % 8)) % 8;
  if (pad) json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + json.byteLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  let pos = 8 + json.byteLength;
  for (const name of names) {
    const t = tensors[name]!;
    const isInt = (t.dtype ?? 'F32') === 'I32';
    if (LITTLE_ENDIAN && !isInt && t.data instanceof Float32Array) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
      pos += t.data.byteLength;
      continue;
    }
    for (let i = 0; i < t.data.length; i++, pos += 4) {
      if (isInt) view.setInt32(pos, t.data[i]!, true);
      else view.setFloat32(pos, t.data[i]!, true);
    }
  }
  return out;
}
