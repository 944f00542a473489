// Which model an artifact belongs to: the Hub id plus a SHA-256 of its config.json. A projector or
// prompt is only meaningful for the exact model it was trained with, so importers compare both.

import { parseBartConfig } from '../model/config';

export interface ModelIdentity {
  /** Hugging Face id, e.g. "facebook/bart-base". */
  readonly modelId: string;
  /** Lowercase hex SHA-256 of canonicalJson(config.json without VOLATILE_CONFIG_KEYS). */
  readonly configSha256: string;
  /** d_model, the width of one prompt token. */
  readonly dModel: number;
}

/**
 * Keys Hugging Face rewrites on every save without changing the model (the transformers version,
 * the local path it was loaded from, the Hub commit). Hashing them would make the same weights
 * look like a different model after a re-download.
 */
export const VOLATILE_CONFIG_KEYS: readonly string[] = ['_name_or_path', 'transformers_version', '_commit_hash'];

/**
 * JSON with object keys sorted at every depth and no whitespace, so two equal configs give equal
 * bytes whatever order their keys were written in. Numbers use JavaScript's shortest round-trip
 * form (1e-05 and 0.00001 both become 0.00001).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: cannot encode a ${typeof value}`);
}

export async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  const digest = await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Hash of a decoded config.json, ignoring VOLATILE_CONFIG_KEYS at the top level. */
export async function configSha256(configJson: unknown): Promise<string> {
  if (typeof configJson !== 'object' || configJson === null || Array.isArray(configJson)) {
    throw new TypeError('configSha256: config.json must be a JSON object');
  }
  const stable: Record<string, unknown> = { ...(configJson as Record<string, unknown>) };
  for (const k of VOLATILE_CONFIG_KEYS) delete stable[k];
  return sha256Hex(canonicalJson(stable));
}

/** Identity of a loaded model from its id and decoded config.json (validated as a BART config). */
export async function modelIdentity(modelId: string, configJson: unknown): Promise<ModelIdentity> {
  const config = parseBartConfig(configJson);
  return { modelId, configSha256: await configSha256(configJson), dModel: config.dModel };
}
