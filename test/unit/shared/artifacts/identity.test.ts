import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, configSha256, modelIdentity, sha256Hex } from '../../../../src/shared/artifacts/identity';
import { fixtureConfig } from './support';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });
  it('gives equal text for equal numbers written differently', () => {
    expect(canonicalJson(JSON.parse('{"eps": 1e-05}'))).toBe(canonicalJson(JSON.parse('{"eps": 0.00001}')));
  });
  it('refuses values JSON cannot hold', () => {
    expect(() => canonicalJson({ x: NaN })).toThrow(TypeError);
  });
});

describe('sha256Hex', () => {
  it('matches node:crypto', async () => {
    const text = 'intrinsic subspace';
    expect(await sha256Hex(text)).toBe(createHash('sha256').update(text).digest('hex'));
  });
});

describe('configSha256', () => {
  it('hashes the canonical JSON of config.json, independent of key order', async () => {
    const cfg = fixtureConfig();
    const reversed = Object.fromEntries(Object.entries(cfg).reverse());
    const want = createHash('sha256').update(canonicalJson(cfg)).digest('hex');
    expect(await configSha256(cfg)).toBe(want);
    expect(await configSha256(reversed)).toBe(want);
  });
  it('ignores keys Hugging Face rewrites on save, but not real changes', async () => {
    const cfg = fixtureConfig();
    const base = await configSha256(cfg);
    expect(await configSha256({ ...cfg, transformers_version: '4.99.0', _name_or_path: '/tmp/x' })).toBe(base);
    expect(await configSha256({ ...cfg, d_model: 64 })).not.toBe(base);
  });
  it('modelIdentity validates the config and reads d_model', async () => {
    const id = await modelIdentity('m', fixtureConfig());
    expect(id.dModel).toBe(32);
    await expect(modelIdentity('m', { ...fixtureConfig(), model_type: 't5' })).rejects.toThrow(/BART/);
  });
});
