// One error type for everything that can be wrong with an artifact a user imports, so the UI can
// branch on `code` and show `message` as is. Low-level safetensors failures are wrapped, keeping
// the original as `cause`.

import { SafetensorsError } from '../weights/safetensors';

export type ArtifactErrorCode =
  /** File shorter than its header or data section says. */
  | 'truncated'
  /** Header length field larger than the limit (a corrupt or hostile file). */
  | 'header-too-large'
  /** Header JSON, offsets or values do not make sense. */
  | 'corrupt'
  /** A tensor stored in a dtype the artifact cannot hold (e.g. I64 weights, F64). */
  | 'unsupported-dtype'
  /** The file is a valid safetensors file but not the kind of artifact asked for. */
  | 'wrong-kind'
  /** The artifact was written by a newer format version. */
  | 'unsupported-version'
  /** A required `__metadata__` key is missing or malformed. */
  | 'bad-metadata'
  /** A tensor is missing, unexpected, or has the wrong shape. */
  | 'shape-mismatch'
  /** The artifact's intrinsic dimension differs from the one expected. */
  | 'intrinsic-dim-mismatch'
  /** Trained for another model (id or config hash differs); see `allowModelMismatch`. */
  | 'model-mismatch'
  /** A weight is NaN or +-Infinity. */
  | 'non-finite'
  /** A share link that cannot be decoded. */
  | 'bad-share-link'
  /** A PEFT adapter this app cannot use. */
  | 'bad-peft-adapter'
  /** A download failed. */
  | 'fetch-failed'
  /** A URL the app does not fetch from (see FETCH_URL_RULE). */
  | 'refused-url'
  /** A download is larger than the cap for its kind. */
  | 'too-large'
  /** The browser's storage quota is exhausted. */
  | 'quota-exceeded'
  /** Any other storage failure. */
  | 'storage-failed'
  /** No stored artifact under that id. */
  | 'not-found';

export class ArtifactError extends Error {
  constructor(
    readonly code: ArtifactErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ArtifactError';
  }
}

const FROM_SAFETENSORS: Record<SafetensorsError['code'], ArtifactErrorCode> = {
  'truncated-header': 'truncated',
  'offset-out-of-range': 'truncated',
  'header-too-large': 'header-too-large',
  'bad-json': 'corrupt',
  'bad-entry': 'corrupt',
  'overlapping-offsets': 'corrupt',
  'offset-gap': 'corrupt',
  'duplicate-key': 'corrupt',
  'size-mismatch': 'corrupt',
  'bad-value': 'corrupt',
  'unsupported-dtype': 'unsupported-dtype',
};

/** Rethrows a SafetensorsError as an ArtifactError with the matching code; anything else unchanged. */
export function wrapSafetensorsError(e: unknown): never {
  if (e instanceof SafetensorsError) throw new ArtifactError(FROM_SAFETENSORS[e.code], e.message, { cause: e });
  throw e;
}
