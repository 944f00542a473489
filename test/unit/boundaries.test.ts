// The UI never reaches TF.js: starting from the UI's entry points, follow every relative import
// (static, re-export and dynamic; through .ts, .svelte.ts and .svelte files) and fail if any module
// on the way imports @tensorflow/* or a core module that computes with it. TF.js belongs to the
// engine worker, which the UI reaches only through the bridge's `new Worker(new URL(...))`.
// The built bundle is checked too, in test/browser/app-shell.test.ts.
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
const FORBIDDEN_PATHS = ['src/core/model', 'src/core/tuning', 'src/core/subspace', 'src/core/kernels', 'src/core/parity.ts', 'src/node', 'workers'];

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

describe('UI / TF.js boundary', () => {
  it('no module reachable from the UI imports TF.js or TF.js-backed core code', () => {
    expect(existsSync(join(ROOT, 'src/main.ts'))).toBe(true);
    expect(findViolations(ROOT, UI_ROOTS)).toEqual([]);
  });

  it('scans the real UI tree (the walk is not vacuous)', () => {
    const files = UI_ROOTS.flatMap((r) => filesUnder(join(ROOT, r))).filter((f) => SCANNED.test(f));
    expect(files.some((f) => f.endsWith('.svelte'))).toBe(true);
    expect(files.some((f) => f.endsWith('engineClient.ts'))).toBe(true);
  });

  describe('the scanner bites', () => {
    function tree(files: Record<string, string>): string {
      const dir = mkdtempSync(join(tmpdir(), 'boundaries-'));
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      return dir;
    }

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

    it('catches dynamic imports, type imports of TF.js, imports of TF-backed core folders and unresolved paths', () => {
      const dir = tree({
        'src/ui/a.ts': [
          "const lazy = () => import('@tensorflow/tfjs-backend-webgpu');",
          "import type { Tensor } from '@tensorflow/tfjs';",
          "import { Bart } from '../core/model/bart';",
          "import { gone } from './missing';",
          "// import '@tensorflow/tfjs-core';  (a comment does not count)",
          "import { ok } from './ok';",
        ].join('\n'),
        'src/ui/ok.ts': "import type { Model } from '../core/types';\nexport const ok = 1;\n",
        'src/core/types.ts': "import * as tf from '@tensorflow/tfjs';\nexport type Model = tf.LayersModel;\n",
        'src/core/model/bart.ts': 'export class Bart {}\n',
      });
      try {
        // src/ui/ok.ts only type-imports a module that uses TF.js: erased at build, not a violation.
        expect(findViolations(dir, ['src/ui']).sort()).toEqual([
          "src/ui/a.ts imports '../core/model/bart' (src/core/model/bart.ts: TF.js code)",
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
