// Bundles a small TypeScript entry (test/browser/harness/*.ts) for the page with esbuild, into a
// temporary folder with an index.html that loads it, so browser tests can run core code without
// building the app. esbuild comes with tsx and vite; it honours the "browser" field that maps
// transformers.js' Node-only imports (fs, path, onnxruntime-node) away.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

export interface BundledPage {
  /** Folder holding index.html and the bundle; mount it with serveStatic. */
  readonly dir: string;
  /** Bytes of the bundle. */
  readonly bytes: number;
  cleanup(): void;
}

/**
 * The page entry becomes harness.js; each `workers` entry becomes <name>.js next to it, for
 * `new Worker('./<name>.js', { type: 'module' })`.
 */
export async function bundlePage(entry: string, opts: { title?: string; workers?: Record<string, string> } = {}): Promise<BundledPage> {
  const dir = mkdtempSync(join(tmpdir(), 'intrinsic-lab-harness-'));
  const result = await build({
    entryPoints: { harness: entry, ...opts.workers },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: dir,
    metafile: true,
    logLevel: 'silent',
  });
  const bytes = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><html><head><meta charset="utf-8"><title>${opts.title ?? 'harness'}</title></head>` +
      `<body><script type="module" src="./harness.js"></script></body></html>\n`,
  );
  return { dir, bytes, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
