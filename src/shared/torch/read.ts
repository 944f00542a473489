// Reads a file written by torch.save (the zip format of torch >= 1.6, or the legacy format before
// it) into plain data: every tensor with its path from the top object, contiguous, and every other
// value. Nothing in the file is ever executed (see pickle.ts); see README.md for the format.

import { allocate, decodeLittleEndian, ELEMENT_SIZE, type TorchDType, type TorchTensorData } from './dtypes';
import { at, TorchFileError } from './errors';
import { NumpyDType, NumpyScalar, PyDict, PyGlobal, PyList, PyTuple, StorageRef, storageClass, TensorRef, typeName, unpickle, type PickleStats, type PyKey, type PyValue } from './pickle';
import { entryBytes, readZipDirectory, type ZipEntry } from './zip';

/** Dict keys (strings, or numbers for int keys) and list/tuple indices from the top object. */
export type TorchPath = readonly (string | number)[];

export interface TorchTensor {
  readonly path: TorchPath;
  readonly shape: readonly number[];
  readonly dtype: TorchDType;
  /** As saved, in elements. */
  readonly stride: readonly number[];
  /** Storage offset as saved, in elements. */
  readonly offset: number;
  /** Contiguous row-major copy of the view (float16/bfloat16 widened to float32). */
  readonly data: TorchTensorData;
  /** Device the tensor was saved from ("cpu", "cuda:0"): recorded, not needed to read it. */
  readonly location: string;
  readonly storage: { readonly key: string; readonly location: string; readonly type: string; readonly numel: number };
  readonly requiresGrad: boolean;
}

export interface TorchScalar {
  readonly path: TorchPath;
  /** Python's name: int, float, bool, str, NoneType, bytes, numpy.float64, ... */
  readonly type: string;
  /** JSON-safe: ints beyond 2^53 as decimal strings, bytes as lowercase hex. */
  readonly value: number | string | boolean | null;
}

export interface TorchContainer {
  readonly path: TorchPath;
  readonly type: 'dict' | 'OrderedDict' | 'list' | 'tuple';
  readonly keys?: readonly (string | number)[];
  readonly len?: number;
}

export interface TorchFile {
  readonly format: 'zip' | 'legacy';
  readonly tensors: readonly TorchTensor[];
  readonly scalars: readonly TorchScalar[];
  readonly containers: readonly TorchContainer[];
  /** Of data.pkl, or of the legacy file's object pickle. */
  readonly pickle: PickleStats;
  readonly zip?: { readonly prefix: string; readonly entries: readonly ZipEntry[] };
  readonly legacy?: {
    readonly magicNumber: string;
    readonly protocolVersion: number;
    readonly littleEndian: boolean;
    readonly dataPickleOffset: number;
    readonly storageKeys: readonly string[];
    readonly storageBlobs: readonly { key: string; countOffset: number; dataOffset: number }[];
  };
}

export interface TorchReadOptions {
  /** Named in error messages. */
  readonly source?: string;
  /**
   * Bytes all tensors may take once copied out; defaults to twice the file plus 64 MiB. Views
   * (stride 0, shared storages) can be larger than their storage, so a small file could otherwise
   * ask for gigabytes.
   */
  readonly maxTensorBytes?: number;
}

/** data.pkl of a full BART state dict is ~100 kB. */
export const MAX_PICKLE_BYTES = 64 * 2 ** 20;
/** Values visited when listing the tree (a memo can make a small pickle a huge tree). */
export const MAX_TREE_NODES = 500_000;
export const MAX_TREE_DEPTH = 200;
/** Keys in all the paths of the records returned (a state dict: a few per value). */
export const MAX_PATH_CELLS = 5_000_000;

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001n;

export function isTorchFile(bytes: Uint8Array): boolean {
  return startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x80, 0x02, 0x8a, 0x0a]);
}

function startsWith(b: Uint8Array, sig: number[]): boolean {
  return b.length >= sig.length && sig.every((x, i) => b[i] === x);
}

