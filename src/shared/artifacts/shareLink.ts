// Share links: an intrinsic vector is a few hundred float32s, small enough for a URL. The link
// names the projector bundle by URL (the bundle itself is hundreds of MB), or by the id of a
// projector the app ships (`e=`, same origin, nothing to fetch from elsewhere), and carries the
// vector as base64url little-endian float32, so a recipient decodes bit-for-bit the same prompt.
//
//   https://app.example/#il=1&p=<projector URL>&z=<base64url float32>&t=<task name>
//   https://app.example/#il=1&e=embedded:<model>/d<d_I>&z=<base64url float32>
//
// The data sits in the fragment so it is never sent to the app's server; decodeShareLink also
// accepts it in the query string, for places that strip fragments. An app with hash routes puts it
// after the route, `#/explore?il=1&p=...` (the `route` option), and decodeShareLink reads that too.

import { checkFetchUrl, FetchUrlError } from '../weights/urls';
import { ArtifactError } from './errors';

/** Exactly one of `projectorUrl` and `embedded` names the projector. */
export type ShareLink = {
  /** The intrinsic vector z (length d_I). */
  readonly vector: Float32Array;
  readonly task?: string;
} & (
  | {
      /** Absolute URL of a projector bundle that checkFetchUrl allows. */
      readonly projectorUrl: string;
      readonly embedded?: undefined;
    }
  | {
      /** Id of a projector shipped with the app (EMBEDDED_PROJECTOR_PATTERN); the app knows its URL. */
      readonly embedded: string;
      readonly projectorUrl?: undefined;
    }
);

/**
 * What an embedded projector's id looks like: `embedded:<model folder>/d<d_I>` (optionally
 * `-r<seed>`). Whether the app ships that one is the app's to say; the link only carries the name.
 */
export const EMBEDDED_PROJECTOR_PATTERN = /^embedded:[a-z0-9][a-z0-9._-]{0,63}\/d[1-9][0-9]{0,3}(-r[0-9]{1,9})?$/;

export const SHARE_LINK_VERSION = '1';
/** Longest vector a link may carry; the paper's d_I is at most a few hundred. */
export const MAX_SHARE_DIM = 4096;
export const MAX_TASK_NAME = 200;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const LOOKUP = new Map([...ALPHABET].map((ch, i) => [ch, i]));

/** RFC 4648 base64url without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i]!;
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    out += ALPHABET[b0 >> 2]!;
    out += ALPHABET[((b0 & 3) << 4) | ((b1 ?? 0) >> 4)]!;
    if (b1 !== undefined) out += ALPHABET[((b1 & 15) << 2) | ((b2 ?? 0) >> 6)]!;
    if (b2 !== undefined) out += ALPHABET[b2 & 63]!;
  }
  return out;
}

/** Strict inverse of toBase64Url: rejects padding, foreign characters and non-canonical tails. */
export function fromBase64Url(text: string): Uint8Array {
  if (text.length % 4 === 1) throw new ArtifactError('bad-share-link', `base64url text of length ${text.length} cannot be valid`);
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const v = LOOKUP.get(text[i]!);
    if (v === undefined) throw new ArtifactError('bad-share-link', `vector contains ${JSON.stringify(text[i])} at position ${i}, which is not base64url`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) throw new ArtifactError('bad-share-link', 'vector has non-zero trailing bits (the link was altered)');
  return out;
}

function checkProjectorUrl(raw: string, base?: string): string {
  try {
    return checkFetchUrl(raw, 'projector URL', base).href;
  } catch (e) {
    if (e instanceof FetchUrlError) throw new ArtifactError('bad-share-link', e.message, { cause: e });
    throw e;
  }
}

function checkVector(vector: Float32Array, expectDim?: number): void {
  if (vector.length === 0) throw new ArtifactError('bad-share-link', 'the link carries an empty vector');
  if (vector.length > MAX_SHARE_DIM) throw new ArtifactError('bad-share-link', `the vector has ${vector.length} values, more than the ${MAX_SHARE_DIM} a link may carry`);
  for (let i = 0; i < vector.length; i++) {
    if (!Number.isFinite(vector[i])) throw new ArtifactError('bad-share-link', `the vector holds ${vector[i]} at index ${i}`);
  }
  if (expectDim !== undefined && vector.length !== expectDim) {
    throw new ArtifactError('intrinsic-dim-mismatch', `the link's vector has length ${vector.length}, but the projector's d_I is ${expectDim}`);
  }
}

export interface EncodeShareLinkOptions {
  /** A hash route ("/explore") the parameters follow: `#/explore?il=1&...`. */
  readonly route?: string;
}

