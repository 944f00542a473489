// A small static server for browser tests: serves the built app (dist/) with the app's own headers
// (public/_headers: COOP/COEP for threaded wasm, and the CSP, so every browser test runs under
// it), plus extra folders mounted at URL prefixes (for example a fake Hugging Face Hub laid out as
// /hub/{model}/resolve/main/{file}) and handlers for generated answers. Loopback only.
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { appHeaders } from '../../../src/node/headers';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.tsv': 'text/tab-separated-values; charset=utf-8',
};

export interface StaticServer {
  readonly url: string;
  /** Requests served so far, by path (lets a test prove a second load came from the cache). */
  readonly hits: Map<string, number>;
  /** The HEAD requests among them, by path (a HEAD asks for a size and downloads nothing). */
  readonly heads: Map<string, number>;
  close(): Promise<void>;
}

/** Answers one exact path itself (after the headers are set), e.g. a generated body. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * mounts: URL prefix ("/" or "/hub") -> folder on disk. The longest matching prefix wins.
 * routes: exact path -> handler, before the mounts.
 */
export async function serveStatic(mounts: Record<string, string>, routes: Record<string, RouteHandler> = {}): Promise<StaticServer> {
  const entries = Object.entries(mounts)
    .map(([prefix, dir]) => [prefix.endsWith('/') ? prefix : `${prefix}/`, resolve(dir)] as const)
    .sort((a, b) => b[0].length - a[0].length);
  const hits = new Map<string, number>();
  const heads = new Map<string, number>();
  const headers = appHeaders();
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (req.method === 'HEAD') heads.set(path, (heads.get(path) ?? 0) + 1);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    const route = routes[path];
    if (route) return route(req, res);
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    const mount = entries.find(([prefix]) => `${path}/`.startsWith(prefix) || path.startsWith(prefix));
    if (!mount) return void res.writeHead(404).end();
    const [prefix, dir] = mount;
    let file = normalize(join(dir, path.slice(prefix.length)));
    if (!file.startsWith(dir)) return void res.writeHead(403).end();
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      const size = statSync(file).size;
      res.writeHead(200, {
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Content-Length': String(size),
      });
      if (req.method === 'HEAD') return void res.end();
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    heads,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
