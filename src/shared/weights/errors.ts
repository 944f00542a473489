// One error type for everything that can go wrong while bringing a model into the engine, with a
// code a caller can switch on and the file / tensor it concerns (shown to the user as is).

export type WeightsErrorCode =
  /** A file is missing from a source (HTTP 404, or not among the files the user picked). */
  | 'not-found'
  /** An address the app does not fetch from (see FETCH_URL_RULE in urls.ts). */
  | 'refused-url'
  /** The server answered with another non-2xx status. */
  | 'http-status'
  /** fetch failed or the connection broke before the body was complete. */
  | 'network'
  /** The body ended before Content-Length or before the header's last tensor offset. */
  | 'truncated'
  | 'aborted'
  /** A JSON file (config.json, tokenizer.json, ...) does not parse. */
  | 'bad-json'
  /** The weights do not fit the config: missing / unexpected tensors, wrong shapes or dtypes. */
  | 'weights-mismatch'
  /** A weight is NaN or ±Infinity (`tensor` names the first such tensor). */
  | 'non-finite'
  /** The browser refused to store the cache (quota). */
  | 'quota'
  /** Any other IndexedDB failure, or a cache entry that lost a chunk. */
  | 'cache';

export type WeightsProblem =
  | { readonly kind: 'missing'; readonly tensor: string; readonly expected: readonly number[] }
  | { readonly kind: 'unexpected'; readonly tensor: string; readonly shape: readonly number[] }
  | { readonly kind: 'shape'; readonly tensor: string; readonly shape: readonly number[]; readonly expected: readonly number[] }
  | { readonly kind: 'dtype'; readonly tensor: string; readonly dtype: string };

export class WeightsError extends Error {
  readonly code: WeightsErrorCode;
  /** The file (name or URL) the error concerns, when there is one. */
  readonly file: string | undefined;
  /** The first tensor the error concerns, when there is one. */
  readonly tensor: string | undefined;
  /** Every problem found, for 'weights-mismatch'. */
  readonly problems: readonly WeightsProblem[];
  /** HTTP status, for 'not-found' and 'http-status' from a server. */
  readonly status: number | undefined;

  constructor(
    code: WeightsErrorCode,
    message: string,
    details: { file?: string; tensor?: string; problems?: readonly WeightsProblem[]; status?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'WeightsError';
    this.code = code;
    this.file = details.file;
    this.tensor = details.tensor;
    this.problems = details.problems ?? [];
    this.status = details.status;
  }
}

export function abortError(file: string | undefined, signal: AbortSignal): WeightsError {
  const why = signal.reason instanceof Error ? `: ${signal.reason.message}` : '';
  return new WeightsError('aborted', `${file ?? 'loading'} was cancelled${why}`, { file, cause: signal.reason });
}
