// A directory of run records for the CLI: one safetensors file per record, the header fields
// in its __metadata__. Written to a temporary name and renamed, so a crash mid-write leaves the
// previous record, never a torn one.

import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  RunStoreError, validateRunRecord,
  type RunRecord, type RunRecordHeader, type RunStore, type StoredTensor,
} from '../shared/study/runStore';
import { parseSafetensors, writeSafetensors } from '../shared/weights/safetensors';

const SUFFIX = '.ckpt.safetensors';
const META_KEY = 'intrinsic-lab-checkpoint';

function fileName(key: string): string {
  // encodeURIComponent keeps '/' out of names; '*' and '.' prefixes are escaped too for portability.
  return encodeURIComponent(key).replace(/\*/g, '%2A').replace(/^\./, '%2E') + SUFFIX;
}

export class FileRunStore implements RunStore {
  constructor(readonly dir: string) {}

  async put(c: RunRecord): Promise<void> {
    validateRunRecord(c);
    await mkdir(this.dir, { recursive: true });
    const header: RunRecordHeader = { key: c.key, kind: c.kind, step: c.step, savedAt: c.savedAt, meta: c.meta };
    const bytes = writeSafetensors(c.tensors, { [META_KEY]: JSON.stringify(header) });
    const path = join(this.dir, fileName(c.key));
    const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  }

  private async read(path: string): Promise<RunRecord> {
    const file = parseSafetensors(await readFile(path), { source: path });
    const raw = file.metadata[META_KEY];
    if (raw === undefined) throw new RunStoreError(`${path}: not an Intrinsic Lab run record (no "${META_KEY}" metadata)`);
    let header: RunRecordHeader;
    try {
      header = JSON.parse(raw) as RunRecordHeader;
    } catch (e) {
      throw new RunStoreError(`${path}: run record header is not valid JSON (${(e as Error).message})`);
    }
    const tensors: Record<string, StoredTensor> = {};
    for (const [name, t] of file.tensors) {
      if (!(t.data instanceof Float32Array)) throw new RunStoreError(`${path}: tensor "${name}" is not float32`);
      tensors[name] = { shape: [...t.shape], data: t.data };
    }
    return { ...header, tensors };
  }

  async get(key: string): Promise<RunRecord | undefined> {
    const path = join(this.dir, fileName(key));
    try {
      return await this.read(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async list(prefix = ''): Promise<RunRecordHeader[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: RunRecordHeader[] = [];
    for (const n of names.filter((f) => f.endsWith(SUFFIX)).sort()) {
      const key = decodeURIComponent(n.slice(0, -SUFFIX.length));
      if (!key.startsWith(prefix)) continue;
      const { tensors: _t, ...info } = await this.read(join(this.dir, n));
      out.push(info);
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await rm(join(this.dir, fileName(key)), { force: true });
  }
}
