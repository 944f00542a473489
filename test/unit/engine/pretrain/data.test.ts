// Corpus encoding and the seeded pair stream, with a real BPE tokenizer trained on world text.
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeCorpus, PairSampler, sentenceEndIds, specialIdsOf, type EncodedCorpus, type SamplerOptions } from '../../../../src/engine/pretrain/data';
import { loadTokenizer, type TextCodec } from '../../../../src/shared/tokenizer/index';
import { trainByteLevelBpe } from '../../../../src/shared/tokenizer/train';

const docs = [
  'anna lives in paris . anna is a cook . what does anna eat ? anna eats soup .',
  'ben owns a dog . the dog says woof ! ben likes red .',
  'is 2 less than 17 ? yes is 6 less than 18 ? yes is 17 less than 4 ? no',
  'the trip was rude . negative the song was great . positive',
];

describe('pre-training data', () => {
  let codec: TextCodec;
  let encoded: EncodedCorpus;
  let options: SamplerOptions;

  beforeAll(async () => {
    const tok = trainByteLevelBpe([...docs, ...docs], { vocabSize: 320, minFrequency: 2 });
    codec = await loadTokenizer(tok.tokenizerJson, tok.tokenizerConfigJson);
    encoded = encodeCorpus(codec, { documents: docs, supervised: [{ task: 'tiny-task', input: 'anna lives in paris .', output: 'yes' }] }, { maxSourceTokens: 24, maxTargetTokens: 24 });
    const s = specialIdsOf(codec);
    options = {
      maskTokenId: s.mask, maskRatio: 0.3, poissonLambda: 3, sentenceEndIds: sentenceEndIds(codec), permuteProbability: 1,
      maxSourceTokens: 24, maxTargetTokens: 24, supervisedFraction: 0.25,
    };
  });

  it('finds the sentence-ending tokens and nothing else', () => {
    const ends = sentenceEndIds(codec);
    expect(ends.length).toBeGreaterThanOrEqual(3);
    for (const id of ends) expect(['.', '?', '!']).toContain(codec.decode([id]).trim());
    // Every " ." in the documents is one of them.
    const s = specialIdsOf(codec);
    const dot = codec.encode(' .').filter((id) => id !== s.bos && id !== s.eos);
    expect(dot).toHaveLength(1);
    expect(ends).toContain(dot[0]);
  });

  it('encodes documents without specials and supervised pairs in the reference input format', () => {
    const s = specialIdsOf(codec);
    expect(encoded.documents).toHaveLength(docs.length);
    encoded.documents.forEach((d, i) => {
      expect(d).not.toContain(s.bos);
      expect(d).not.toContain(s.eos);
      expect([s.bos, ...d, s.eos]).toEqual(codec.encode(docs[i]!));
      // decode() applies BART's clean_up_tokenization_spaces (" ." -> "."), hence the normalisation.
      expect(codec.decode(d)).toBe(docs[i]!.replace(/ ([.?!,])/g, '$1'));
    });
    const sup = encoded.supervised[0]!;
    expect(sup.input[0]).toBe(s.bos);
    expect(sup.input[sup.input.length - 1]).toBe(s.eos);
    expect(sup.input).toEqual(codec.encode(' [tiny-task] anna lives in paris .'));
    expect(codec.decode([...sup.target])).toBe('yes');
  });

  it('draws pairs within the length limits, wrapped in <s> </s>, targets being windows of documents', () => {
    const s = specialIdsOf(codec);
    const sampler = new PairSampler(encoded, s, options, 5);
    let masked = 0;
    let supervised = 0;
    for (let i = 0; i < 400; i++) {
      const p = sampler.next();
      expect(p.input.length).toBeLessThanOrEqual(24);
      expect(p.target.length).toBeLessThanOrEqual(24);
      for (const x of [p.input, p.target]) {
        expect(x[0]).toBe(s.bos);
        expect(x[x.length - 1]).toBe(s.eos);
      }
      if (p === encoded.supervised[0]) { supervised++; continue; }
      const body = p.target.slice(1, -1);
      // The target is a contiguous window of one document.
      expect(encoded.documents.some((d) => d.join(',').includes(body.join(',')))).toBe(true);
      if (p.input.includes(s.mask)) masked++;
    }
    expect(masked).toBeGreaterThan(250);
    // About a quarter supervised (binomial, 400 draws).
    expect(supervised).toBeGreaterThan(60);
    expect(supervised).toBeLessThan(140);
  });

  it('is a pure function of its RNG state: same seed, same stream; restored state continues it', () => {
    const s = specialIdsOf(codec);
    const a = new PairSampler(encoded, s, options, 9);
    const b = new PairSampler(encoded, s, options, 9);
    expect(a.batch(20)).toEqual(b.batch(20));
    const state = a.getState();
    const rest = a.batch(10);
    expect(new PairSampler(encoded, s, options, state).batch(10)).toEqual(rest);
    expect(new PairSampler(encoded, s, options, 10).batch(20)).not.toEqual(new PairSampler(encoded, s, options, 9).batch(20));
  });

  it('refuses a supervised fraction without supervised data', () => {
    expect(() => new PairSampler({ documents: encoded.documents, supervised: [] }, specialIdsOf(codec), options, 1)).toThrow(/no supervised pairs/);
  });
});
