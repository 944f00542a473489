// The Library screen's state and the only code that changes it: the artifacts in IndexedDB (the
// study's, stored by the engine worker as units finish, and the user's imports), renamed, deleted,
// downloaded, exported as PEFT adapters, imported. The store is the same database the worker
// writes (ArtifactStore); small operations run here, so the Library answers while a study trains.
import { ArtifactError } from '../../shared/artifacts/errors';
import type { ModelIdentity } from '../../shared/artifacts/identity';
import { exportPeftPromptTuning, PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE } from '../../shared/artifacts/peft';
import { decodeSoftPrompt } from '../../shared/artifacts/prompt';
import { artifactFileName, ArtifactStore, type ArtifactSummary } from '../../storage/artifactStore';
import { downloadFile } from '../components/table';
import { modelState } from './model.svelte';
import { tasksWorker } from './tasksWorker';

export interface LibraryState {
  items: ArtifactSummary[];
  /** false until the first list arrived. */
  loaded: boolean;
  /** The last failure of a list, rename, delete or download, as the user should read it. */
  error: string | null;
  /** What the last import did, one line per file (stored, already there, or why not). */
  importReport: { file: string; ok: boolean; text: string }[];
  importing: boolean;
}

export const libraryState: LibraryState = $state({ items: [], loaded: false, error: null, importReport: [], importing: false });

let store: ArtifactStore | null = null;
const artifacts = () => (store ??= new ArtifactStore());

function errorText(e: unknown): string {
  if (e instanceof ArtifactError) return `${e.message} (${e.code})`;
  return e instanceof Error ? e.message : String(e);
}

export async function refreshLibrary(): Promise<void> {
  try {
    libraryState.items = await artifacts().list();
    libraryState.loaded = true;
  } catch (e) {
    libraryState.error = `Could not read the library: ${errorText(e)}`;
  }
}

/** Renames; resolves false (with the error shown) when the name is refused. */
export async function renameArtifact(id: string, name: string): Promise<boolean> {
  try {
    await artifacts().rename(id, name);
    libraryState.error = null;
    await refreshLibrary();
    return true;
  } catch (e) {
    libraryState.error = `Could not rename: ${errorText(e)}`;
    return false;
  }
}

export async function deleteArtifact(id: string): Promise<void> {
  try {
    await artifacts().delete(id);
    libraryState.error = null;
  } catch (e) {
    libraryState.error = `Could not delete: ${errorText(e)}`;
  }
  await refreshLibrary();
}

/** The stored safetensors file, byte for byte, named after the artifact. */
export async function downloadArtifact(s: ArtifactSummary): Promise<void> {
  try {
    downloadFile(artifactFileName(s), await artifacts().getBytes(s.id), 'application/octet-stream');
    libraryState.error = null;
  } catch (e) {
    libraryState.error = `Could not download “${s.name}”: ${errorText(e)}`;
  }
}

/** The loaded model's identity, or null when none is loaded. */
function loadedIdentity(): ModelIdentity | null {
  const m = modelState.summary;
  return m ? { modelId: m.modelId, configSha256: m.configSha256, dModel: m.config.dModel } : null;
}

/**
 * A prompt as a PEFT prompt-tuning adapter: adapter_config.json and adapter_model.safetensors, two
 * downloads. PEFT's config records the base model's Hub id and its layer and head counts, so the
 * prompt's model must be the one loaded (its config is where those numbers are).
 */
export async function exportPeft(s: ArtifactSummary): Promise<void> {
  try {
    const m = modelState.summary;
    if (!m || m.modelId !== s.modelId) {
      throw new Error(`load the prompt's model (${s.modelId}) on the Model screen first: the adapter names its Hub id and its layer and head counts`);
    }
    const p = decodeSoftPrompt(await artifacts().getBytes(s.id), { source: s.name });
    const files = exportPeftPromptTuning({
      prompt: p.prompt, promptLength: p.promptLength, dModel: p.dModel, baseModel: s.modelId.replace(/^hub:/, ''),
      numLayers: m.config.encoderLayers, numAttentionHeads: m.config.heads,
    });
    downloadFile(PEFT_CONFIG_FILE, files[PEFT_CONFIG_FILE], 'application/json');
    downloadFile(PEFT_WEIGHTS_FILE, files[PEFT_WEIGHTS_FILE], 'application/octet-stream');
    libraryState.error = null;
  } catch (e) {
    libraryState.error = `Could not export “${s.name}” as a PEFT adapter: ${errorText(e)}`;
  }
}

