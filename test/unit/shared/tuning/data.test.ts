// Examples -> ids: the engine's conventions and the reference dataloaders' (LoopConfig.data).
import { describe, expect, it } from 'vitest';
import { parseBartConfig } from '../../../../src/shared/model/config';
import { encodeExample, maxInputLength } from '../../../../src/shared/tuning/data';
import type { TextCodec } from '../../../../src/shared/tokenizer/index';

// One id per character (4 + char code - 32), so lengths and spaces are visible in the ids.
const codec: TextCodec = {
  vocabSize: 128,
  specialIds: { bos: 0, pad: 1, eos: 2, unk: 3, mask: null },
  encode: (text) => [...text].map((ch) => 4 + ch.charCodeAt(0) - 32),
  decode: (ids) => ids.map((id) => String.fromCharCode(id - 4 + 32)).join(''),
};
const config = parseBartConfig({ model_type: 'bart', vocab_size: 128, d_model: 8, encoder_layers: 1, decoder_layers: 1, encoder_attention_heads: 2, decoder_attention_heads: 2, encoder_ffn_dim: 8, decoder_ffn_dim: 8, max_position_embeddings: 64 });
const SPACE = 4;
const ex = { input: 'x'.repeat(40), outputs: ['yes', 'no'] };
const lim = { maxInputTokens: 30, maxTargetTokens: 10, promptTokens: 8, taskPrefix: false };

describe('encodeExample', () => {
  it('engine conventions: the input alone cut to maxInputTokens, the first answer, as written', () => {
    const e = encodeExample(codec, config, 't', ex, lim);
    expect(e.input).toHaveLength(30);
    expect([e.input[0], e.input.at(-1)]).toEqual([0, 2]);
    expect(e.target).toEqual([0, ...codec.encode('yes'), 2]);
    expect(e.targets).toBeUndefined();
  });

  it('reference conventions: the budget holds the prompt too (maxInputTokens - P), every answer is kept', () => {
    const e = encodeExample(codec, config, 't', ex, { ...lim, conventions: 'reference' });
    expect(e.input).toHaveLength(30 - 8);
    expect(e.targets).toEqual([[0, ...codec.encode('yes'), 2], [0, ...codec.encode('no'), 2]]);
    expect(e.target).toEqual(e.targets![0]);
    // One answer: nothing to draw from.
    expect(encodeExample(codec, config, 't', { input: 'a', outputs: ['b'] }, { ...lim, conventions: 'reference' }).targets).toBeUndefined();
  });

  it('MSF and IST targets under the reference start with a space (" " + item)', () => {
    const e = encodeExample(codec, config, 't', ex, { ...lim, conventions: 'reference', targetSpace: true });
    expect(e.target).toEqual([0, SPACE, ...codec.encode('yes'), 2]);
    expect(e.targets![1]).toEqual([0, SPACE, ...codec.encode('no'), 2]);
  });

  it('maxInputLength also fits the learned positions, and names a prompt that leaves no room in the reference budget', () => {
    expect(maxInputLength(config, { ...lim, maxInputTokens: 512 })).toBe(64 - 8);
    expect(maxInputLength(config, { ...lim, maxInputTokens: 512, conventions: 'reference' })).toBe(64 - 8);
    expect(maxInputLength(config, { ...lim, maxInputTokens: 40, conventions: 'reference' })).toBe(32);
    expect(() => maxInputLength(config, { ...lim, maxInputTokens: 10, conventions: 'reference' })).toThrow(/maxInputTokens 10 \(the reference's input budget holds the prompt too\)/);
  });
});
