// IndexedDB store for imported and exported artifacts (database "intrinsic-lab-artifacts"):
// projector bundles, soft prompts and intrinsic vectors, kept as their safetensors bytes so an
// artifact can be downloaded again exactly as it came in.
//
// Two object stores: `summaries` (small records, so listing never loads a 200 MB projector) and
// `files` (the bytes). Every put validates the bytes completely first, then writes the summary and
// the file in ONE readwrite transaction: a bad file writes nothing, and a quota error or a closed
// tab leaves either the whole artifact or none of it. The same bytes stored again (a study that
// reuses its finished units, an import of a file already here) are one artifact: the first
// record, its name and origin, stay as they are.
//
// Three ways in: a study's artifacts as its units finish (putStudyArtifact, from the engine
// worker), imported files (putProjector / putPrompt / putVector by kind), and PEFT adapter folders
// (putPeftAdapter, stored as a prompt for the loaded model).

import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { ArtifactError } from '../shared/artifacts/errors';
import { sha256Hex } from '../shared/artifacts/identity';
import { ARTIFACT_MAX_HEADER_BYTES, ARTIFACT_TAG, type IdentityCheck } from '../shared/artifacts/metadata';
import { PEFT_CONFIG_FILE, PEFT_PROMPT_KEY } from '../shared/artifacts/peft';
import { wrapSafetensorsError } from '../shared/artifacts/errors';
import type { StudyArtifact } from '../shared/study/artifacts';
import { parseHeader, type Header } from '../shared/weights/safetensors';
import { decodeProjectorBundle, describeProjector, type ProjectorBundle, type ProjectorImportOptions } from '../shared/artifacts/projector';
import {
  decodeIntrinsicVectorFile, decodeSoftPrompt,
  type IntrinsicVectorArtifact, type IntrinsicVectorImportOptions, type SoftPromptArtifact, type SoftPromptImportOptions,
} from '../shared/artifacts/prompt';
import { importPeftPromptTuning } from '../shared/artifacts/peft';
import { encodeSoftPrompt } from '../shared/artifacts/prompt';
import type { ModelIdentity } from '../shared/artifacts/identity';
import { StorageQuotaError, writeAllOrNothing } from './idb';

export const ARTIFACT_DB_NAME = 'intrinsic-lab-artifacts';
const DB_VERSION = 1;

export type StoredArtifactKind = 'projector' | 'prompt' | 'vector';

type Details = Readonly<Record<string, string | number | boolean | null | readonly string[]>>;

/** Where an artifact came from: a study's unit, or a file the user imported. */
export type ArtifactOrigin =
  | { readonly kind: 'study'; readonly studyId: string; readonly studyName: string; readonly unitKey: string; readonly path: string }
  | { readonly kind: 'import'; readonly file: string; readonly notes: readonly string[] };

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
  /** Kind-specific facts for listings: dims and tasks of a projector, prompt length, d_I, task; a study's facts on top. */
  readonly details: Details;
  /** The listing's columns, read off the file (and the study's facts) when it was stored. */
  readonly tasks: readonly string[];
  readonly intrinsicDim: number | null;
  /** Test score where the study recorded one (else dev); null for imports. */
  readonly score: number | null;
  /** Absent on records stored before origins were kept. */
  readonly origin?: ArtifactOrigin;
}

interface ArtifactDb extends DBSchema {
  summaries: { key: string; value: ArtifactSummary; indexes: { kind: StoredArtifactKind } };
  files: { key: string; value: { id: string; bytes: Uint8Array } };
}

export interface PutOptions {
  /** Label; defaults to the kind and the first 12 hex digits of the id. */
  readonly name?: string;
  readonly origin?: ArtifactOrigin;
  /** Facts to list besides the file's own (a study's score, setting ...). */
  readonly extraDetails?: Details;
}

export interface ArtifactStoreOptions {
  /** Storage estimate for quota messages (default navigator.storage.estimate). */
  readonly estimate?: () => Promise<{ usage?: number; quota?: number }>;
}

