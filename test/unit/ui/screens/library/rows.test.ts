import { describe, expect, it } from 'vitest';
import type { ArtifactSummary } from '../../../../../src/storage/artifactStore';
import { describeFilter, exploreHref, libraryHref, libraryRow, matchesFilter, parseLibraryQuery } from '../../../../../src/ui/screens/library/rows';

const P = 'a'.repeat(64);
const V = 'b'.repeat(64);

function summary(over: Partial<ArtifactSummary>): ArtifactSummary {
  return {
    id: P, kind: 'projector', name: 'projector-d10-r1', modelId: 'hub:tiny/bart', configSha256: 'c'.repeat(64), byteLength: 1234, storedAt: 0,
    details: {}, tasks: [], intrinsicDim: null, score: null, ...over,
  };
}

describe('Library rows', () => {
  it('reads the filter from the address and writes it back', () => {
    expect(parseLibraryQuery('#/library')).toEqual({});
    expect(parseLibraryQuery('#/library?task=glue-sst2&unit=pt%2Fx%2Fr1&other=1')).toEqual({ task: 'glue-sst2', unit: 'pt/x/r1' });
    expect(libraryHref({ task: 'a b' })).toBe('#/library?task=a+b');
    expect(parseLibraryQuery(libraryHref({ task: 'a b', study: 's1' }))).toEqual({ task: 'a b', study: 's1' });
    expect(libraryHref({})).toBe('#/library');
    expect(describeFilter({ task: 'xsum', study: 's1' })).toBe('task “xsum”, study s1');
  });

  it('filters by task, unit and study', () => {
    const s = summary({ tasks: ['xsum', 'glue-sst2'], origin: { kind: 'study', studyId: 's1', studyName: 'demo', unitKey: 'msf/u', path: 'projector-d10-r1.safetensors' } });
    expect(matchesFilter(s, {})).toBe(true);
    expect(matchesFilter(s, { task: 'xsum' })).toBe(true);
    expect(matchesFilter(s, { task: 'squad' })).toBe(false);
    expect(matchesFilter(s, { unit: 'msf/u', study: 's1' })).toBe(true);
    expect(matchesFilter(s, { study: 's2' })).toBe(false);
    expect(matchesFilter(summary({ origin: { kind: 'import', file: 'x', notes: [] } }), { unit: 'msf/u' })).toBe(false);
  });

  it('lists a projector\'s first tasks, a vector\'s setting and where each came from', () => {
    const p = libraryRow(summary({ tasks: ['a', 'b', 'c', 'd', 'e', 'f'], intrinsicDim: 10, origin: { kind: 'study', studyId: 's', studyName: 'demo', unitKey: 'u', path: 'p' } }));
    expect(p).toMatchObject({ tasks: 'a, b, c, d and 2 more', dI: 10, source: 'study “demo”' });
    const v = libraryRow(summary({ kind: 'vector', tasks: ['xsum'], details: { setting: 'test' }, origin: { kind: 'import', file: 'v.safetensors', notes: [] } }));
    expect(v).toMatchObject({ tasks: 'xsum (test)', source: 'imported v.safetensors' });
  });

  it('opens a projector in Explore by its id, a vector with its projector when that is stored, and nothing for a prompt', () => {
    const all = () => true;
    expect(exploreHref(summary({}), all)).toBe(`#/explore?artifact=${P}`);
    expect(exploreHref(summary({ id: V, kind: 'vector', details: { projectorSha256: P } }), all)).toBe(`#/explore?artifact=${P}&vector=${V}`);
    expect(exploreHref(summary({ id: V, kind: 'vector', details: { projectorSha256: P } }), (id) => id !== P)).toBeNull();
    expect(exploreHref(summary({ id: V, kind: 'vector', details: { projectorSha256: '' } }), all)).toBeNull();
    expect(exploreHref(summary({ kind: 'prompt' }), all)).toBeNull();
  });
});
