// The `__metadata__` block every Intrinsic Lab artifact carries. safetensors metadata is a flat
// map of strings, so numbers are written in decimal and lists as JSON strings.

import { APP_VERSION } from '../version';
import { ArtifactError } from './errors';
import type { ModelIdentity } from './identity';

export type ArtifactKind = 'projector' | 'prompt' | 'intrinsic-vector';

/** Written as `artifact`; `format` stays "pt" because transformers refuses safetensors files without it. */
export const ARTIFACT_TAG: Record<ArtifactKind, string> = {
  projector: 'intrinsic-lab.projector',
  prompt: 'intrinsic-lab.prompt',
  'intrinsic-vector': 'intrinsic-lab.intrinsic-vector',
};

/** Bumped when a reader of the previous version could misread a new file. */
export const ARTIFACT_FORMAT_VERSION = 1;

/** Bundle headers are a few kilobytes; anything near this is corrupt or hostile. */
export const ARTIFACT_MAX_HEADER_BYTES = 1024 * 1024;

export interface CommonMeta {
  readonly modelId: string;
  readonly configSha256: string;
  readonly dModel: number;
  /** Seed of the run that produced the artifact, or null when unknown (e.g. imported). */
  readonly seed: number | null;
  /** Version of the app that wrote the file. */
  readonly appVersion: string;
}

export interface IdentityCheck {
  /** The model the artifact will be used with. Omit to skip the check (e.g. the CLI). */
  readonly expect?: ModelIdentity;
  /**
   * Accept an artifact whose model id or config hash differs from `expect` (for experts who know
   * the models are compatible). d_model must still match: the tensors could not be used otherwise.
   */
  readonly allowModelMismatch?: boolean;
}

export function writeCommon(kind: ArtifactKind, identity: ModelIdentity, seed: number | null | undefined): Record<string, string> {
  const out: Record<string, string> = {
    format: 'pt',
    artifact: ARTIFACT_TAG[kind],
    artifact_version: String(ARTIFACT_FORMAT_VERSION),
    model_id: identity.modelId,
    config_sha256: identity.configSha256,
    d_model: String(identity.dModel),
    app_version: APP_VERSION,
  };
  if (seed !== null && seed !== undefined) {
    if (!Number.isSafeInteger(seed)) throw new ArtifactError('bad-metadata', `seed must be an integer, got ${seed}`);
    out.seed = String(seed);
  }
  return out;
}

/** Reads metadata fields with errors that name the file and the key. */
export class MetaReader {
  constructor(
    private readonly meta: Readonly<Record<string, string>>,
    private readonly at: string,
  ) {}

  private fail(key: string, why: string): never {
    throw new ArtifactError('bad-metadata', `${this.at}__metadata__["${key}"] ${why}`);
  }

  string(key: string): string {
    const v = this.meta[key];
    if (v === undefined) this.fail(key, 'is missing');
    return v;
  }

  optionalString(key: string): string | undefined {
    return this.meta[key];
  }

  /** A positive (or, with `min` 0, non-negative) decimal integer. */
  int(key: string, min = 1): number {
    const v = this.string(key);
    if (!/^\d{1,15}$/.test(v)) this.fail(key, `must be a decimal integer, got ${JSON.stringify(v)}`);
    const n = Number(v);
    if (n < min) this.fail(key, `must be at least ${min}, got ${n}`);
    return n;
  }

  optionalSignedInt(key: string): number | null {
    const v = this.meta[key];
    if (v === undefined) return null;
    if (!/^-?\d{1,15}$/.test(v)) this.fail(key, `must be a decimal integer, got ${JSON.stringify(v)}`);
    return Number(v);
  }

  stringList(key: string): string[] {
    const v = this.string(key);
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      this.fail(key, 'must be a JSON list of strings');
    }
    if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === 'string')) this.fail(key, 'must be a JSON list of strings');
    return parsed as string[];
  }

  optionalJson(key: string): unknown {
    const v = this.meta[key];
    if (v === undefined) return undefined;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      this.fail(key, 'must be JSON');
    }
  }
}

/** Checks the artifact tag and version, then reads the fields every artifact has. */
export function readCommon(meta: Readonly<Record<string, string>>, kind: ArtifactKind, at: string): { common: CommonMeta; r: MetaReader } {
  const tag = meta.artifact;
  if (tag !== ARTIFACT_TAG[kind]) {
    const what = tag === undefined ? 'has no "artifact" metadata (not an Intrinsic Lab artifact)' : `is a "${tag}"`;
    throw new ArtifactError('wrong-kind', `${at}expected a "${ARTIFACT_TAG[kind]}" file, but the file ${what}`);
  }
  const r = new MetaReader(meta, at);
  const version = r.int('artifact_version');
  if (version > ARTIFACT_FORMAT_VERSION) {
    throw new ArtifactError('unsupported-version', `${at}written in artifact format ${version}; this app (${APP_VERSION}) reads up to ${ARTIFACT_FORMAT_VERSION}. Update the app.`);
  }
  const configSha256 = r.string('config_sha256');
  if (!/^[0-9a-f]{64}$/.test(configSha256)) throw new ArtifactError('bad-metadata', `${at}__metadata__["config_sha256"] is not a SHA-256 hex digest`);
  const common: CommonMeta = {
    modelId: r.string('model_id'),
    configSha256,
    dModel: r.int('d_model'),
    seed: r.optionalSignedInt('seed'),
    appVersion: r.optionalString('app_version') ?? 'unknown',
  };
  return { common, r };
}

export function checkIdentity(common: CommonMeta, check: IdentityCheck, at: string): void {
  const want = check.expect;
  if (!want) return;
  if (common.dModel !== want.dModel) {
    throw new ArtifactError('shape-mismatch', `${at}made for d_model ${common.dModel}, but the loaded model ${want.modelId} has d_model ${want.dModel}`);
  }
  if (check.allowModelMismatch) return;
  if (common.modelId !== want.modelId) {
    throw new ArtifactError('model-mismatch', `${at}made for model "${common.modelId}", but "${want.modelId}" is loaded (import with the model-mismatch override only if you know they are compatible)`);
  }
  if (common.configSha256 !== want.configSha256) {
    throw new ArtifactError('model-mismatch', `${at}made for a "${common.modelId}" whose config.json hashes to ${common.configSha256.slice(0, 12)}…, but the loaded one hashes to ${want.configSha256.slice(0, 12)}… (import with the model-mismatch override only if you know they are compatible)`);
  }
}

export function where(source: string | undefined): string {
  return source ? `${source}: ` : '';
}
