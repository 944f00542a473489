// The one rule for what the app downloads from: https anywhere, plain http only from this machine
// (a dev server or the tests' loopback server). Share links, projector URLs and the Hub address all
// pass through checkFetchUrl, so a link cannot make the app read `data:`, `file:` or a LAN host over
// plain http.

/** Hosts http is allowed for: loopback names only (URL.hostname keeps the brackets of IPv6). */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export const FETCH_URL_RULE = 'only https URLs are fetched (plain http only from localhost, 127.0.0.1 or [::1], for development)';

export class FetchUrlError extends Error {
  override readonly name = 'FetchUrlError';
}

/**
 * Parses `raw` (against `base` when given) and returns it if the app may fetch it; else throws a
 * FetchUrlError that starts with `what` ("projector URL", "Hub address") and names the rule.
 */
export function checkFetchUrl(raw: string, what: string, base?: string): URL {
  let u: URL;
  try {
    u = base === undefined ? new URL(raw) : new URL(raw, base);
  } catch {
    throw new FetchUrlError(`${what} ${JSON.stringify(raw)} is not a valid URL`);
  }
  if (u.protocol === 'https:') return u;
  if (u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname)) return u;
  const shown = u.protocol === 'http:' ? `http://${u.host}` : u.protocol;
  throw new FetchUrlError(`${what}: ${FETCH_URL_RULE}; got ${shown}`);
}
