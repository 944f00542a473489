import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBartConfig } from '../../../../src/shared/model/config';
import { assertTokenizerFits, loadTokenizer, TokenizerError, type TextCodec } from '../../../../src/shared/tokenizer/index';
import { byteLevelPieces, referenceEncode, trainByteLevelBpe } from '../../../../src/shared/tokenizer/train';

const DIR = 'test/fixtures/tokenizer';
const corpus = readFileSync(`${DIR}/corpus.txt`, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
const tokenizerJson = JSON.parse(readFileSync(`${DIR}/tokenizer.json`, 'utf8')) as Record<string, unknown>;
const tokenizerConfigJson = JSON.parse(readFileSync(`${DIR}/tokenizer_config.json`, 'utf8')) as Record<string, unknown>;
const trained = trainByteLevelBpe(corpus, { vocabSize: 600 });

// Texts whose decoding is untouched by BART's clean_up_tokenization_spaces (" ." -> "." etc.).
const cleanUpSafe = (s: string) => !/ [.?!,]| '|n't| 'm| 's| 've| 're/.test(s);

describe('byte-level BPE trainer', () => {
  it('is deterministic, and the committed fixture is what the committed corpus gives', () => {
    expect(trainByteLevelBpe(corpus, { vocabSize: 600 }).tokenizerJson).toEqual(trained.tokenizerJson);
    expect(tokenizerJson).toEqual(trained.tokenizerJson);
    expect(tokenizerConfigJson).toEqual(trained.tokenizerConfigJson);
  });

  it("puts BART's specials at 0..3, the 256 bytes next, <mask> last", () => {
    const v = trained.vocab;
    expect([v.get('<s>'), v.get('<pad>'), v.get('</s>'), v.get('<unk>')]).toEqual([0, 1, 2, 3]);
    expect(v.get('<mask>')).toBe(599);
    expect(v.size).toBe(600);
    expect(v.get('!')).toBe(4 + 0x21); // bytes in byte order: "!" is byte 0x21
    expect(v.get('Ġ')).toBe(4 + 0x20); // the space byte's printable form
    expect(new Set(v.values()).size).toBe(600);
  });

  it('learns the most frequent pairs first (a space before "the" is the top word here)', () => {
    expect(trained.merges.slice(0, 3)).toContain('Ġ t');
    expect(trained.vocab.has('Ġthe')).toBe(true);
  });

  it('stops early when no pair is frequent enough, and rejects a vocabulary smaller than the bytes', () => {
    expect(trainByteLevelBpe(['ab ab cd'], { vocabSize: 1000 }).vocab.size).toBeLessThan(270);
    expect(() => trainByteLevelBpe(corpus, { vocabSize: 100 })).toThrow(/at least 261/);
  });
});

describe('loadTokenizer (transformers.js) on the generated tokenizer', () => {
  let codec: TextCodec;
  beforeAll(async () => {
    codec = await loadTokenizer(tokenizerJson, tokenizerConfigJson);
  });

  it("has BART's special ids and the full vocabulary", () => {
    expect(codec.specialIds).toEqual({ bos: 0, pad: 1, eos: 2, unk: 3, mask: 599 });
    expect(codec.vocabSize).toBe(600);
  });

  it('wraps every encoding in <s> ... </s>', () => {
    const ids = codec.encode(' [glue-sst2] a warm film.');
    expect(ids[0]).toBe(0);
    expect(ids.at(-1)).toBe(2);
    expect(ids.slice(1, -1)).not.toContain(0);
    expect(codec.encode('')).toEqual([0, 2]);
  });

  it('truncates to maxLength keeping </s> at the end', () => {
    const full = codec.encode(corpus[5]!);
    expect(full.length).toBeGreaterThan(10);
    expect(codec.encode(corpus[5]!, 8)).toEqual([...full.slice(0, 7), 2]);
    expect(codec.encode(corpus[5]!, full.length)).toEqual(full);
    expect(() => codec.encode(corpus[5]!, 1)).toThrow(/maxLength/);
  });

  it('encodes exactly as the textbook BPE over the trained merges (corpus and random text)', () => {
    for (const line of corpus) expect(codec.encode(line), line).toEqual(referenceEncode(line, trained.vocab, trained.merges));
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        fc.pre(!/<(s|\/s|pad|unk|mask)>/.test(s));
        expect(codec.encode(s)).toEqual(referenceEncode(s, trained.vocab, trained.merges));
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips text, including unseen words, accents, CJK and emoji', () => {
    for (const text of [...corpus.filter(cleanUpSafe), ' Zebras quietly juggle 42 kumquats', 'naïve café 東京 🙂🚀', '  two  spaces\tand a tab\n']) {
      expect(codec.decode(codec.encode(text)), text).toBe(text);
    }
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        fc.pre(cleanUpSafe(s) && !/<(s|\/s|pad|unk|mask)>/.test(s));
        expect(codec.decode(codec.encode(s))).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  it('decode drops special tokens and ids outside the vocabulary, and accepts an empty list', () => {
    const ids = codec.encode(' the answer');
    expect(codec.decode([1, 1, ...ids, 1, 599, 70000])).toBe(' the answer');
    expect(codec.decode([])).toBe('');
    expect(codec.decode([0, 2, 1])).toBe('');
  });

  it('applies BART-style clean-up of spaces before punctuation, as the reference decoding does', () => {
    expect(codec.decode(codec.encode('yes , no .'))).toBe('yes, no.');
  });

  it('works without tokenizer_config.json (facebook/bart-base has none)', async () => {
    const bare = await loadTokenizer(tokenizerJson);
    expect(bare.specialIds).toEqual({ bos: 0, pad: 1, eos: 2, unk: 3, mask: 599 });
    expect(bare.encode(corpus[0]!)).toEqual(codec.encode(corpus[0]!));
  });

  it('says what is wrong with something that is not a tokenizer.json', async () => {
    await expect(loadTokenizer({ vocab: {} })).rejects.toThrow(TokenizerError);
    await expect(loadTokenizer({ model: {}, added_tokens: 3 })).rejects.toThrow(/added_tokens/);
  });

  it('checks that it fits a model config (vocabulary and special ids)', () => {
    const base = { vocab_size: 600, d_model: 8, encoder_layers: 1, decoder_layers: 1, encoder_attention_heads: 2, decoder_attention_heads: 2, encoder_ffn_dim: 8, decoder_ffn_dim: 8, max_position_embeddings: 8 };
    expect(() => assertTokenizerFits(codec, parseBartConfig(base))).not.toThrow();
    expect(() => assertTokenizerFits(codec, parseBartConfig({ ...base, vocab_size: 50265 }))).not.toThrow();
    expect(() => assertTokenizerFits(codec, parseBartConfig({ ...base, vocab_size: 97 }))).toThrow("it has 600 tokens but the model's vocab_size is 97");
    expect(() => assertTokenizerFits(codec, parseBartConfig({ ...base, eos_token_id: 5 }))).toThrow('</s> (eos_token_id) is 2 in the tokenizer but 5 in config.json');
  });

  it('pre-tokenizes like GPT-2 (contractions, spaces kept with the following word)', () => {
    expect(byteLevelPieces("it's a  test")).toEqual(['it', "'s", 'Ġa', 'Ġ', 'Ġtest']);
  });
});
