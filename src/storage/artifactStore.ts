// IndexedDB store for imported and exported artifacts (database "intrinsic-lab-artifacts"):
// projector bundles, soft prompts and intrinsic vectors, kept as their safetensors bytes so an
// artifact can be downloaded again exactly as it came in.
//
// Two object stores: `summaries` (small records, so listing never loads a 200 MB projector) and
// `files` (the bytes). Every put validates the bytes completely first, then writes the summary and
// the file in ONE readwrite transaction: a bad file writes nothing, and a quota error or a closed
// tab leaves either the whole artifact or none of it.

import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { ArtifactError } from '../shared/artifacts/errors';
import { sha256Hex } from '../shared/artifacts/identity';
import type { IdentityCheck } from '../shared/artifacts/metadata';
import { decodeProjectorBundle, describeProjector, type ProjectorBundle, type ProjectorImportOptions } from '../shared/artifacts/projector';
import {
  decodeIntrinsicVectorFile, decodeSoftPrompt,
  type IntrinsicVectorArtifact, type IntrinsicVectorImportOptions, type SoftPromptArtifact, type SoftPromptImportOptions,
} from '../shared/artifacts/prompt';
import { isQuotaError, writeAllOrNothing } from './idb';

export const ARTIFACT_DB_NAME = 'intrinsic-lab-artifacts';
const DB_VERSION = 1;

export type StoredArtifactKind = 'projector' | 'prompt' | 'vector';

export interface ArtifactSummary {
  /** SHA-256 of the file's bytes: the same file stored twice is one artifact. */
  readonly id: string;
  readonly kind: StoredArtifactKind;
  /** User-facing label (a file name by default). */
  readonly name: string;
  readonly modelId: string;
  readonly configSha256: string;
  readonly byteLength: number;
  /** Milliseconds since the epoch. */
  readonly storedAt: number;
  /** Kind-specific facts for listings: dims and tasks of a projector, prompt length, d_I, task. */
  readonly details: Readonly<Record<string, string | number | boolean | null | readonly string[]>>;
}

interface ArtifactDb extends DBSchema {
  summaries: { key: string; value: ArtifactSummary; indexes: { kind: StoredArtifactKind } };
  files: { key: string; value: { id: string; bytes: Uint8Array } };
}

export interface PutOptions {
  /** Label; defaults to the kind and the first 12 hex digits of the id. */
  readonly name?: string;
}

/** A private copy of exactly these bytes: structured clone would otherwise keep a whole parent buffer. */
function ownBytes(bytes: Uint8Array | ArrayBuffer): Uint8Array {
  return bytes instanceof Uint8Array ? bytes.slice() : new Uint8Array(bytes.slice(0));
}

export class ArtifactStore {
  private dbPromise: Promise<IDBPDatabase<ArtifactDb>> | null = null;

  constructor(private readonly dbName = ARTIFACT_DB_NAME) {}

  private db(): Promise<IDBPDatabase<ArtifactDb>> {
    this.dbPromise ??= openDB<ArtifactDb>(this.dbName, DB_VERSION, {
      upgrade(db) {
        if (!db.objectStoreNames.contains('summaries')) {
          db.createObjectStore('summaries', { keyPath: 'id' }).createIndex('kind', 'kind');
        }
        if (!db.objectStoreNames.contains('files')) db.createObjectStore('files', { keyPath: 'id' });
      },
    }).catch((e: unknown) => {
      this.dbPromise = null;
      throw new ArtifactError('storage-failed', `IndexedDB "${this.dbName}" could not be opened (${(e as Error)?.message ?? String(e)})`, { cause: e });
    });
    return this.dbPromise;
  }

  /** Validates a projector bundle (model identity included, see ProjectorImportOptions), then stores it. */
  async putProjector(bytes: Uint8Array | ArrayBuffer, opts: ProjectorImportOptions & PutOptions = {}): Promise<ArtifactSummary> {
    const own = ownBytes(bytes);
    const b = decodeProjectorBundle(own, opts);
    const d = describeProjector(b);
    return this.write(own, 'projector', opts.name, b.modelId, b.configSha256, {
      promptLength: d.promptLength, dModel: d.dModel, intrinsicDim: d.intrinsicDim, hiddenSize: d.hiddenSize,
      hasProj: d.hasProj, tasks: d.tasks, seed: d.seed, appVersion: d.appVersion,
    });
  }

