// The PyTorch reader against every file and number of ../shared/fixtures/reference-artifacts
// (files torch.save wrote through the paper's own code; expected.json from a torch-free Python
// reader checked against torch.load).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTorchFile, type TorchTensor } from '../../../../src/shared/torch/read';
import { REFERENCE_DIR, referencePresent as present } from './support';

if (!present) console.warn(`SKIPPING PyTorch reader fixture tests: ${REFERENCE_DIR} is absent`);

type Path = (string | number)[];
interface ExpectedTensor {
  path: Path; shape: number[]; dtype: string; storage: { key: string; location: string; type: string; numel: number };
  storage_offset: number; stride: number[]; requires_grad: boolean; backward_hooks: string; first8: number[]; sum: number;
}
interface ExpectedFile {
  format: 'zip' | 'legacy'; bytes: number; sha256: string; archive_prefix?: string;
  zip_entries?: { name: string; size: number; compression: number; data_offset: number }[];
  legacy_layout?: { magic_number: string; protocol_version: number; sys_info: { little_endian: boolean }; data_pickle_offset: number; storage_keys: string[]; storage_blobs: { key: string; count_offset: number; data_offset: number }[] };
  pickle: { protocol: number; opcodes: Record<string, number>; globals: string[] };
  tensors: ExpectedTensor[];
  scalars: { path: Path; type: string; value: unknown }[];
  containers: { path: Path; type: string; keys?: (string | number)[]; len?: number }[];
}
const expected = present ? (JSON.parse(readFileSync(join(REFERENCE_DIR, 'expected.json'), 'utf8')) as { files: Record<string, ExpectedFile> }) : { files: {} };
const files = Object.keys(expected.files).sort();

/** Sum in float64 as numpy does (pairwise for long arrays, so compare with a relative tolerance). */
function sum(t: TorchTensor): number {
  let s = 0;
  for (const v of t.data as Float32Array) s += v;
  return s;
}

function sameBytes(a: TorchTensor, b: TorchTensor): boolean {
  return Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength));
}

describe.skipIf(!present)('readTorchFile on the reference artifacts (../shared/fixtures/reference-artifacts)', () => {
  it('covers all six files', () => {
    expect(files).toEqual([
      'legacy/tiny-parity_16_13_best.pt', 'msf-dataparallel/best-ckpt.pt', 'msf-gpu-run/best-ckpt.pt', 'msf/best-ckpt.pt',
      'prompt_weight/glue-sst2_16_100_best.pt', 'prompt_weight/tiny-parity_16_13_best.pt',
    ]);
  });

  describe.each(files)('%s', (name) => {
    const want = expected.files[name]!;
    const bytes = present ? new Uint8Array(readFileSync(join(REFERENCE_DIR, name))) : new Uint8Array();
    const got = present ? readTorchFile(bytes, { source: name }) : undefined!;

    it('is the file expected.json describes (size, sha256)', () => {
      expect(bytes.length).toBe(want.bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(want.sha256);
    });

    it('container: format, zip entries or legacy layout', () => {
      expect(got.format).toBe(want.format);
      if (want.format === 'zip') {
        expect(got.zip!.prefix).toBe(want.archive_prefix);
        expect(got.zip!.entries.map((e) => ({ name: e.name, size: e.size, compression: e.compression, data_offset: e.dataOffset }))).toEqual(want.zip_entries);
        expect(got.legacy).toBeUndefined();
      } else {
        const l = want.legacy_layout!;
        expect(got.legacy).toEqual({
          magicNumber: l.magic_number, protocolVersion: l.protocol_version, littleEndian: l.sys_info.little_endian, dataPickleOffset: l.data_pickle_offset,
          storageKeys: l.storage_keys, storageBlobs: l.storage_blobs.map((b) => ({ key: b.key, countOffset: b.count_offset, dataOffset: b.data_offset })),
        });
        expect(got.zip).toBeUndefined();
      }
    });

    it('pickle: protocol, every opcode count, the globals', () => {
      expect(got.pickle.protocol).toBe(want.pickle.protocol);
      expect(got.pickle.opcodes).toEqual(want.pickle.opcodes);
      expect(got.pickle.globals).toEqual(want.pickle.globals);
    });

    it('every tensor: path, shape, dtype, storage, offset, stride, first 8 values, sum', () => {
      expect(got.tensors.map((t) => t.path)).toEqual(want.tensors.map((t) => t.path));
      want.tensors.forEach((w, i) => {
        const t = got.tensors[i]!;
        expect({ shape: t.shape, dtype: t.dtype, storage: t.storage, offset: t.offset, stride: t.stride, requiresGrad: t.requiresGrad, location: t.location }).toEqual({
          shape: w.shape, dtype: w.dtype, storage: w.storage, offset: w.storage_offset, stride: w.stride, requiresGrad: w.requires_grad, location: w.storage.location,
        });
        expect(w.backward_hooks).toBe('OrderedDict(0)');
        expect(t.data).toBeInstanceOf(Float32Array);
        expect(t.data.length).toBe(w.shape.reduce((a, b) => a * b, 1));
        expect([...(t.data as Float32Array).subarray(0, 8)]).toEqual(w.first8);
        expect(Math.abs(sum(t) - w.sum)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(w.sum)) + 1e-12 * t.data.length);
      });
    });

    it('every other value (path, Python type, value) and every container', () => {
      expect(got.scalars).toEqual(want.scalars);
      expect(got.containers).toEqual(want.containers);
    });
  });

  it('the CUDA run differs from the CPU run only in the optimizer tensors\' location', () => {
    const cpu = readTorchFile(new Uint8Array(readFileSync(join(REFERENCE_DIR, 'msf/best-ckpt.pt'))));
    const gpu = readTorchFile(new Uint8Array(readFileSync(join(REFERENCE_DIR, 'msf-gpu-run/best-ckpt.pt'))));
    const locations = gpu.tensors.map((t) => `${t.path[0]}:${t.location}`);
    expect(new Set(locations)).toEqual(new Set(['model:cpu', 'optimizer:cuda:0']));
    gpu.tensors.forEach((t, i) => expect(sameBytes(t, cpu.tensors[i]!)).toBe(true));
  });

  it('the legacy file holds the same tensor as the zip one', () => {
    const zip = readTorchFile(new Uint8Array(readFileSync(join(REFERENCE_DIR, 'prompt_weight/tiny-parity_16_13_best.pt'))));
    const legacy = readTorchFile(new Uint8Array(readFileSync(join(REFERENCE_DIR, 'legacy/tiny-parity_16_13_best.pt'))));
    expect(sameBytes(legacy.tensors[0]!, zip.tensors[0]!)).toBe(true);
  });
});
