// Element types of torch storages (the legacy `torch.<X>Storage` class names torch.save still
// pickles) and of numpy scalars, and how their little-endian bytes become typed arrays.

export type TorchDType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** Contiguous row-major values: float16/bfloat16 are widened to float32, bool is 0/1 bytes. */
export type TorchTensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export const STORAGE_DTYPES: Readonly<Record<string, TorchDType>> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

export const ELEMENT_SIZE: Readonly<Record<TorchDType, number>> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

/** An empty array of the type `dtype` comes out as. */
export function allocate(dtype: TorchDType, n: number): TorchTensorData {
  switch (dtype) {
    case 'float32': case 'float16': case 'bfloat16': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
    case 'int64': return new BigInt64Array(n);
    case 'int32': return new Int32Array(n);
    case 'int16': return new Int16Array(n);
    case 'int8': return new Int8Array(n);
    case 'uint8': case 'bool': return new Uint8Array(n);
  }
}

/** IEEE half bits to a number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** `n` elements of little-endian `dtype` from `bytes` (any alignment) as a typed array. */
export function decodeLittleEndian(dtype: TorchDType, bytes: Uint8Array, n: number): TorchTensorData {
  const size = ELEMENT_SIZE[dtype];
  // A copy into a fresh (aligned) buffer, then a typed view of it: memcpy speed on little-endian hosts.
  const copy = bytes.slice(0, n * size);
  const view = new DataView(copy.buffer);
  switch (dtype) {
    case 'float16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      return out;
    }
    case 'bfloat16': {
      const bits = new Uint32Array(n);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return new Float32Array(bits.buffer);
    }
    case 'uint8': case 'bool': return copy;
    default:
      break;
  }
  if (!LITTLE_ENDIAN_HOST) return decodeWithDataView(dtype, view, n);
  switch (dtype) {
    case 'float32': return new Float32Array(copy.buffer);
    case 'float64': return new Float64Array(copy.buffer);
    case 'int64': return new BigInt64Array(copy.buffer);
    case 'int32': return new Int32Array(copy.buffer);
    case 'int16': return new Int16Array(copy.buffer);
    default: return new Int8Array(copy.buffer);
  }
}

const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function decodeWithDataView(dtype: TorchDType, view: DataView, n: number): TorchTensorData {
  const out = allocate(dtype, n);
  const size = ELEMENT_SIZE[dtype];
  for (let i = 0; i < n; i++) {
    const o = i * size;
    switch (dtype) {
      case 'float32': out[i] = view.getFloat32(o, true); break;
      case 'float64': out[i] = view.getFloat64(o, true); break;
      case 'int64': (out as BigInt64Array)[i] = view.getBigInt64(o, true); break;
      case 'int32': out[i] = view.getInt32(o, true); break;
      case 'int16': out[i] = view.getInt16(o, true); break;
      default: out[i] = view.getInt8(o); break;
    }
  }
  return out;
}