  async putPrompt(bytes: Uint8Array | ArrayBuffer, opts: SoftPromptImportOptions & PutOptions = {}): Promise<ArtifactSummary> {
    const own = ownBytes(bytes);
    const p = decodeSoftPrompt(own, opts);
    return this.write(own, 'prompt', opts.name, p.modelId, p.configSha256, {
      promptLength: p.promptLength, dModel: p.dModel, task: p.task, seed: p.seed, appVersion: p.appVersion,
    });
  }

  async putVector(bytes: Uint8Array | ArrayBuffer, opts: IntrinsicVectorImportOptions & PutOptions = {}): Promise<ArtifactSummary> {
    const own = ownBytes(bytes);
    const v = decodeIntrinsicVectorFile(own, opts);
    return this.write(own, 'vector', opts.name, v.modelId, v.configSha256, {
      intrinsicDim: v.intrinsicDim, task: v.task, projectorSha256: v.projectorSha256, seed: v.seed, appVersion: v.appVersion,
    });
  }

  private async write(bytes: Uint8Array, kind: StoredArtifactKind, name: string | undefined, modelId: string, configSha256: string, details: ArtifactSummary['details']): Promise<ArtifactSummary> {
    const id = await sha256Hex(bytes);
    const summary: ArtifactSummary = {
      id, kind, name: name ?? `${kind} ${id.slice(0, 12)}`, modelId, configSha256,
      byteLength: bytes.byteLength, storedAt: Date.now(), details,
    };
    const db = await this.db();
    const tx = db.transaction(['summaries', 'files'], 'readwrite');
    try {
      // The big write last: if it cannot even be queued, the abort also drops the summary.
      await writeAllOrNothing(tx, [() => tx.objectStore('summaries').put(summary), () => tx.objectStore('files').put({ id, bytes })]);
    } catch (e) {
      const cause = isQuotaError(e) ? e : isQuotaError(tx.error) ? tx.error : e;
      if (isQuotaError(cause)) {
        throw new ArtifactError('quota-exceeded', `Not enough browser storage for this ${kind} (${(bytes.byteLength / 1e6).toFixed(1)} MB); nothing was stored. Delete old artifacts or checkpoints and try again.`, { cause });
      }
      throw new ArtifactError('storage-failed', `IndexedDB "${this.dbName}": storing ${kind} ${id.slice(0, 12)} failed, nothing was stored (${(e as Error)?.message ?? String(e)})`, { cause: e });
    }
    return summary;
  }

  /** Summaries, newest first; never loads file bytes. */
  async list(kind?: StoredArtifactKind): Promise<ArtifactSummary[]> {
    const db = await this.db();
    const all = kind ? await db.getAllFromIndex('summaries', 'kind', kind) : await db.getAll('summaries');
    return all.sort((a, b) => b.storedAt - a.storedAt || a.id.localeCompare(b.id));
  }

  async summary(id: string): Promise<ArtifactSummary | undefined> {
    return (await this.db()).get('summaries', id);
  }

  /** The stored file, byte for byte (for download). */
  async getBytes(id: string): Promise<Uint8Array> {
    const rec = await (await this.db()).get('files', id);
    if (!rec) throw new ArtifactError('not-found', `no stored artifact with id ${id}`);
    return rec.bytes;
  }

  /** Decodes (and so re-validates) a stored projector, e.g. against the model loaded now. */
  async getProjector(id: string, check: IdentityCheck = {}): Promise<ProjectorBundle> {
    return decodeProjectorBundle(await this.getBytes(id), { ...check, source: `stored projector ${id.slice(0, 12)}` });
  }

  async getPrompt(id: string, check: IdentityCheck = {}): Promise<SoftPromptArtifact> {
    return decodeSoftPrompt(await this.getBytes(id), { ...check, source: `stored prompt ${id.slice(0, 12)}` });
  }

  async getVector(id: string, check: IdentityCheck = {}): Promise<IntrinsicVectorArtifact> {
    return decodeIntrinsicVectorFile(await this.getBytes(id), { ...check, source: `stored vector ${id.slice(0, 12)}` });
  }

  async delete(id: string): Promise<void> {
    const db = await this.db();
    const tx = db.transaction(['summaries', 'files'], 'readwrite');
    await Promise.all([tx.objectStore('summaries').delete(id), tx.objectStore('files').delete(id), tx.done]);
  }

  async close(): Promise<void> {
    if (this.dbPromise) (await this.dbPromise).close();
    this.dbPromise = null;
  }
}
