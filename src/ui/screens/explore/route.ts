// What `#/explore...` asks the Explore screen to open: a share link's projector and vector
// (`?il=1&...`, src/shared/artifacts/shareLink.ts), a projector from the Library
// (`?artifact=<sha256>[&vector=<sha256>]`, stored with src/storage/artifactStore.ts), or, with
// nothing asked, the projector shipped with the app.
import { decodeShareLink, type ShareLink } from '../../../shared/artifacts/shareLink';

export type ExploreRequest =
  | { kind: 'default' }
  | { kind: 'share'; link: ShareLink }
  | { kind: 'artifact'; id: string; vector: string | null };

/** Artifact ids are the SHA-256 of the file, in lowercase hex. */
const ARTIFACT_ID = /^[0-9a-f]{64}$/;

/** Throws (naming the parameter) for a link that asks for something malformed. */
export function exploreRequest(href: string): ExploreRequest {
  const hash = new URL(href).hash;
  const query = hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : '';
  if (!query) return { kind: 'default' };
  const params = new URLSearchParams(query);
  if (params.has('il')) return { kind: 'share', link: decodeShareLink(href) };
  if (!params.has('artifact')) return { kind: 'default' };
  const id = params.get('artifact')!;
  const vector = params.get('vector');
  if (params.getAll('artifact').length > 1 || params.getAll('vector').length > 1) throw new Error('the link repeats "artifact" or "vector"');
  if (!ARTIFACT_ID.test(id)) throw new Error(`"artifact" must be a stored projector's id (64 hex digits), got ${JSON.stringify(id.slice(0, 80))}`);
  if (vector !== null && !ARTIFACT_ID.test(vector)) throw new Error(`"vector" must be a stored vector's id (64 hex digits), got ${JSON.stringify(vector.slice(0, 80))}`);
  return { kind: 'artifact', id, vector };
}