/** `base` is the app's URL; any existing fragment is replaced. */
function checkEmbeddedId(id: string): string {
  if (!EMBEDDED_PROJECTOR_PATTERN.test(id)) {
    throw new ArtifactError('bad-share-link', `embedded projector id ${JSON.stringify(id.slice(0, 80))} is not of the form "embedded:<model>/d<d_I>"`);
  }
  return id;
}

export function encodeShareLink(base: string, link: ShareLink, opts: EncodeShareLinkOptions = {}): string {
  if ((link.projectorUrl === undefined) === (link.embedded === undefined)) {
    throw new ArtifactError('bad-share-link', 'a share link names its projector by URL or by embedded id, exactly one of the two');
  }
  const where: Record<string, string> = link.embedded !== undefined ? { e: checkEmbeddedId(link.embedded) } : { p: checkProjectorUrl(link.projectorUrl!) };
  checkVector(link.vector);
  if (link.task !== undefined && link.task.length > MAX_TASK_NAME) {
    throw new ArtifactError('bad-share-link', `task name is ${link.task.length} characters, more than ${MAX_TASK_NAME}`);
  }
  const bytes = new Uint8Array(link.vector.length * 4);
  const view = new DataView(bytes.buffer);
  link.vector.forEach((v, i) => view.setFloat32(4 * i, v, true));
  const params = new URLSearchParams({ il: SHARE_LINK_VERSION, ...where, z: toBase64Url(bytes) });
  if (link.task) params.set('t', link.task);
  const url = new URL(base);
  url.hash = opts.route === undefined ? params.toString() : `${opts.route}?${params.toString()}`;
  return url.href;
}

export interface DecodeShareLinkOptions {
  /** The loaded projector's d_I; a vector of another length is rejected. */
  readonly intrinsicDim?: number;
}

export function decodeShareLink(url: string, opts: DecodeShareLinkOptions = {}): ShareLink {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ArtifactError('bad-share-link', 'not a URL');
  }
  const hash = u.hash.replace(/^#/, '');
  // `#/route?il=...`: the parameters follow the route's "?" (a bare route carries none).
  const query = hash.indexOf('?');
  const fromHash = new URLSearchParams(!hash.startsWith('/') ? hash : query >= 0 ? hash.slice(query + 1) : '');
  const params = fromHash.has('il') ? fromHash : u.searchParams;
  const version = params.get('il');
  if (version === null) throw new ArtifactError('bad-share-link', 'the URL carries no shared vector (no "il" parameter)');
  if (version !== SHARE_LINK_VERSION) throw new ArtifactError('bad-share-link', `share link version ${JSON.stringify(version)} is not supported (this app reads version ${SHARE_LINK_VERSION})`);
  const p = params.get('p');
  const e = params.get('e');
  if (p !== null && e !== null) throw new ArtifactError('bad-share-link', 'the link names two projectors ("p" and "e"); it may name one');
  if (!p && !e) throw new ArtifactError('bad-share-link', 'the link names no projector ("p" or "e" is missing)');
  if (params.getAll('p').length > 1 || params.getAll('e').length > 1 || params.getAll('z').length > 1) {
    throw new ArtifactError('bad-share-link', 'the link repeats a parameter ("p", "e" or "z")');
  }
  // A relative projector URL is resolved against the link, for bundles hosted next to the app.
  const where = e ? { embedded: checkEmbeddedId(e) } : { projectorUrl: checkProjectorUrl(p!, u.href) };
  const z = params.get('z');
  if (!z) throw new ArtifactError('bad-share-link', 'the link carries no vector ("z" is missing)');
  if (z.length > Math.ceil((MAX_SHARE_DIM * 4 * 4) / 3)) throw new ArtifactError('bad-share-link', `the vector text is ${z.length} characters, longer than a ${MAX_SHARE_DIM}-value vector`);
  const bytes = fromBase64Url(z);
  if (bytes.length % 4 !== 0) throw new ArtifactError('bad-share-link', `the vector is ${bytes.length} bytes, not a whole number of float32 values`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vector = new Float32Array(bytes.length / 4);
  for (let i = 0; i < vector.length; i++) vector[i] = view.getFloat32(4 * i, true);
  checkVector(vector, opts.intrinsicDim);
  const task = params.get('t');
  if (task !== null && task.length > MAX_TASK_NAME) throw new ArtifactError('bad-share-link', `task name is ${task.length} characters, more than ${MAX_TASK_NAME}`);
  return task ? { ...where, vector, task } : { ...where, vector };
}