export function readTorchFile(bytes: Uint8Array, opts: TorchReadOptions = {}): TorchFile {
  const where = at(opts.source);
  const maxTensorBytes = opts.maxTensorBytes ?? 2 * bytes.byteLength + 64 * 2 ** 20;
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return readZip(bytes, opts.source, maxTensorBytes);
  if (startsWith(bytes, [0x80, 0x02, 0x8a, 0x0a])) return readLegacy(bytes, opts.source, maxTensorBytes);
  throw new TorchFileError('not-torch', `${where}not a PyTorch file: it starts with neither a zip header (PK\\x03\\x04) nor the legacy format's pickled magic number (\\x80\\x02\\x8a\\x0a)`);
}

function newStats(): PickleStats {
  return { protocol: 0, opcodes: {}, globals: [] };
}

/** The persistent-id tuple ('storage', class, key, location, numel[, view_metadata]) as a StorageRef, one per key. */
function storageLoader(arity: 5 | 6, seen: Map<string, StorageRef>) {
  return (pid: PyValue, fail: (code: 'bad-tensor' | 'unsupported-dtype' | 'unsupported-legacy' | 'bad-pickle', why: string) => never): PyValue => {
    if (!(pid instanceof PyTuple) || pid.items[0] !== 'storage') {
      if (pid instanceof PyTuple && pid.items[0] === 'module') fail('unsupported-legacy', 'a saved module (source code); only tensors and containers are read');
      fail('bad-pickle', `a persistent id that is not a ('storage', ...) tuple but a ${typeName(pid)}`);
    }
    const items = (pid as PyTuple).items;
    if (items.length !== arity) fail('bad-pickle', `a storage persistent id has ${items.length} fields, expected ${arity}`);
    const [, cls, key, location, numel, view] = items;
    const sc = storageClass(cls!);
    if (!sc) fail('unsupported-dtype', `storage class ${cls instanceof PyGlobal ? cls.qualified : typeName(cls!)} is not mapped`);
    if (typeof key !== 'string' || key.length === 0 || key.length > 256) fail('bad-pickle', 'a storage key must be a short string');
    if (typeof location !== 'string' || location.length > 256) fail('bad-pickle', 'a storage location must be a short string');
    if (typeof numel !== 'bigint' || numel < 0n || numel > BigInt(Number.MAX_SAFE_INTEGER)) fail('bad-tensor', `storage "${String(key)}" has element count ${String(numel)}`);
    if (arity === 6 && view !== null) fail('unsupported-legacy', `storage "${String(key)}" is a view of another storage (view_metadata), which torch >= 0.4 no longer writes`);
    const prev = seen.get(key as string);
    const ref = new StorageRef(key as string, sc!.className, sc!.dtype, location as string, Number(numel));
    if (prev && (prev.dtype !== ref.dtype || prev.numel !== ref.numel)) {
      fail('bad-tensor', `storage "${ref.key}" is named as ${prev.className}(${prev.numel}) and as ${ref.className}(${ref.numel})`);
    }
    if (!prev) seen.set(ref.key, ref);
    return prev ?? ref;
  };
}

