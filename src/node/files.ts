// Files the user names on a command line. Only regular files are read (a character device such as
// /dev/zero never ends, and opening a FIFO blocks until someone writes to it), and never more than
// a stated limit, so a wrong path fails at once with one line instead of hanging or crashing.
// Files a runner writes go whole or not at all (writeWhole).
import { closeSync, constants, fstatSync, openSync, readSync, renameSync, statSync, writeFileSync, type Stats } from 'node:fs';

/** JSON inputs (predictions, study.json, config.json): far above any real one, far below memory. */
export const MAX_JSON_FILE_BYTES = 256 * 2 ** 20;

export class InputFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: 'not-a-file' | 'too-large',
    message: string,
  ) {
    super(message);
    this.name = 'InputFileError';
  }
}

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The stats of `path` if it is a regular file (or, with `folder`, a folder); anything else throws
 * InputFileError. Errors of stat itself (ENOENT, EACCES) pass through.
 */
export function statInput(path: string, opts: { folder?: boolean } = {}): Stats {
  const s = statSync(path);
  if (s.isFile() || (opts.folder && s.isDirectory())) return s;
  throw new InputFileError(path, 'not-a-file', `${path}: is ${kindOf(s)}, not a ${opts.folder ? 'file or folder' : 'file'}`);
}

/**
 * Opens a regular file for reading. O_NONBLOCK: should the path have become a FIFO since the stat,
 * open returns at once and the fstat refuses it.
 */
export function openRegularFile(path: string): { fd: number; size: number } {
  statInput(path);
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const s = fstatSync(fd);
    if (!s.isFile()) throw new InputFileError(path, 'not-a-file', `${path}: is ${kindOf(s)}, not a file`);
    return { fd, size: s.size };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Reads up to `length` bytes at `position` (fewer at the end of the file). */
export function readAt(fd: number, position: number, length: number): Uint8Array {
  const buf = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/** The whole of a regular file of at most `maxBytes`; `what` names the limit in the error. */
export function readRegularFile(path: string, maxBytes: number, what = 'this input'): Buffer {
  const { fd, size } = openRegularFile(path);
  try {
    if (size > maxBytes) throw new InputFileError(path, 'too-large', `${path}: is ${size} bytes, more than the ${maxBytes} allowed for ${what}`);
    const bytes = readAt(fd, 0, size);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } finally {
    closeSync(fd);
  }
}

/** Writes `path` whole: to `<path>.partial` first, then renamed into place, so no reader sees half a file. */
export function writeWhole(path: string, data: string | Uint8Array): void {
  writeFileSync(`${path}.partial`, data);
  renameSync(`${path}.partial`, path);
}
