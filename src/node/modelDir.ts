// Node: a model folder on disk (config.json, model.safetensors, tokenizer.json[, tokenizer_config.json])
// as a 'files' ModelSource, so CLI runners load through exactly the browser's code path. Files are
// opened with fs.openAsBlob, which streams from disk instead of reading them into memory.
import { existsSync, openAsBlob, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FileLike } from '../shared/weights/bytes';
import { loadModelFiles, MODEL_FILES, type LoadedModelFiles, type LoadOptions, type ModelSource } from '../shared/weights/load';

async function modelSourceFromDir(dir: string): Promise<ModelSource> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir}: not a model folder`);
  const files: FileLike[] = [];
  for (const name of Object.values(MODEL_FILES)) {
    const path = join(dir, name);
    if (!existsSync(path)) continue; // loadModelFiles names whatever required file is missing
    const blob = await openAsBlob(path);
    files.push({ name, size: blob.size, stream: () => blob.stream() as unknown as ReadableStream<Uint8Array> });
  }
  return { kind: 'files', files };
}

export async function loadModelDir(dir: string, opts: Omit<LoadOptions, 'cache' | 'fetch' | 'appBase'> = {}): Promise<LoadedModelFiles> {
  return loadModelFiles(await modelSourceFromDir(dir), opts);
}
