// The UI never reaches TF.js: starting from the UI's entry points, follow every relative import
// (static, re-export and dynamic; through .ts, .svelte.ts and .svelte files) and fail if any module
// on the way imports @tensorflow/* or a module of the folders that compute with it (src/engine, src/worker, src/node, src/cli). TF.js belongs to the
// engine worker, which the UI reaches only through the bridge's `new Worker(new URL(...))`.
// The built bundle is checked too, in test/browser/app-shell.test.ts.
//
// The folder rule (below) generalises this: each top-level folder of src/ names who may import it,
// and FOLDER_RULES is the whole rule, with no list of files. Type-only imports count there too, so
// the layers stay layers; the import graph has no cycle either.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the UI starts: its entry, and every file of the folders it owns. */
const UI_ROOTS = ['src/main.ts', 'src/ui', 'src/bridge', 'src/protocol'];

/** Bare specifiers the UI may never import, even as types. */
const FORBIDDEN_PACKAGES = [/^@tensorflow\//];
/** Project folders/files that hold TF.js code (they would drag TF.js in through the back door). */
const FORBIDDEN_PATHS = ['src/engine', 'src/worker', 'src/node', 'src/cli'];

interface Edge {
  from: string;
  specifier: string;
  typeOnly: boolean;
}

/** Import specifiers of one module's source (TypeScript or a Svelte component's scripts). */
function importsOf(source: string, file: string): { specifier: string; typeOnly: boolean }[] {
  let code = source;
  if (file.endsWith('.svelte')) {
    code = [...source.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
  }
  // Drop comments so a commented-out import neither counts nor hides anything.
  code = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: { specifier: string; typeOnly: boolean }[] = [];
  const staticRe = /(?:^|[;\s])(?:import|export)\s+(type\s+)?(?:[\w*${}\s,]*?\s*from\s*)?['"]([^'"]+)['"]/g;
  for (const m of code.matchAll(staticRe)) found.push({ specifier: m[2]!, typeOnly: Boolean(m[1]) });
  for (const m of code.matchAll(/\bimport\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g)) {
    found.push({ specifier: m[1]!, typeOnly: false });
  }
  return found;
}

function resolveRelative(fromFile: string, specifier: string): string | null {
  const base = resolve(dirname(fromFile), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.svelte.ts`, `${base}.js`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return [path];
  return readdirSync(path).flatMap((name) => filesUnder(join(path, name)));
}

const SCANNED = /\.(ts|svelte)$/;

/** Every violation reachable from `roots` (paths relative to `root`), as readable lines. */
function findViolations(root: string, roots: string[]): string[] {
  const violations: string[] = [];
  const queue = roots.flatMap((r) => filesUnder(join(root, r))).filter((f) => SCANNED.test(f));
  const seen = new Set<string>();
  const forbiddenPaths = FORBIDDEN_PATHS.map((p) => join(root, p));
  const chain = new Map<string, Edge>();
  const describeChain = (file: string): string => {
    const parts = [relative(root, file)];
    for (let edge = chain.get(file); edge; edge = chain.get(edge.from)) parts.unshift(relative(root, edge.from));
    return parts.join(' -> ');
  };
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const { specifier, typeOnly } of importsOf(readFileSync(file, 'utf8'), file)) {
      if (!specifier.startsWith('.')) {
        if (FORBIDDEN_PACKAGES.some((re) => re.test(specifier))) {
          violations.push(`${describeChain(file)} imports '${specifier}'`);
        }
        continue;
      }
      const target = resolveRelative(file, specifier);
      if (!target) {
        violations.push(`${describeChain(file)} imports '${specifier}', which does not resolve to a file`);
        continue;
      }
      if (forbiddenPaths.some((p) => target === p || target.startsWith(`${p}/`))) {
        violations.push(`${describeChain(file)} imports '${specifier}' (${relative(root, target)}: TF.js code)`);
        continue;
      }
      // Type-only imports are erased at build time: they bring no code into the page.
      if (typeOnly || !SCANNED.test(target)) continue;
      if (!chain.has(target) && !seen.has(target)) chain.set(target, { from: file, specifier, typeOnly });
      queue.push(target);
    }
  }
  return violations;
}

/** A throw-away source tree (path -> text) for the scanner's own tests. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'boundaries-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('UI / TF.js boundary', () => {
  it('no module reachable from the UI imports TF.js or TF.js-backed engine, worker or Node code', () => {
    expect(existsSync(join(ROOT, 'src/main.ts'))).toBe(true);
    expect(findViolations(ROOT, UI_ROOTS)).toEqual([]);
  });

  it('scans the real UI tree (the walk is not vacuous)', () => {
    const files = UI_ROOTS.flatMap((r) => filesUnder(join(ROOT, r))).filter((f) => SCANNED.test(f));
    expect(files.some((f) => f.endsWith('.svelte'))).toBe(true);
    expect(files.some((f) => f.endsWith('engineClient.ts'))).toBe(true);
  });

  describe('the scanner bites', () => {
    it('finds TF.js two relative hops away, through a Svelte component, and names the chain', () => {
      const dir = tree({
        'src/main.ts': "import App from './ui/App.svelte';\n",
        'src/ui/App.svelte': "<script lang=\"ts\">\n  import { helper } from './helper';\n</script>\n<p>{helper}</p>\n",
        'src/ui/helper.ts': "export { helper } from '../lib/math';\n",
        'src/lib/math.ts': "import * as tf from '@tensorflow/tfjs';\nexport const helper = tf.version;\n",
      });
      try {
        expect(findViolations(dir, ['src/main.ts'])).toEqual([
          "src/main.ts -> src/ui/App.svelte -> src/ui/helper.ts -> src/lib/math.ts imports '@tensorflow/tfjs'",
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('catches dynamic imports, type imports of TF.js, imports of TF-backed folders and unresolved paths', () => {
      const dir = tree({
        'src/ui/a.ts': [
          "const lazy = () => import('@tensorflow/tfjs-backend-webgpu');",
          "import type { Tensor } from '@tensorflow/tfjs';",
          "import { Bart } from '../engine/model/bart';",
          "import { gone } from './missing';",
          "// import '@tensorflow/tfjs-core';  (a comment does not count)",
          "import { ok } from './ok';",
        ].join('\n'),
        'src/ui/ok.ts': "import type { Model } from '../core/types';\nexport const ok = 1;\n",
        'src/core/types.ts': "import * as tf from '@tensorflow/tfjs';\nexport type Model = tf.LayersModel;\n",
        'src/engine/model/bart.ts': 'export class Bart {}\n',
      });
      try {
        // src/ui/ok.ts only type-imports a module that uses TF.js: erased at build, not a violation.
        expect(findViolations(dir, ['src/ui']).sort()).toEqual([
          "src/ui/a.ts imports '../engine/model/bart' (src/engine/model/bart.ts: TF.js code)",
          "src/ui/a.ts imports './missing', which does not resolve to a file",
          "src/ui/a.ts imports '@tensorflow/tfjs'",
          "src/ui/a.ts imports '@tensorflow/tfjs-backend-webgpu'",
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

/**
 * Who each folder of src/ may import (its own files always). Packages: the bare specifiers it may
 * import, as prefixes. A folder not listed here is a violation, so a new one must take a place.
 */
export const FOLDER_RULES: Record<string, { folders: string[]; packages: RegExp[] }> = {
  // No TF.js, no DOM (tsconfig.worker.json), no Node: runs everywhere, the UI included.
  shared: { folders: [], packages: [/^@xenova\/transformers(\/|$)/] },
  // TF.js: the model, the tuning loops, the study runner. Runs in the worker and in Node.
  engine: { folders: ['shared'], packages: [/^@tensorflow\/tfjs(-backend-wasm)?$/] },
  // IndexedDB records.
  storage: { folders: ['shared'], packages: [/^idb$/] },
  // The typed messages between the UI and the workers.
  protocol: { folders: ['shared'], packages: [] },
  // The browser workers: own TF.js and the backend choice, serve the protocol.
  worker: { folders: ['shared', 'engine', 'storage', 'protocol'], packages: [/^@tensorflow\//] },
  // The only way the UI reaches a worker.
  bridge: { folders: ['shared', 'protocol'], packages: [] },
  // Svelte screens: never TF.js, never the engine.
  ui: { folders: ['shared', 'protocol', 'bridge', 'storage'], packages: [/^svelte(\/|$)/, /^plotly\.js-dist$/] },
  // Node-only helpers for the runners and tests.
  node: { folders: ['shared', 'engine'], packages: [/^node:/, /^@tensorflow\//, /^webgpu$/] },
  // The command-line runners.
  cli: { folders: ['shared', 'engine', 'node'], packages: [/^node:/, /^@tensorflow\/tfjs$/] },
  // src/main.ts: mounts the UI.
  'main.ts': { folders: ['ui'], packages: [/^svelte$/] },
};

/** The top-level folder (or file) of src/ that a path lies in, or null outside src/. */
function folderOf(root: string, file: string): string | null {
  const rel = relative(join(root, 'src'), file);
  if (rel.startsWith('..')) return null;
  return rel.split('/')[0] ?? null;
}

/** Every import in src/ that the folder rule refuses, as readable lines. */
function folderViolations(root: string): string[] {
  const out: string[] = [];
  for (const file of filesUnder(join(root, 'src')).filter((f) => SCANNED.test(f))) {
    const from = folderOf(root, file)!;
    const rule = FOLDER_RULES[from];
    const where = relative(root, file);
    if (!rule) {
      out.push(`${where}: src/${from} has no entry in FOLDER_RULES`);
      continue;
    }
    for (const { specifier } of importsOf(readFileSync(file, 'utf8'), file)) {
      if (!specifier.startsWith('.')) {
        if (!rule.packages.some((re) => re.test(specifier))) out.push(`${where} imports '${specifier}' (src/${from} may not import that package)`);
        continue;
      }
      const target = resolveRelative(file, specifier);
      if (!target) continue; // unresolved imports are the type checker's business
      const to = folderOf(root, target);
      if (to === null || to === from) continue;
      if (!rule.folders.includes(to)) out.push(`${where} imports '${specifier}' (src/${from} may not import src/${to})`);
    }
  }
  return out;
}

/** Import cycles among the files under `dirs` (type-only imports included), each as a chain. */
function importCycles(root: string, dirs: string[]): string[] {
  const files = dirs.flatMap((d) => filesUnder(join(root, d))).filter((f) => SCANNED.test(f));
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const targets = importsOf(readFileSync(file, 'utf8'), file)
      .filter((i) => i.specifier.startsWith('.'))
      .map((i) => resolveRelative(file, i.specifier))
      .filter((t): t is string => t !== null && SCANNED.test(t));
    edges.set(file, [...new Set(targets)]);
  }
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === 'open') {
        cycles.push([...stack.slice(stack.indexOf(next)), next].map((f) => relative(root, f)).join(' -> '));
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return cycles;
}

describe('folder rule', () => {
  it('every import in src/ goes where its folder may import', () => {
    expect(folderViolations(ROOT)).toEqual([]);
  });

  it('every folder of src/ has a rule, and the rule covers the real tree', () => {
    const folders = readdirSync(join(ROOT, 'src'));
    expect(folders.filter((f) => !FOLDER_RULES[f] && !f.endsWith('.d.ts'))).toEqual([]);
    expect(folders).toEqual(expect.arrayContaining(['shared', 'engine', 'worker', 'ui', 'protocol', 'bridge', 'storage']));
  });

  it('src/ has no import cycle', () => {
    expect(importCycles(ROOT, ['src'])).toEqual([]);
  });

  describe('the rule bites', () => {
    it('refuses an upward import, a type import across the rule, a foreign package and an unknown folder', () => {
      const dir = tree({
        'src/shared/a.ts': "import { run } from '../engine/run';\nimport type { Msg } from '../protocol/messages';\nimport * as tf from '@tensorflow/tfjs';\n",
        'src/engine/run.ts': "import { a } from '../shared/a';\nexport const run = a;\n",
        'src/protocol/messages.ts': 'export type Msg = 1;\n',
        'src/misc/x.ts': 'export const x = 1;\n',
      });
      try {
        expect(folderViolations(dir).sort()).toEqual([
          "src/misc/x.ts: src/misc has no entry in FOLDER_RULES",
          "src/shared/a.ts imports '../engine/run' (src/shared may not import src/engine)",
          "src/shared/a.ts imports '../protocol/messages' (src/shared may not import src/protocol)",
          "src/shared/a.ts imports '@tensorflow/tfjs' (src/shared may not import that package)",
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('finds a cycle through a type-only import', () => {
      const dir = tree({
        'src/shared/loader.ts': "import { user } from './user';\nexport interface Loaded { n: number }\nexport const l = user;\n",
        'src/shared/user.ts': "import type { Loaded } from './loader';\nexport const user = (x: Loaded) => x;\n",
      });
      try {
        expect(importCycles(dir, ['src'])).toEqual(['src/shared/loader.ts -> src/shared/user.ts -> src/shared/loader.ts']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
