// A pickle reader for exactly what torch.save writes (protocol 2): tensors, dicts, OrderedDicts,
// lists, tuples, ints, floats, strings, None, bools and numpy scalars. It is a data decoder, not an
// unpickler: no global is ever imported and nothing is ever called. GLOBAL names are checked
// against a short allow-list the moment they are read, and REDUCE only builds the few value types
// below. Any other opcode or global is refused with a TorchFileError naming it and its offset.
// The machine is a loop over the bytes (no recursion); the memo and stack are bounded by the
// input's length and MAX_MEMO.

import { ELEMENT_SIZE, halfToFloat, STORAGE_DTYPES, type TorchDType } from './dtypes';
import { at, TorchFileError } from './errors';

export class PyList {
  constructor(readonly items: PyValue[]) {}
}
export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}
export type PyKey = string | bigint | number | boolean | null;
/** dict or collections.OrderedDict (both keep insertion order). */
export class PyDict {
  readonly map = new Map<string, [PyKey, PyValue]>();
  constructor(readonly ordered: boolean) {}
}
/** A global the allow-list admits, held as a name only. */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}
/** A storage named by a persistent id; its bytes are read after unpickling. */
export class StorageRef {
  constructor(
    readonly key: string,
    readonly className: string,
    readonly dtype: TorchDType,
    readonly location: string,
    readonly numel: number,
  ) {}
}
/** torch._utils._rebuild_tensor_v2's arguments, checked against the storage's size. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly storageOffset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
    readonly requiresGrad: boolean,
  ) {}
}
export class NumpyDType {
  byteOrder = '=';
  constructor(readonly code: string) {}
}
export class NumpyScalar {
  constructor(readonly dtype: string, readonly value: number | bigint | boolean) {}
}

/** Python ints are bigint, floats number, so the two stay apart (0 vs 0.0). */
export type PyValue = null | boolean | bigint | number | string | Uint8Array | PyList | PyTuple | PyDict | PyGlobal | StorageRef | TensorRef | NumpyDType | NumpyScalar;

export interface PickleStats {
  protocol: number;
  opcodes: Record<string, number>;
  /** Globals in the order first met. */
  globals: string[];
}

/** Far above a full state dict's memo (about 4 entries per tensor). */
export const MAX_MEMO = 4_000_000;

/** The globals torch.save of tensors and plain containers can write; nothing else is accepted. */
const ALLOWED_GLOBALS: ReadonlySet<string> = new Set([
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'collections.OrderedDict',
  'numpy.core.multiarray.scalar',
  'numpy._core.multiarray.scalar',
  'numpy.dtype',
  '_codecs.encode',
  ...Object.keys(STORAGE_DTYPES).map((s) => `torch.${s}`),
]);

const OPCODE_NAMES: Readonly<Record<number, string>> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT', 0x4a: 'BININT',
  0x4b: 'BININT1', 0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE', 0x50: 'PERSID', 0x51: 'BINPERSID', 0x52: 'REDUCE',
  0x53: 'STRING', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x56: 'UNICODE', 0x58: 'BINUNICODE', 0x61: 'APPEND',
  0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT', 0x7d: 'EMPTY_DICT', 0x65: 'APPENDS', 0x67: 'GET', 0x68: 'BINGET',
  0x69: 'INST', 0x6a: 'LONG_BINGET', 0x6c: 'LIST', 0x5d: 'EMPTY_LIST', 0x6f: 'OBJ', 0x70: 'PUT', 0x71: 'BINPUT',
  0x72: 'LONG_BINPUT', 0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE', 0x75: 'SETITEMS', 0x47: 'BINFLOAT',
  0x80: 'PROTO', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x85: 'TUPLE1', 0x86: 'TUPLE2', 0x87: 'TUPLE3',
  0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x8a: 'LONG1', 0x8b: 'LONG4', 0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES',
  0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8', 0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET',
  0x92: 'NEWOBJ_EX', 0x93: 'STACK_GLOBAL', 0x94: 'MEMOIZE', 0x95: 'FRAME', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