function readZip(bytes: Uint8Array, source: string | undefined, maxTensorBytes: number): TorchFile {
  const where = at(source);
  const entries = readZipDirectory(bytes, source);
  const pkl = entries.filter((e) => e.name === 'data.pkl' || e.name.endsWith('/data.pkl'));
  if (pkl.length !== 1) throw new TorchFileError('bad-zip', `${where}zip: ${pkl.length === 0 ? 'no' : pkl.length} "<folder>/data.pkl" entr${pkl.length === 1 ? 'y' : 'ies'}; a torch.save archive has exactly one`);
  const prefix = pkl[0]!.name.slice(0, -'data.pkl'.length);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const byteorder = byName.get(`${prefix}byteorder`);
  if (byteorder && new TextDecoder().decode(entryBytes(bytes, byteorder, source)).trim() !== 'little') {
    throw new TorchFileError('unsupported-dtype', `${where}${prefix}byteorder says the storages are not little-endian`);
  }
  if (pkl[0]!.size > MAX_PICKLE_BYTES) throw new TorchFileError('limit-exceeded', `${where}${pkl[0]!.name} is ${pkl[0]!.size} bytes, more than the ${MAX_PICKLE_BYTES} allowed`);
  const pickleBytes = entryBytes(bytes, pkl[0]!, source);
  const stats = newStats();
  const storages = new Map<string, StorageRef>();
  const { value, end } = unpickle(pickleBytes, 0, { source, label: pkl[0]!.name, persistentLoad: storageLoader(5, storages), stats });
  if (end !== pickleBytes.length) throw new TorchFileError('bad-pickle', `${where}${pkl[0]!.name}: ${pickleBytes.length - end} bytes after STOP`);
  const data = (s: StorageRef): Uint8Array => {
    const e = byName.get(`${prefix}data/${s.key}`);
    if (!e) throw new TorchFileError('bad-zip', `${where}zip: storage "${s.key}" has no entry "${prefix}data/${s.key}"`);
    const need = s.numel * ELEMENT_SIZE[s.dtype];
    if (e.size < need) throw new TorchFileError('truncated', `${where}zip: entry "${e.name}" holds ${e.size} bytes, but ${s.className} of ${s.numel} elements needs ${need}`);
    return entryBytes(bytes, e, source);
  };
  const tree = listTree(value, source, data, maxTensorBytes);
  return { format: 'zip', ...tree, pickle: stats, zip: { prefix: prefix.replace(/\/$/, ''), entries } };
}

function readLegacy(bytes: Uint8Array, source: string | undefined, maxTensorBytes: number): TorchFile {
  const where = at(source);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const one = (start: number, label: string) => unpickle(bytes, start, { source, label: `legacy ${label} pickle` });
  const magic = one(0, 'magic-number');
  if (magic.value !== LEGACY_MAGIC) throw new TorchFileError('not-torch', `${where}the first pickle is not torch's legacy magic number`);
  const proto = one(magic.end, 'protocol-version');
  if (proto.value !== LEGACY_PROTOCOL) throw new TorchFileError('unsupported-legacy', `${where}legacy protocol version ${String(proto.value)}; only ${LEGACY_PROTOCOL} is read`);
  const sys = one(proto.end, 'sys-info');
  const little = sys.value instanceof PyDict ? sys.value.map.get('slittle_endian')?.[1] : undefined;
  if (little !== true) throw new TorchFileError('unsupported-legacy', `${where}sys_info does not say little_endian: True; big-endian legacy files are not read`);
  const stats = newStats();
  const storages = new Map<string, StorageRef>();
  const dataPickleOffset = sys.end;
  const obj = unpickle(bytes, dataPickleOffset, { source, label: 'legacy object pickle', persistentLoad: storageLoader(6, storages), stats });
  const keysPickle = one(obj.end, 'storage-keys');
  if (!(keysPickle.value instanceof PyList) || !keysPickle.value.items.every((k) => typeof k === 'string')) {
    throw new TorchFileError('bad-pickle', `${where}the legacy storage-key pickle is not a list of strings`);
  }
  const keys = keysPickle.value.items as string[];
  if (new Set(keys).size !== keys.length) throw new TorchFileError('bad-pickle', `${where}a legacy storage key is listed twice`);
  // After the keys: per key, an int64 element count and the raw little-endian elements.
  const blobs: { key: string; countOffset: number; dataOffset: number }[] = [];
  const raw = new Map<string, Uint8Array>();
  let pos = keysPickle.end;
  for (const key of keys) {
    const s = storages.get(key);
    if (!s) throw new TorchFileError('bad-pickle', `${where}legacy storage "${key}" is listed but no tensor names it`);
    if (pos + 8 > bytes.length) throw new TorchFileError('truncated', `${where}the element count of legacy storage "${key}" at offset ${pos} runs past the end of the file`);
    const count = view.getBigInt64(pos, true);
    if (count !== BigInt(s.numel)) throw new TorchFileError('bad-tensor', `${where}legacy storage "${key}" at offset ${pos} says ${count} elements; its persistent id says ${s.numel}`);
    const len = s.numel * ELEMENT_SIZE[s.dtype];
    if (pos + 8 + len > bytes.length) throw new TorchFileError('truncated', `${where}legacy storage "${key}": ${len} bytes at offset ${pos + 8} run past the end of the ${bytes.length}-byte file`);
    blobs.push({ key, countOffset: pos, dataOffset: pos + 8 });
    raw.set(key, bytes.subarray(pos + 8, pos + 8 + len));
    pos += 8 + len;
  }
  for (const key of storages.keys()) {
    if (!raw.has(key)) throw new TorchFileError('bad-pickle', `${where}legacy storage "${key}" is used by a tensor but not in the storage-key list`);
  }
  const tree = listTree(obj.value, source, (s) => raw.get(s.key)!, maxTensorBytes);
  return {
    format: 'legacy',
    ...tree,
    pickle: stats,
    legacy: { magicNumber: `0x${LEGACY_MAGIC.toString(16)}`, protocolVersion: Number(LEGACY_PROTOCOL), littleEndian: true, dataPickleOffset, storageKeys: keys, storageBlobs: blobs },
  };
}

