// A checkpoint's identity by content, for study keys: two model.safetensors of one name and size
// are different models, and one checkpoint moved to another folder is the same model.
import { sha256Hex } from '../artifacts/identity';

/** A short content hash of a checkpoint: SHA-256 over each tensor's name, shape and bytes, in name order. */
export async function weightsDigest(weights: ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: ArrayBufferView }>): Promise<string> {
  const parts: string[] = [];
  for (const name of [...weights.keys()].sort()) {
    const t = weights.get(name)!;
    parts.push(`${name}:${t.shape.join('x')}:${await sha256Hex(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength))}`);
  }
  return (await sha256Hex(parts.join('\n'))).slice(0, 16);
}