/** Bytes of numpy scalar dtypes by their type code, and what they decode to. */
const NUMPY_CODES: Readonly<Record<string, { size: number; name: string }>> = {
  f8: { size: 8, name: 'float64' }, f4: { size: 4, name: 'float32' }, f2: { size: 2, name: 'float16' },
  i8: { size: 8, name: 'int64' }, i4: { size: 4, name: 'int32' }, i2: { size: 2, name: 'int16' }, i1: { size: 1, name: 'int8' },
  u8: { size: 8, name: 'uint64' }, u4: { size: 4, name: 'uint32' }, u2: { size: 2, name: 'uint16' }, u1: { size: 1, name: 'uint8' },
  b1: { size: 1, name: 'bool' },
};

export function typeName(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'string') return 'str';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof PyList) return 'list';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof PyDict) return v.ordered ? 'OrderedDict' : 'dict';
  if (v instanceof PyGlobal) return `global ${v.qualified}`;
  if (v instanceof StorageRef) return 'storage';
  if (v instanceof TensorRef) return 'tensor';
  if (v instanceof NumpyDType) return 'numpy.dtype';
  return `numpy.${v.dtype}`;
}

/** The identity Python would hash a dict key by (1, 1.0 and True are one key). */
function keyId(k: PyValue): string | undefined {
  if (typeof k === 'string') return `s${k}`;
  if (typeof k === 'bigint') return `i${k}`;
  if (typeof k === 'boolean') return k ? 'i1' : 'i0';
  if (typeof k === 'number') return Number.isInteger(k) ? `i${BigInt(k)}` : `f${k}`;
  if (k === null) return 'n';
  return undefined;
}

export interface UnpickleOptions {
  /** Named in error messages: the file. */
  readonly source?: string;
  /** Named in error messages: the entry or pickle within the file ("data.pkl"). */
  readonly label: string;
  /** BINPERSID: turns a persistent id into a value (a StorageRef), or throws. */
  readonly persistentLoad?: (pid: PyValue, fail: (code: 'bad-tensor' | 'unsupported-dtype' | 'unsupported-legacy' | 'bad-pickle', why: string) => never) => PyValue;
  /** Counts opcodes and globals into this object. */
  readonly stats?: PickleStats;
}

const MARK = Symbol('mark');

/**
 * Runs one pickle that starts at `start` in `bytes`; returns its value and the offset after STOP.
 * Offsets in messages are relative to `bytes`.
 */
