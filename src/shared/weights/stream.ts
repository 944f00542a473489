// Parses a safetensors file as its bytes arrive, so a 558 MB checkpoint never sits in memory twice:
// each chunk is copied straight into the tensor it belongs to (F32 on a little-endian host without
// any per-element work), and the raw chunk can be dropped (or handed to the cache) right away.
import { WeightsError } from './errors';
import { assertNoTrailingData, DEFAULT_MAX_HEADER_BYTES, decodeTensor, parseHeader, type Header, type HeaderEntry, type SafetensorsFile, type Tensor } from './safetensors';

export interface StreamParseOptions {
  /** File name or URL, named in errors. */
  readonly source?: string;
  /** Total file size when known (Content-Length, Blob.size): bounds the header's offsets early. */
  readonly totalBytes?: number | null;
  /**
   * Called once the header is parsed, before any tensor data is read; throw to stop (e.g. a
   * checkpoint that does not fit the config fails before the download).
   */
  readonly onHeader?: (header: Header) => void;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface Slot {
  readonly entry: HeaderEntry;
  /** Where this tensor's stored bytes go. */
  readonly bytes: Uint8Array;
  /** Set when the stored bytes already are the engine's tensor (F32 on a little-endian host). */
  readonly direct: Float32Array | null;
}

function allocate(entry: HeaderEntry): Slot {
  const size = entry.end - entry.begin;
  if (entry.dtype === 'F32' && LITTLE_ENDIAN) {
    const direct = new Float32Array(size / 4);
    return { entry, bytes: new Uint8Array(direct.buffer), direct };
  }
  return { entry, bytes: new Uint8Array(size), direct: null };
}

/** Consumes the chunks of one safetensors file and returns its tensors. */
export async function parseSafetensorsStream(chunks: AsyncIterable<Uint8Array>, opts: StreamParseOptions = {}): Promise<SafetensorsFile> {
  const source = opts.source ?? 'safetensors file';
  const at = `${source}: `;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let header: Header | null = null;
  let needed = 8;
  // Data-section state: tensors sorted by offset, the one being filled, bytes of data seen.
  let slots: Slot[] = [];
  let current = 0;
  let dataPos = 0;
  let dataEnd = 0;

  const feedData = (chunk: Uint8Array) => {
    let off = 0;
    while (off < chunk.byteLength && current < slots.length) {
      const slot = slots[current]!;
      const { begin, end } = slot.entry;
      if (dataPos >= end) { current++; continue; }
      // parseHeader checked that the tensors tile the data section, so dataPos >= begin here.
      const n = Math.min(end - dataPos, chunk.byteLength - off);
      slot.bytes.set(chunk.subarray(off, off + n), dataPos - begin);
      off += n; dataPos += n;
    }
    dataPos += chunk.byteLength - off; // bytes after the last tensor: refused once the stream ends
  };

  for await (const chunk of chunks) {
    if (chunk.byteLength === 0) continue;
    if (header) { feedData(chunk); continue; }
    pending.push(chunk);
    pendingBytes += chunk.byteLength;
    if (pendingBytes < needed) continue;
    const prefix = concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    if (needed === 8) {
      const len = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
      // An absurd length fails here (header-too-large) instead of buffering the whole file.
      if (len > BigInt(DEFAULT_MAX_HEADER_BYTES)) parseHeader(prefix.subarray(0, 8), null, { source });
      needed = 8 + Number(len);
      if (prefix.byteLength < needed) {
        pending = [prefix];
        pendingBytes = prefix.byteLength;
        continue;
      }
    }
    header = parseHeader(prefix, opts.totalBytes ?? null, { source });
    opts.onHeader?.(header);
    slots = [...header.entries].sort((a, b) => a.begin - b.begin || a.end - b.end).map(allocate);
    dataEnd = slots.reduce((m, s) => Math.max(m, s.entry.end), 0);
    if (prefix.byteLength > header.dataStart) feedData(prefix.subarray(header.dataStart));
  }

  if (!header) {
    if (pendingBytes < 8) parseHeader(concat(pending, pendingBytes), null, { source }); // throws truncated-header
    throw new WeightsError('truncated', `${at}the file ended after ${pendingBytes} bytes, inside the ${needed - 8}-byte header`, { file: source });
  }
  if (dataPos < dataEnd) {
    const cut = slots.find((s) => s.entry.end > dataPos)!;
    throw new WeightsError(
      'truncated',
      `${at}the file ended after ${header.dataStart + dataPos} bytes but its header needs ${header.dataStart + dataEnd}; ` +
        `tensor "${cut.entry.name}" is incomplete`,
      { file: source, tensor: cut.entry.name },
    );
  }
  // Without a known total size the header could not check this: nothing may follow the last tensor.
  assertNoTrailingData(dataPos, slots[slots.length - 1]?.entry, at);
  const bySlot = new Map(slots.map((s) => [s.entry, s] as const));
  const tensors = new Map<string, Tensor>();
  for (const e of header.entries) {
    const slot = bySlot.get(e)!;
    tensors.set(e.name, slot.direct
      ? { dtype: 'F32', shape: e.shape, data: slot.direct }
      : decodeTensor(e, slot.bytes, at));
  }
  return { header, metadata: header.metadata, tensors };
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.byteLength; }
  return out;
}
