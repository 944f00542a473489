import { describe, expect, it } from 'vitest';
import { expectedWeights, parseBartConfig } from '../../../../src/shared/model/config';
import { initBartWeights, tinyBartConfig, tinyBartConfigJson } from '../../../../src/engine/pretrain/init';

const shape = { vocabSize: 300, dModel: 32, layers: 2, heads: 4, ffnDim: 64, maxPositions: 40, bosTokenId: 0, padTokenId: 1, eosTokenId: 2 };

describe('fresh BART weights', () => {
  const config = tinyBartConfig(shape);

  it('config.json round-trips through parseBartConfig with the shape asked for', () => {
    const c = parseBartConfig(JSON.parse(JSON.stringify(tinyBartConfigJson(shape))));
    expect(c).toEqual(config);
    expect(c).toMatchObject({ vocabSize: 300, dModel: 32, encoderLayers: 2, decoderLayers: 2, decoderStartTokenId: 2, scaleEmbedding: false });
  });

  it('has every expected tensor (tied embed_tokens omitted) with HF init: N(0, 0.02), zero biases, unit LayerNorm, zero pad row', () => {
    const w = initBartWeights(config, 7);
    const names = expectedWeights(config).filter((s) => !s.name.endsWith('embed_tokens.weight'));
    expect([...w.keys()].sort()).toEqual(names.map((s) => s.name).sort());
    for (const spec of names) {
      const t = w.get(spec.name)!;
      expect(t.shape).toEqual(spec.shape);
      const d = Array.from(t.data);
      if (spec.name === 'final_logits_bias' || spec.name.endsWith('.bias')) expect(d.every((x) => x === 0)).toBe(true);
      else if (/layer_?norm/.test(spec.name)) expect(d.every((x) => x === 1)).toBe(true);
      else {
        const mean = d.reduce((a, b) => a + b, 0) / d.length;
        const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
        expect(Math.abs(mean)).toBeLessThan(0.005);
        expect(std).toBeGreaterThan(0.015);
        expect(std).toBeLessThan(0.025);
      }
    }
    const shared = w.get('model.shared.weight')!.data;
    expect(Array.from(shared.slice(32, 64)).every((x) => x === 0)).toBe(true); // pad id 1
    expect(Array.from(shared.slice(0, 32)).some((x) => x !== 0)).toBe(true);
  });

  it('is bit-identical for a seed and different across seeds', () => {
    const a = initBartWeights(config, 3).get('model.encoder.layers.1.fc1.weight')!.data;
    const b = initBartWeights(config, 3).get('model.encoder.layers.1.fc1.weight')!.data;
    const c = initBartWeights(config, 4).get('model.encoder.layers.1.fc1.weight')!.data;
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
  });
});