/** Longest name rename accepts. */
const MAX_NAME_LENGTH = 200;

function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** A study's score fact: `score`, else the test score, else the dev score. */
function scoreOf(d: Details): number | null {
  return finite(d.score) ?? finite(d.test) ?? finite(d.testScore) ?? finite(d.dev) ?? finite(d.devScore);
}

function tasksOf(d: Details): string[] {
  if (Array.isArray(d.tasks)) return [...(d.tasks as readonly string[])];
  return typeof d.task === 'string' && d.task !== '' ? [d.task] : [];
}

/** A record written before the listing columns were kept gets them from its details. */
function withColumns(s: ArtifactSummary): ArtifactSummary {
  if (Array.isArray(s.tasks)) return s;
  const details = s.details ?? {};
  return { ...s, details, tasks: tasksOf(details), intrinsicDim: finite(details.intrinsicDim), score: scoreOf(details) };
}

/** The name a study artifact gets: its --out path without the folder of its kind and the extension. */
export function studyArtifactName(path: string): string {
  const parts = path.split('/').filter((p) => p !== '');
  const rest = parts.length > 1 && /^(prompts|vectors|projectors)$/.test(parts[0]!) ? parts.slice(1) : parts;
  return rest.join('/').replace(/\.safetensors$/i, '');
}

/** A download's file name: the artifact's name with anything a file system minds replaced, plus .safetensors. */
export function artifactFileName(s: Pick<ArtifactSummary, 'name' | 'kind' | 'id'>): string {
  const stem = s.name.replace(/\.safetensors$/i, '').replace(/[^\w.-]+/g, '_').replace(/^[._]+|_+$/g, '') || `${s.kind}-${s.id.slice(0, 12)}`;
  return `${stem}.safetensors`;
}

/** A private copy of exactly these bytes: structured clone would otherwise keep a whole parent buffer. */
function ownBytes(bytes: Uint8Array | ArrayBuffer): Uint8Array {
  return bytes instanceof Uint8Array ? bytes.slice() : new Uint8Array(bytes.slice(0));
}

export class ArtifactStore {
  private dbPromise: Promise<IDBPDatabase<ArtifactDb>> | null = null;

