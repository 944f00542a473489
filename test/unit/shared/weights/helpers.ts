// Small BART checkpoints and a local Hub-layout server for the weights tests (loopback only).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { expectedWeights, parseBartConfig, type BartConfig } from '../../../../src/shared/model/config';
import { writeSafetensors, type WritableTensor } from '../../../../src/shared/weights/safetensors';

export const TINY_CONFIG_JSON = {
  model_type: 'bart',
  vocab_size: 24,
  d_model: 8,
  encoder_layers: 1,
  decoder_layers: 1,
  encoder_attention_heads: 2,
  decoder_attention_heads: 2,
  encoder_ffn_dim: 16,
  decoder_ffn_dim: 16,
  max_position_embeddings: 12,
};
export const TINY_CONFIG: BartConfig = parseBartConfig(TINY_CONFIG_JSON);
/** About 1 MB of weights: enough for progress to take many steps. */
export const MEDIUM_CONFIG_JSON = { ...TINY_CONFIG_JSON, vocab_size: 1000, d_model: 64, encoder_ffn_dim: 128, decoder_ffn_dim: 128 };

/** Every required tensor of the config (tied embeddings left out, as PyTorch saves them), values i*0.001+k. */
export function tinyTensors(config: BartConfig = TINY_CONFIG, { withBias = true } = {}): Record<string, WritableTensor> {
  const out: Record<string, WritableTensor> = {};
  let k = 0;
  for (const w of expectedWeights(config)) {
    if (w.optional && !(withBias && w.name === 'final_logits_bias')) continue;
    const n = w.shape.reduce((a, b) => a * b, 1);
    const base = k++;
    out[w.name] = { shape: w.shape, data: Float32Array.from({ length: n }, (_, i) => base + i * 0.001) };
  }
  return out;
}

export function tinyCheckpoint(config: BartConfig = TINY_CONFIG): Uint8Array<ArrayBuffer> {
  return writeSafetensors(tinyTensors(config)) as Uint8Array<ArrayBuffer>;
}

/** A file the Hub server serves: bytes, or a behaviour for error tests. */
export type HubFile =
  | Uint8Array
  | { readonly status: number }
  /** Announces the full length, sends `send` bytes, then drops the connection. */
  | { readonly truncate: Uint8Array; readonly send: number };

export interface HubServer {
  readonly base: string;
  /** GET/HEAD requests per path. */
  readonly hits: Map<string, number>;
  close(): Promise<void>;
}

/** Serves files at /{id}/resolve/main/{file} (or prefix + file) in chunks of 1000 bytes (so progress has steps). */
export async function serveHub(id: string, files: Record<string, HubFile>, prefix = `/${id}/resolve/main/`): Promise<HubServer> {
  const hits = new Map<string, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const f = path.startsWith(prefix) ? files[path.slice(prefix.length)] : undefined;
    if (f === undefined) return void res.writeHead(404).end('Entry not found');
    if ('status' in f) return void res.writeHead(f.status).end();
    if (req.method === 'HEAD') {
      const b = f instanceof Uint8Array ? f : f.truncate;
      return void res.writeHead(200, { 'Content-Length': String(b.byteLength), ETag: etagOf(b) }).end();
    }
    const bytes = f instanceof Uint8Array ? f : f.truncate;
    const send = f instanceof Uint8Array ? bytes.byteLength : f.send;
    res.writeHead(200, { 'Content-Length': String(bytes.byteLength), 'Content-Type': 'application/octet-stream', ETag: etagOf(bytes) });
    let off = 0;
    const pump = () => {
      while (off < send) {
        const end = Math.min(send, off + 1000);
        const more = res.write(bytes.subarray(off, end));
        off = end;
        if (!more) return void res.once('drain', pump);
      }
      // Drop the connection once the client has the headers (else fetch itself rejects).
      if (send < bytes.byteLength) setTimeout(() => res.destroy(), 50);
      else res.end();
    };
    pump();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    base: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

export const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

/** FNV-1a of the content, as a quoted ETag (changes whenever the bytes do). */
export function etagOf(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return `"${h.toString(16)}"`;
}
