// Where task files come from. Every source (files picked in the browser, URLs, a path in Node, the
// built-in world) is turned into the same plain list of {path, text} before any parsing, so one
// parser serves them all and can be tested without a browser or a disk.

import { ProblemList, TaskError, problem } from './errors';

export interface TextFile {
  /** Relative path with `/` separators (e.g. `glue-sst2/glue-sst2_16_100_train.tsv`), or a URL. */
  readonly path: string;
  readonly text: string;
}

/**
 * What the loader needs from a browser `File` (structural, so the core compiles without the DOM).
 * Files picked with `<input webkitdirectory>` carry their folder in `webkitRelativePath`.
 */
export interface PickedFile {
  readonly name: string;
  readonly webkitRelativePath?: string;
  /** Bytes, not text(): File.text() replaces invalid UTF-8 with U+FFFD, which decodeUtf8 refuses. */
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Backslashes to `/`, no leading `./` or `/`, no empty segments. */
export function normalizePath(path: string): string {
  return path
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}

export function basename(path: string): string {
  const parts = normalizePath(path).split('/');
  return parts[parts.length - 1] ?? '';
}

export function dirname(path: string): string {
  const parts = normalizePath(path).split('/');
  return parts.slice(0, -1).join('/');
}

/** A UTF-8 BOM would otherwise end up inside the first input. */
function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Strict UTF-8 decoding: a binary or mis-encoded file is rejected rather than read as mojibake. */
export function decodeUtf8(path: string, bytes: Uint8Array): TextFile {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { path, text: stripBom(text) };
  } catch {
    throw new TaskError([problem('bad-encoding', 'not valid UTF-8 text', path)]);
  }
}

/** Reads files picked in the browser (a FileList or an array); folders keep their relative paths. */
export async function readPickedFiles(files: ArrayLike<PickedFile> | Iterable<PickedFile>): Promise<TextFile[]> {
  const list = Array.from(files as Iterable<PickedFile>);
  const problems = new ProblemList();
  const read = await Promise.all(
    list.map(async (f) => {
      const path = normalizePath(f.webkitRelativePath || f.name);
      try {
        return decodeUtf8(path, new Uint8Array(await f.arrayBuffer()));
      } catch (e) {
        if (!(e instanceof TaskError)) throw e;
        for (const p of e.problems) problems.add(p);
        return undefined;
      }
    }),
  );
  problems.throwIfAny();
  return read.filter((r): r is TextFile => r !== undefined);
}

/** Bytes, not text(), for the same reason as PickedFile. */
export type FetchLike = (url: string) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;

/**
 * Fetches files by URL. `entries` are URLs, or {url, path} when the caller knows the relative
 * path the loader should see (HTTP cannot list a folder, so a folder comes with its file list).
 * All fetches must succeed; failures are reported together.
 */
export async function fetchTextFiles(
  entries: readonly (string | { readonly url: string; readonly path?: string })[],
  fetchImpl: FetchLike = (url) => fetch(url),
): Promise<TextFile[]> {
  const problems = new ProblemList();
  const results = await Promise.all(
    entries.map(async (e) => {
      const url = typeof e === 'string' ? e : e.url;
      const path = typeof e === 'string' ? pathOfUrl(url) : normalizePath(e.path ?? pathOfUrl(url));
      try {
        const res = await fetchImpl(url);
        if (!res.ok) {
          problems.add(problem('fetch-failed', `HTTP ${res.status}`, url));
          return undefined;
        }
        const bytes = new Uint8Array(await res.arrayBuffer());
        try {
          return { path, text: decodeUtf8(url, bytes).text };
        } catch (err) {
          if (!(err instanceof TaskError)) throw err;
          for (const p of err.problems) problems.add(p);
          return undefined;
        }
      } catch (err) {
        problems.add(problem('fetch-failed', `could not fetch: ${(err as Error).message ?? String(err)}`, url));
        return undefined;
      }
    }),
  );
  problems.throwIfAny();
  return results.filter((r): r is TextFile => r !== undefined);
}

/** The file name part of a URL (query and fragment dropped), so the name patterns still apply. */
function pathOfUrl(url: string): string {
  const noQuery = url.replace(/[?#].*$/, '');
  return basename(noQuery) || noQuery;
}
