// Reads public/_headers (the one place the app's HTTP headers are set, see that file) for the
// dev/preview server and the browser tests' server: the headers of its "/*" block.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HEADERS_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../public/_headers');

/** The "/*" block of a `_headers` file as name -> value; throws on a line it cannot read. */
export function parseHeadersFile(text: string, file = '_headers'): Record<string, string> {
  const out: Record<string, string> = {};
  let inAll = false;
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    if (!/^\s/.test(line)) {
      inAll = line.trim() === '/*';
      return;
    }
    const m = /^\s+([A-Za-z0-9-]+):\s*(.+?)\s*$/.exec(line);
    if (!m) throw new Error(`${file}:${i + 1}: expected "  Name: value", got ${JSON.stringify(line)}`);
    if (inAll) out[m[1]!] = m[2]!;
  });
  return out;
}

export function appHeaders(file = HEADERS_FILE): Record<string, string> {
  return parseHeadersFile(readFileSync(file, 'utf8'), file);
}