export function unpickle(bytes: Uint8Array, start: number, opts: UnpickleOptions): { value: PyValue; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength;
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const stack: (PyValue | typeof MARK)[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  const stats = opts.stats;
  let pos = start;
  let opStart = start;
  let opName = '';

  const fail = (code: ConstructorParameters<typeof TorchFileError>[0], why: string): never => {
    throw new TorchFileError(code, `${at(opts.source)}${opts.label} offset ${opStart}${opName ? ` (${opName})` : ''}: ${why}`);
  };
  const need = (k: number) => {
    if (pos + k > n) fail('truncated', `needs ${k} more bytes, but the pickle ends at ${n}`);
  };
  const pop = (): PyValue => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1]!)) fail('bad-pickle', 'pops an empty stack');
    const v = stack.pop()!;
    if (v === MARK) fail('bad-pickle', 'pops a mark');
    return v as PyValue;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK || (marks.length > 0 && stack.length <= marks[marks.length - 1]!)) fail('bad-pickle', 'needs a value on the stack');
    return v as PyValue;
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) fail('bad-pickle', 'needs a mark, but none is open');
    const items = stack.splice(m!) as PyValue[];
    items.shift(); // the mark itself
    return items;
  };
  const put = (i: number) => {
    if (!memo.has(i) && memo.size >= MAX_MEMO) fail('limit-exceeded', `the memo would exceed ${MAX_MEMO} entries`);
    memo.set(i, top());
  };
  const get = (i: number) => {
    if (!memo.has(i)) fail('bad-pickle', `memo entry ${i} was never stored`);
    stack.push(memo.get(i)!);
  };
  const setItem = (d: PyValue, k: PyValue, v: PyValue) => {
    if (!(d instanceof PyDict)) fail('bad-pickle', `sets an item on a ${typeName(d)}, not a dict`);
    const id = keyId(k);
    if (id === undefined) fail('bad-pickle', `a dict key of type ${typeName(k)} is not one torch.save writes (str, int, float, bool, None)`);
    const dict = d as PyDict;
    const prev = dict.map.get(id!);
    dict.map.set(id!, [prev ? prev[0] : (k as PyKey), v]);
  };
  const append = (l: PyValue, items: PyValue[]) => {
    if (!(l instanceof PyList)) fail('bad-pickle', `appends to a ${typeName(l)}, not a list`);
    for (const x of items) (l as PyList).items.push(x);
  };
  const int = (v: PyValue, what: string, min = 0): number => {
    if (typeof v !== 'bigint' || v < BigInt(min) || v > BigInt(Number.MAX_SAFE_INTEGER)) fail('bad-tensor', `${what} must be an integer >= ${min}, got ${typeName(v)} ${String(v)}`);
    return Number(v);
  };

  for (;;) {
    opStart = pos;
    opName = '';
    need(1);
    const op = bytes[pos++]!;
    opName = OPCODE_NAMES[op] ?? `0x${op.toString(16).padStart(2, '0')}`;
    if (stats) stats.opcodes[opName] = (stats.opcodes[opName] ?? 0) + 1;
    switch (op) {
      case 0x80: { // PROTO
        need(1);
        const p = bytes[pos++]!;
        if (p > 2) fail('unsupported-opcode', `pickle protocol ${p}; torch.save writes protocol 2`);
        if (stats) stats.protocol = p;
        break;
      }
      case 0x2e: { // STOP
        const value = pop();
        if (stack.length > 0 || marks.length > 0) fail('bad-pickle', `${stack.length} values and ${marks.length} marks are left on the stack at STOP`);
        return { value, end: pos };
      }
      case 0x28: marks.push(stack.length); stack.push(MARK); break;
      case 0x4e: stack.push(null); break;
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x4b: need(1); stack.push(BigInt(bytes[pos]!)); pos += 1; break;
      case 0x4d: need(2); stack.push(BigInt(view.getUint16(pos, true))); pos += 2; break;
      case 0x4a: need(4); stack.push(BigInt(view.getInt32(pos, true))); pos += 4; break;
      case 0x8a: { // LONG1: little-endian two's complement
        need(1);
        const len = bytes[pos++]!;
        need(len);
        let v = 0n;
        for (let i = len - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[pos + i]!);
        if (len > 0 && bytes[pos + len - 1]! & 0x80) v -= 1n << BigInt(8 * len);
        pos += len;
        stack.push(v);
        break;
      }
      case 0x47: need(8); stack.push(view.getFloat64(pos, false)); pos += 8; break;
      case 0x58: { // BINUNICODE
        need(4);
        const len = view.getUint32(pos, true);
        pos += 4;
        need(len);
        let s: string;
        try {
          s = utf8.decode(bytes.subarray(pos, pos + len));
        } catch {
          fail('bad-pickle', `a ${len}-byte string is not valid UTF-8`);
        }
        pos += len;
        stack.push(s!);
        break;
      }
      case 0x7d: stack.push(new PyDict(false)); break;
      case 0x5d: stack.push(new PyList([])); break;
      case 0x29: stack.push(new PyTuple([])); break;
      case 0x74: stack.push(new PyTuple(popMark())); break;
      case 0x85: { const a = pop(); stack.push(new PyTuple([a])); break; }
      case 0x86: { const b = pop(); const a = pop(); stack.push(new PyTuple([a, b])); break; }
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(new PyTuple([a, b, c])); break; }
      case 0x61: { const x = pop(); append(top(), [x]); break; }
      case 0x65: { const items = popMark(); append(top(), items); break; }
      case 0x73: { const v = pop(); const k = pop(); setItem(top(), k, v); break; }
      case 0x75: {
        const items = popMark();
        if (items.length % 2 !== 0) fail('bad-pickle', `SETITEMS with an odd number (${items.length}) of keys and values`);
        const d = top();
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i]!, items[i + 1]!);
        break;
      }
      case 0x71: need(1); put(bytes[pos]!); pos += 1; break;
      case 0x72: need(4); put(view.getUint32(pos, true)); pos += 4; break;
      case 0x68: need(1); get(bytes[pos]!); pos += 1; break;
      case 0x6a: need(4); get(view.getUint32(pos, true)); pos += 4; break;
      case 0x63: { // GLOBAL "module\nname\n"
        const readLine = (): string => {
          // Searched within 256 bytes only, so a file without newlines costs no scan of the rest.
          const found = bytes.subarray(pos, pos + 257).indexOf(0x0a);
          if (found < 0) fail(pos + 257 > n ? 'truncated' : 'bad-pickle', 'a global name without its newline within 256 bytes');
          const end = pos + found;
          const s = new TextDecoder('latin1').decode(bytes.subarray(pos, end));
          pos = end + 1;
          return s;
        };
        const g = new PyGlobal(readLine(), readLine());
        if (!ALLOWED_GLOBALS.has(g.qualified)) {
          fail('refused-global', `global "${g.qualified}" is refused: only the globals torch.save uses for tensors and plain containers are read, and none is ever called`);
        }
        if (stats && !stats.globals.includes(g.qualified)) stats.globals.push(g.qualified);
        stack.push(g);
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PyGlobal)) fail('bad-pickle', `calls a ${typeName(fn)}; only allowed globals can be reduced`);
        if (!(args instanceof PyTuple)) fail('bad-pickle', `the arguments of ${(fn as PyGlobal).qualified} are a ${typeName(args)}, not a tuple`);
        stack.push(reduce(fn as PyGlobal, (args as PyTuple).items, fail, int));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const obj = top();
        if (obj instanceof NumpyDType && state instanceof PyTuple) {
          const order = state.items[1];
          if (typeof order !== 'string' || !['<', '>', '|', '='].includes(order)) fail('bad-pickle', `numpy dtype state has byte order ${String(order)}`);
          obj.byteOrder = order as string;
        } else if (!(obj instanceof PyDict && state === null)) {
          fail('bad-pickle', `BUILD of a ${typeName(obj)} with a ${typeName(state)} is not something torch.save writes`);
        }
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!opts.persistentLoad) fail('bad-pickle', 'a persistent id where none is expected');
        stack.push(opts.persistentLoad!(pid, fail));
        break;
      }
      default:
        fail('unsupported-opcode', `opcode 0x${op.toString(16).padStart(2, '0')} (${OPCODE_NAMES[op] ?? 'unknown'}) is not one torch.save writes; refused`);
    }
  }
}

