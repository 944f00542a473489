// What #/explore?... asks the Explore screen to open.
import { describe, expect, it } from 'vitest';
import { encodeShareLink } from '../../../../../src/shared/artifacts/shareLink';
import { EMBEDDED_PROJECTOR } from '../../../../../src/shared/embedded';
import { exploreRequest } from '../../../../../src/ui/screens/explore/route';

const APP = 'https://lab.example/app/';
const A = 'a'.repeat(64);
const B = '0123456789abcdef'.repeat(4);

describe('exploreRequest', () => {
  it('opens the shipped projector when nothing is asked', () => {
    expect(exploreRequest(`${APP}#/explore`)).toEqual({ kind: 'default' });
    expect(exploreRequest(APP)).toEqual({ kind: 'default' });
    expect(exploreRequest(`${APP}#/explore?`)).toEqual({ kind: 'default' });
  });

  it('reads a share link, embedded or by URL', () => {
    const link = encodeShareLink(APP, { embedded: EMBEDDED_PROJECTOR.id, vector: Float32Array.of(1, 2) }, { route: '/explore' });
    const got = exploreRequest(link);
    expect(got.kind === 'share' && got.link.embedded).toBe(EMBEDDED_PROJECTOR.id);
    expect(() => exploreRequest(`${APP}#/explore?il=1&z=AAAAPw`)).toThrow(/names no projector/);
  });

  it('reads a Library projector by id, with an optional vector, and refuses malformed ids', () => {
    expect(exploreRequest(`${APP}#/explore?artifact=${A}`)).toEqual({ kind: 'artifact', id: A, vector: null });
    expect(exploreRequest(`${APP}#/explore?artifact=${A}&vector=${B}`)).toEqual({ kind: 'artifact', id: A, vector: B });
    expect(() => exploreRequest(`${APP}#/explore?artifact=${A.toUpperCase()}`)).toThrow(/"artifact" must be a stored projector's id/);
    expect(() => exploreRequest(`${APP}#/explore?artifact=${A}&vector=x`)).toThrow(/"vector" must be a stored vector's id/);
    expect(() => exploreRequest(`${APP}#/explore?artifact=${A}&artifact=${B}`)).toThrow(/repeats/);
  });
});
