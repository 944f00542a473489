// One error type for every way a PyTorch file can be refused, so callers branch on `code` and show
// `message` as is. Messages name the file, and the offset and opcode or global where one applies.

export type TorchFileErrorCode =
  /** Neither a torch zip archive nor a legacy torch file (first bytes). */
  | 'not-torch'
  /** A length, offset or count points past the end of the bytes available. */
  | 'truncated'
  /** The zip container is malformed (signatures, directory, duplicate or missing entries). */
  | 'bad-zip'
  /** A zip entry is compressed; torch.save stores every entry uncompressed. */
  | 'unsupported-compression'
  /** The pickle is malformed (stack underflow, wrong operand types, no STOP ...). */
  | 'bad-pickle'
  /** A pickle opcode torch.save never writes (refused, not interpreted). */
  | 'unsupported-opcode'
  /** A pickle names a global outside the small set torch.save of tensors uses (never imported or called). */
  | 'refused-global'
  /** A tensor or storage record that does not make sense (shape, stride, offset, storage size). */
  | 'bad-tensor'
  /** A storage class or numpy dtype the reader does not map. */
  | 'unsupported-dtype'
  /** A legacy-format feature the reader does not support (storage views, big-endian files, modules). */
  | 'unsupported-legacy'
  /** A size, nesting depth or object count beyond the reader's limits (hostile or absurd input). */
  | 'limit-exceeded';

export class TorchFileError extends Error {
  constructor(
    readonly code: TorchFileErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TorchFileError';
  }
}

/** "file: " or "" for messages. */
export function at(source: string | undefined): string {
  return source ? `${source}: ` : '';
}
