// readRegularFile / statInput: only regular files, never more than the stated limit.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputFileError, readRegularFile, statInput } from '../../../src/node/files';

const dir = mkdtempSync(join(tmpdir(), 'node-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function failure(f: () => unknown): InputFileError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputFileError);
    return e as InputFileError;
  }
  throw new Error('expected an InputFileError');
}

describe('files the user names', () => {
  it('reads a regular file up to the limit and refuses one byte more, naming the limit', () => {
    const f = join(dir, 'ten.json');
    writeFileSync(f, '0123456789');
    expect(readRegularFile(f, 10).toString()).toBe('0123456789');
    const e = failure(() => readRegularFile(f, 9, 'a test input'));
    expect(e.reason).toBe('too-large');
    expect(e.message).toBe(`${f}: is 10 bytes, more than the 9 allowed for a test input`);
  });

  it('refuses devices, FIFOs and folders (folders only where a file is expected)', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(failure(() => readRegularFile('/dev/zero', 100)).message).toBe('/dev/zero: is a character device, not a file');
    expect(failure(() => readRegularFile(fifo, 100)).message).toBe(`${fifo}: is a FIFO (named pipe), not a file`);
    expect(failure(() => readRegularFile(dir, 100)).reason).toBe('not-a-file');
    expect(statInput(dir, { folder: true }).isDirectory()).toBe(true);
    expect(failure(() => statInput(fifo, { folder: true })).message).toBe(`${fifo}: is a FIFO (named pipe), not a file or folder`);
    expect(() => readRegularFile(join(dir, 'missing'), 100)).toThrow(/ENOENT/);
  });
});