type Fail = (code: ConstructorParameters<typeof TorchFileError>[0], why: string) => never;

/** What each allowed callable builds from its arguments (values only: nothing runs). */
function reduce(fn: PyGlobal, args: readonly PyValue[], fail: Fail, int: (v: PyValue, what: string, min?: number) => number): PyValue {
  switch (fn.qualified) {
    case 'torch._utils._rebuild_tensor_v2': {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      if (args.length !== 6 && args.length !== 7) fail('bad-tensor', `_rebuild_tensor_v2 takes 6 or 7 arguments, got ${args.length}`);
      const [storage, offset, size, stride, requiresGrad, hooks] = args;
      if (!(storage instanceof StorageRef)) fail('bad-tensor', `a tensor's storage is a ${typeName(storage!)}, not a persistent storage`);
      if (!(size instanceof PyTuple) || !(stride instanceof PyTuple)) fail('bad-tensor', 'a tensor\'s size and stride must be tuples');
      if (typeof requiresGrad !== 'boolean') fail('bad-tensor', `requires_grad is a ${typeName(requiresGrad!)}, not a bool`);
      if (!(hooks instanceof PyDict)) fail('bad-tensor', `backward_hooks is a ${typeName(hooks!)}, not an OrderedDict`);
      const st = storage as StorageRef;
      const shape = (size as PyTuple).items.map((d, i) => int(d, `size[${i}]`));
      const strides = (stride as PyTuple).items.map((d, i) => int(d, `stride[${i}]`));
      if (shape.length !== strides.length) fail('bad-tensor', `size has ${shape.length} dimensions but stride ${strides.length}`);
      if (shape.length > 64) fail('limit-exceeded', `a tensor with ${shape.length} dimensions`);
      const off = int(offset!, 'storage_offset');
      let numel = 1;
      let last = off;
      for (let i = 0; i < shape.length; i++) {
        numel *= shape[i]!;
        if (numel > Number.MAX_SAFE_INTEGER) fail('limit-exceeded', `a tensor of shape ${JSON.stringify(shape)} is too large`);
      }
      if (numel > 0) {
        for (let i = 0; i < shape.length; i++) last += (shape[i]! - 1) * strides[i]!;
        if (last >= st.numel || !Number.isSafeInteger(last)) {
          fail('bad-tensor', `a tensor of shape ${JSON.stringify(shape)}, stride ${JSON.stringify(strides)} at offset ${off} reaches element ${last} of storage "${st.key}", which holds ${st.numel}`);
        }
      }
      return new TensorRef(st, off, shape, strides, requiresGrad as boolean);
    }
    case 'torch._utils._rebuild_parameter': {
      // (data, requires_grad, backward_hooks): an nn.Parameter is its tensor here.
      const [data, requiresGrad] = args;
      if (args.length !== 3 || !(data instanceof TensorRef) || typeof requiresGrad !== 'boolean') fail('bad-tensor', '_rebuild_parameter takes (tensor, requires_grad, backward_hooks)');
      const t = data as TensorRef;
      return new TensorRef(t.storage, t.storageOffset, t.shape, t.stride, requiresGrad as boolean);
    }
    case 'collections.OrderedDict':
      if (args.length !== 0) fail('bad-pickle', `OrderedDict is called with ${args.length} arguments; torch.save pickles it as OrderedDict() then SETITEMS`);
      return new PyDict(true);
    case 'numpy.dtype': {
      // dtype('f8', False, True)
      const [code] = args;
      if (typeof code !== 'string' || !(code in NUMPY_CODES)) fail('unsupported-dtype', `numpy dtype ${JSON.stringify(code ?? null)} is not one of ${Object.keys(NUMPY_CODES).join(', ')}`);
      return new NumpyDType(code as string);
    }
    case 'numpy.core.multiarray.scalar':
    case 'numpy._core.multiarray.scalar': {
      const [dtype, raw] = args;
      if (args.length !== 2 || !(dtype instanceof NumpyDType) || !(raw instanceof Uint8Array)) fail('bad-pickle', 'numpy scalar takes (dtype, bytes)');
      const d = dtype as NumpyDType;
      const spec = NUMPY_CODES[d.code]!;
      const b = raw as Uint8Array;
      if (b.length !== spec.size) fail('bad-pickle', `a numpy ${spec.name} scalar needs ${spec.size} bytes, got ${b.length}`);
      const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const le = d.byteOrder !== '>';
      const value =
        spec.name === 'float64' ? v.getFloat64(0, le) : spec.name === 'float32' ? v.getFloat32(0, le)
        : spec.name === 'float16' ? Math.fround(halfToFloat(v.getUint16(0, le)))
        : spec.name === 'int64' ? v.getBigInt64(0, le) : spec.name === 'uint64' ? v.getBigUint64(0, le)
        : spec.name === 'int32' ? BigInt(v.getInt32(0, le)) : spec.name === 'uint32' ? BigInt(v.getUint32(0, le))
        : spec.name === 'int16' ? BigInt(v.getInt16(0, le)) : spec.name === 'uint16' ? BigInt(v.getUint16(0, le))
        : spec.name === 'int8' ? BigInt(v.getInt8(0)) : spec.name === 'uint8' ? BigInt(v.getUint8(0))
        : v.getUint8(0) !== 0;
      return new NumpyScalar(spec.name, value);
    }
    case '_codecs.encode': {
      // _codecs.encode(s, 'latin1'): how protocol 2 pickles bytes; code points 0-255 are the bytes.
      const [s, enc] = args;
      if (args.length !== 2 || typeof s !== 'string' || (enc !== 'latin1' && enc !== 'latin-1')) fail('bad-pickle', '_codecs.encode is only read as encode(str, "latin1")');
      const str = s as string;
      const out = new Uint8Array(str.length);
      for (let i = 0; i < str.length; i++) {
        const c = str.charCodeAt(i);
        if (c > 255) fail('bad-pickle', `_codecs.encode(..., "latin1") of a string with code point ${c}`);
        out[i] = c;
      }
      return out;
    }
    default:
      // Storage classes: named in persistent ids, never called.
      return fail('bad-pickle', `${fn.qualified} is not callable here`);
  }
}

/** Storage classes the allow-list admits, as their element type and size. */
export function storageClass(g: PyValue): { className: string; dtype: TorchDType; elementSize: number } | undefined {
  if (!(g instanceof PyGlobal) || g.module !== 'torch') return undefined;
  const dtype = STORAGE_DTYPES[g.name];
  return dtype ? { className: g.name, dtype, elementSize: ELEMENT_SIZE[dtype] } : undefined;
}