  constructor(
    private readonly dbName = ARTIFACT_DB_NAME,
    private readonly options: ArtifactStoreOptions = {},
  ) {}

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
    return this.write(own, 'projector', opts, b.modelId, b.configSha256, {
      promptLength: d.promptLength, dModel: d.dModel, intrinsicDim: d.intrinsicDim, hiddenSize: d.hiddenSize,
      hasProj: d.hasProj, tasks: d.tasks, seed: d.seed, appVersion: d.appVersion,
    });
  }

  async putPrompt(bytes: Uint8Array | ArrayBuffer, opts: SoftPromptImportOptions & PutOptions = {}): Promise<ArtifactSummary> {
    const own = ownBytes(bytes);
    const p = decodeSoftPrompt(own, opts);
    return this.write(own, 'prompt', opts, p.modelId, p.configSha256, {
      promptLength: p.promptLength, dModel: p.dModel, task: p.task, seed: p.seed, appVersion: p.appVersion,
    });
  }

  async putVector(bytes: Uint8Array | ArrayBuffer, opts: IntrinsicVectorImportOptions & PutOptions = {}): Promise<ArtifactSummary> {
    const own = ownBytes(bytes);
    const v = decodeIntrinsicVectorFile(own, opts);
    return this.write(own, 'vector', opts, v.modelId, v.configSha256, {
      intrinsicDim: v.intrinsicDim, task: v.task, projectorSha256: v.projectorSha256, seed: v.seed, appVersion: v.appVersion,
    });
  }

  /**
   * A study's artifact as its unit finishes: validated as its kind (no model check: the study
   * made it with the model it ran on) and stored with the study's id and name and the unit's facts.
   */
  async putStudyArtifact(a: StudyArtifact, study: { readonly studyId: string; readonly studyName: string }): Promise<ArtifactSummary> {
    const opts: PutOptions & { source: string } = {
      name: studyArtifactName(a.path),
      origin: { kind: 'study', studyId: study.studyId, studyName: study.studyName, unitKey: a.unitKey, path: a.path },
      extraDetails: a.details,
      source: `study "${study.studyName}": ${a.path}`,
    };
    switch (a.kind) {
      case 'projector': return this.putProjector(a.bytes, opts);
      case 'prompt': return this.putPrompt(a.bytes, opts);
      case 'vector': return this.putVector(a.bytes, opts);
      default: throw new ArtifactError('wrong-kind', `study "${study.studyName}": ${a.path} is of unknown kind ${JSON.stringify((a as { kind: unknown }).kind)}`);
    }
  }

  /**
   * An imported .safetensors file of any of the three kinds, told apart by its `artifact` metadata;
   * named after the file. Anything else is refused with what it seems to be.
   */
  async putFile(bytes: Uint8Array | ArrayBuffer, file: string): Promise<ArtifactSummary> {
    const own = ownBytes(bytes);
    let header: Header;
    try {
      header = parseHeader(own, own.byteLength, { source: file, maxHeaderBytes: ARTIFACT_MAX_HEADER_BYTES });
    } catch (e) {
      wrapSafetensorsError(e);
    }
    const opts = { name: file.replace(/\.safetensors$/i, ''), origin: { kind: 'import', file, notes: [] } as ArtifactOrigin, source: file };
    const tag = header.metadata.artifact;
    if (tag === ARTIFACT_TAG.projector) return this.putProjector(own, opts);
    if (tag === ARTIFACT_TAG.prompt) return this.putPrompt(own, opts);
    if (tag === ARTIFACT_TAG['intrinsic-vector']) return this.putVector(own, opts);
    if (header.entries.some((e) => e.name === PEFT_PROMPT_KEY)) {
      throw new ArtifactError('wrong-kind', `${file}: holds a PEFT adapter's "${PEFT_PROMPT_KEY}"; pick its ${PEFT_CONFIG_FILE} together with it`);
    }
    const what = tag === undefined ? 'has no "artifact" metadata' : `is a "${tag}"`;
    throw new ArtifactError('wrong-kind', `${file}: not a projector bundle, prompt or intrinsic vector of this app (the file ${what})`);
  }

  /**
   * A PEFT prompt-tuning adapter (adapter_config.json + adapter_model.safetensors), stored as a
   * soft prompt of `identity`, the loaded model (the adapter names only its base model's Hub id, and a
   * prompt is kept with the config hash of the model it belongs to). Conversions are kept as notes.
   */
  async putPeftAdapter(
    configText: string, weights: Uint8Array | ArrayBuffer,
    opts: { readonly identity: ModelIdentity; readonly name?: string; readonly source?: string },
  ): Promise<ArtifactSummary> {
    const source = opts.source ?? 'PEFT adapter';
    const peft = importPeftPromptTuning(configText, weights, { expectDModel: opts.identity.dModel, source });
    const notes = [...peft.notes];
    const hubId = opts.identity.modelId.replace(/^hub:/, '');
    if (peft.baseModel !== null && peft.baseModel !== hubId) {
      notes.push(`the adapter names base model "${peft.baseModel}"; stored for the loaded model ${opts.identity.modelId} (same d_model ${peft.dModel})`);
    }
    const bytes = encodeSoftPrompt({ identity: opts.identity, promptLength: peft.promptLength, prompt: peft.prompt });
    return this.putConverted('prompt', bytes, { file: source, name: opts.name ?? source, notes, extraDetails: { peftBaseModel: peft.baseModel } });
  }

  /**
   * An artifact this app encoded from a foreign format (a PEFT adapter, a PyTorch .pt file): validated
   * as `kind`, kept with the file it came from and what the conversion did.
   */
  async putConverted(
    kind: StoredArtifactKind, bytes: Uint8Array,
    opts: { readonly file: string; readonly name?: string; readonly notes?: readonly string[]; readonly extraDetails?: Details },
  ): Promise<ArtifactSummary> {
    const put: PutOptions & { source: string } = {
      name: opts.name ?? opts.file, origin: { kind: 'import', file: opts.file, notes: [...(opts.notes ?? [])] }, source: opts.file,
      ...(opts.extraDetails ? { extraDetails: opts.extraDetails } : {}),
    };
    return kind === 'projector' ? this.putProjector(bytes, put) : kind === 'prompt' ? this.putPrompt(bytes, put) : this.putVector(bytes, put);
  }

  private async write(bytes: Uint8Array, kind: StoredArtifactKind, opts: PutOptions, modelId: string, configSha256: string, own: Details): Promise<ArtifactSummary> {
    const id = await sha256Hex(bytes);
    // The file's own facts win over a study's where both name one, unless the file leaves it blank.
    const details: Record<string, Details[string]> = { ...opts.extraDetails };
    for (const [k, v] of Object.entries(own)) if ((v !== '' && v !== null) || !(k in details)) details[k] = v;
    const summary: ArtifactSummary = {
      id, kind, name: opts.name ?? `${kind} ${id.slice(0, 12)}`, modelId, configSha256,
      byteLength: bytes.byteLength, storedAt: Date.now(), details,
      tasks: tasksOf(details), intrinsicDim: finite(details.intrinsicDim), score: scoreOf(details),
      ...(opts.origin ? { origin: opts.origin } : {}),
    };
    const db = await this.db();
    const tx = db.transaction(['summaries', 'files'], 'readwrite');
    try {
      // Same bytes, same artifact: keep the record there is (a user's rename survives a resumed study).
      const existing = await tx.objectStore('summaries').get(id);
      if (existing) {
        await tx.done;
        return existing;
      }
      // The big write last: if it cannot even be queued, the abort also drops the summary.
      await writeAllOrNothing(tx, [() => tx.objectStore('summaries').put(summary), () => tx.objectStore('files').put({ id, bytes })], {
        what: `${kind} "${summary.name}"`, bytes: bytes.byteLength, ...(this.options.estimate ? { estimate: this.options.estimate } : {}),
      });
    } catch (e) {
      if (e instanceof StorageQuotaError) {
        throw new ArtifactError('quota-exceeded', `Not enough browser storage for this ${kind}; nothing was stored: ${e.message}`, { cause: e });
      }
      throw new ArtifactError('storage-failed', `IndexedDB "${this.dbName}": storing ${kind} ${id.slice(0, 12)} failed, nothing was stored (${(e as Error)?.message ?? String(e)})`, { cause: e });
    }
    return summary;
  }

  /** Gives an artifact a new name (trimmed, 1 to MAX_NAME_LENGTH characters), in one transaction. */
  async rename(id: string, name: string): Promise<ArtifactSummary> {
    const clean = name.trim();
    if (clean === '') throw new ArtifactError('bad-metadata', 'a name cannot be empty');
    if (clean.length > MAX_NAME_LENGTH) throw new ArtifactError('bad-metadata', `a name can have at most ${MAX_NAME_LENGTH} characters, this one has ${clean.length}`);
    const db = await this.db();
    const tx = db.transaction('summaries', 'readwrite');
    const store = tx.objectStore('summaries');
    const current = await store.get(id);
    if (!current) {
      await tx.done;
      throw new ArtifactError('not-found', `no stored artifact with id ${id}`);
    }
    const renamed: ArtifactSummary = { ...current, name: clean };
    await Promise.all([store.put(renamed), tx.done]);
    return renamed;
  }

  /** Summaries, newest first; never loads file bytes. */
  async list(kind?: StoredArtifactKind): Promise<ArtifactSummary[]> {
    const db = await this.db();
    const all = kind ? await db.getAllFromIndex('summaries', 'kind', kind) : await db.getAll('summaries');
    return all.map(withColumns).sort((a, b) => b.storedAt - a.storedAt || a.id.localeCompare(b.id));
  }

  async summary(id: string): Promise<ArtifactSummary | undefined> {
    const s = await (await this.db()).get('summaries', id);
    return s && withColumns(s);
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