function pathKey(k: PyKey): string | number {
  if (typeof k === 'string') return k;
  if (typeof k === 'bigint' && k >= BigInt(Number.MIN_SAFE_INTEGER) && k <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(k);
  return String(k);
}

function scalarOf(v: PyValue): { type: string; value: number | string | boolean | null } | undefined {
  if (v === null) return { type: 'NoneType', value: null };
  if (typeof v === 'boolean') return { type: 'bool', value: v };
  if (typeof v === 'bigint') return { type: 'int', value: jsonInt(v) };
  if (typeof v === 'number') return { type: 'float', value: v };
  if (typeof v === 'string') return { type: 'str', value: v };
  if (v instanceof Uint8Array) return { type: 'bytes', value: [...v].map((b) => b.toString(16).padStart(2, '0')).join('') };
  if (v instanceof NumpyScalar) return { type: `numpy.${v.dtype}`, value: typeof v.value === 'bigint' ? jsonInt(v.value) : v.value };
  if (v instanceof NumpyDType) return { type: 'numpy.dtype', value: v.code };
  if (v instanceof PyGlobal) return { type: 'global', value: v.qualified };
  if (v instanceof StorageRef) return { type: 'storage', value: `${v.className}(${v.numel}) "${v.key}"` };
  return undefined;
}

function jsonInt(v: bigint): number | string {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

/** Walks the unpickled value: tensors (materialised once each), scalars and containers, with limits. */
function listTree(root: PyValue, source: string | undefined, storageBytes: (s: StorageRef) => Uint8Array, maxTensorBytes: number) {
  const where = at(source);
  const tensors: TorchTensor[] = [];
  const scalars: TorchScalar[] = [];
  const containers: TorchContainer[] = [];
  const decoded = new Map<StorageRef, TorchTensorData>();
  const made = new Map<TensorRef, TorchTensorData>();
  const open = new Set<PyValue>();
  let tensorBytes = 0;

  const materialise = (t: TensorRef): TorchTensorData => {
    const have = made.get(t);
    if (have) return have;
    const numel = t.shape.reduce((a, b) => a * b, 1);
    tensorBytes += numel * ELEMENT_SIZE[t.storage.dtype];
    if (tensorBytes > maxTensorBytes) throw new TorchFileError('limit-exceeded', `${where}the tensors would take more than ${maxTensorBytes} bytes once copied out (views larger than their storage?)`);
    let storage = decoded.get(t.storage);
    if (!storage) {
      storage = decodeLittleEndian(t.storage.dtype, storageBytes(t.storage), t.storage.numel);
      decoded.set(t.storage, storage);
    }
    // A view of the whole storage takes the decoded array itself (one copy of a big checkpoint
    // fewer); the storage is then dropped, so a second view of it decodes afresh and shares nothing.
    const whole = t.storageOffset === 0 && numel === storage.length && isContiguous(t);
    if (whole) decoded.delete(t.storage);
    const out = whole ? storage : gather(storage, t, numel);
    made.set(t, out);
    return out;
  };

  // Each record copies its path: bounded too, or 500k values 200 levels deep would copy 10^8 keys.
  let pathCells = 0;
  const copy = (path: (string | number)[]): (string | number)[] => {
    pathCells += path.length + 1;
    if (pathCells > MAX_PATH_CELLS) throw new TorchFileError('limit-exceeded', `${where}the values' paths hold more than ${MAX_PATH_CELLS} keys in all`);
    return [...path];
  };

  // Runs after `size` below has bounded the tree and ruled out cycles.
  const visit = (v: PyValue, path: (string | number)[]) => {
    if (v instanceof TensorRef) {
      const s = v.storage;
      tensors.push({
        path: copy(path), shape: v.shape, dtype: s.dtype, stride: v.stride, offset: v.storageOffset, data: materialise(v),
        location: s.location, storage: { key: s.key, location: s.location, type: s.className, numel: s.numel }, requiresGrad: v.requiresGrad,
      });
      return;
    }
    const leaf = scalarOf(v);
    if (leaf) {
      scalars.push({ path: copy(path), ...leaf });
      return;
    }
    if (v instanceof PyDict) {
      const entries = [...v.map.values()];
      containers.push({ path: copy(path), type: v.ordered ? 'OrderedDict' : 'dict', keys: entries.map(([k]) => pathKey(k)) });
      for (const [k, x] of entries) {
        path.push(pathKey(k));
        visit(x, path);
        path.pop();
      }
    } else if (v instanceof PyList || v instanceof PyTuple) {
      containers.push({ path: copy(path), type: v instanceof PyList ? 'list' : 'tuple', len: v.items.length });
      v.items.forEach((x, i) => {
        path.push(i);
        visit(x, path);
        path.pop();
      });
    }
  };
  // The size of the tree first, counting each shared object once: a memo lets a few hundred bytes
  // describe 2^40 leaves, which must fail at once rather than after a long walk.
  const sizes = new Map<PyValue, number>();
  const size = (v: PyValue, depth: number): number => {
    if (depth > MAX_TREE_DEPTH) throw new TorchFileError('limit-exceeded', `${where}containers nested deeper than ${MAX_TREE_DEPTH}`);
    const children = v instanceof PyDict ? [...v.map.values()].map(([, x]) => x) : v instanceof PyList || v instanceof PyTuple ? v.items : undefined;
    if (!children) return 1;
    const known = sizes.get(v);
    if (known !== undefined) return known;
    if (open.has(v)) throw new TorchFileError('bad-pickle', `${where}a container contains itself`);
    open.add(v);
    let total = 1;
    for (const x of children) total = Math.min(total + size(x, depth + 1), MAX_TREE_NODES + 1);
    open.delete(v);
    sizes.set(v, total);
    return total;
  };
  if (size(root, 0) > MAX_TREE_NODES) throw new TorchFileError('limit-exceeded', `${where}the object holds more than ${MAX_TREE_NODES} values`);
  visit(root, []);
  return { tensors, scalars, containers };
}

/** The view (offset, shape, stride) of `storage` as a contiguous row-major array. */
function isContiguous(t: TensorRef): boolean {
  for (let i = t.shape.length - 1, expect = 1; i >= 0; i--) {
    if (t.shape[i]! !== 1 && t.stride[i]! !== expect) return false;
    expect *= t.shape[i]!;
  }
  return true;
}

function gather(storage: TorchTensorData, t: TensorRef, numel: number): TorchTensorData {
  const nd = t.shape.length;
  if (isContiguous(t)) return storage.slice(t.storageOffset, t.storageOffset + numel);
  const out = allocate(t.storage.dtype, numel) as Float64Array;
  const src = storage as Float64Array;
  const idx = new Array<number>(nd).fill(0);
  let p = t.storageOffset;
  for (let k = 0; k < numel; k++) {
    out[k] = src[p]!;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      p += t.stride[d]!;
      if (idx[d]! < t.shape[d]!) break;
      p -= t.stride[d]! * t.shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}