/**
 * PyTorch `.pt` files (the paper's released prompts and autoencoders), read by src/shared/torch
 * (never executed) in the tasks worker, so a 472 MB checkpoint does not freeze the page, and
 * converted for the loaded model: a .pt file records no model, and its width must match the
 * loaded model's (the conversion checks it).
 */
async function importTorchFile(file: File, before: ReadonlySet<string>): Promise<string> {
  const identity = loadedIdentity();
  if (!identity) throw new Error('load the model this file was trained with on the Model screen first: a PyTorch file does not say which model it belongs to');
  const bytes = new Uint8Array(await file.arrayBuffer());
  const a = await tasksWorker.convertTorchFile({ bytes, identity, name: file.name }, { transfer: [bytes.buffer] });
  const s = await artifacts().putConverted(a.kind, a.bytes, { file: file.name, notes: a.notes });
  if (before.has(s.id)) return `converted to a ${s.kind} of ${identity.modelId}, already in the library as “${s.name}”`;
  return `converted to a ${s.kind} of ${identity.modelId}, stored as “${s.name}”${a.notes.length ? ` (${a.notes.join('; ')})` : ''}`;
}

async function importOne(file: File, before: ReadonlySet<string>): Promise<string> {
  if (/\.pt$/i.test(file.name)) return importTorchFile(file, before);
  if (!/\.safetensors$/i.test(file.name)) {
    throw new Error('not a file the library reads: pick .safetensors artifacts, a PEFT adapter (adapter_config.json with adapter_model.safetensors) or a PyTorch .pt file');
  }
  const s = await artifacts().putFile(new Uint8Array(await file.arrayBuffer()), file.name);
  return before.has(s.id) ? `already in the library as “${s.name}”` : `stored as ${s.kind} “${s.name}”`;
}

/**
 * Imports the picked files: each .safetensors artifact on its own, adapter_config.json with an
 * adapter_model.safetensors as one PEFT adapter (a prompt of the loaded model), .pt through the
 * .pt reader. Each file is whole or not at all; the report says which, and why.
 */
export async function importFiles(picked: readonly File[]): Promise<void> {
  libraryState.importing = true;
  const report: LibraryState['importReport'] = [];
  try {
    const before = new Set(libraryState.items.map((s) => s.id));
    const config = picked.find((f) => f.name === PEFT_CONFIG_FILE);
    const weights = picked.find((f) => f.name === PEFT_WEIGHTS_FILE);
    let rest = picked;
    if (config || weights) {
      rest = picked.filter((f) => f !== config && f !== weights);
      const label = `${PEFT_CONFIG_FILE} + ${PEFT_WEIGHTS_FILE}`;
      try {
        if (!config || !weights) throw new Error(`a PEFT adapter is two files: pick ${PEFT_CONFIG_FILE} and ${PEFT_WEIGHTS_FILE} together`);
        const identity = loadedIdentity();
        if (!identity) throw new Error('load the model the adapter belongs to on the Model screen first: the prompt is stored for the loaded model');
        const s = await artifacts().putPeftAdapter(await config.text(), new Uint8Array(await weights.arrayBuffer()), { identity, source: 'PEFT adapter' });
        const notes = s.origin?.kind === 'import' && s.origin.notes.length > 0 ? ` (${s.origin.notes.join('; ')})` : '';
        report.push({ file: label, ok: true, text: before.has(s.id) ? `already in the library as “${s.name}”` : `stored as prompt “${s.name}” for ${identity.modelId}${notes}` });
      } catch (e) {
        report.push({ file: label, ok: false, text: errorText(e) });
      }
    }
    for (const file of rest) {
      try {
        report.push({ file: file.name, ok: true, text: await importOne(file, before) });
      } catch (e) {
        // Readers name the file they refuse; the report line names it already.
        const text = errorText(e);
        report.push({ file: file.name, ok: false, text: text.startsWith(`${file.name}: `) ? text.slice(file.name.length + 2) : text });
      }
    }
  } finally {
    libraryState.importReport = report;
    libraryState.importing = false;
    await refreshLibrary();
  }
}
