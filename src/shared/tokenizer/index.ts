/// <reference path="./transformers-tokenizers.d.ts" />
// The tokenizer everyone uses: transformers.js' implementation of the Hugging Face tokenizers format,
// built straight from tokenizer.json (no fetch, no Hub), behind a small interface.

export interface TextCodec {
  /**
   * Token ids of `text`, wrapped as BART expects: <s> ... </s>. With `maxLength`, the text is cut
   * (as Hugging Face's truncation does) so the result, </s> included, has at most maxLength ids.
   */
  encode(text: string, maxLength?: number): number[];
  /** Text of `ids`, without special tokens (<s>, </s>, <pad>, <mask>, ...). Unknown ids are dropped. */
  decode(ids: readonly number[]): string;
  /** Number of token ids (largest id + 1). */
  readonly vocabSize: number;
  readonly specialIds: {
    readonly bos: number;
    readonly pad: number;
    readonly eos: number;
    readonly unk: number | null;
    readonly mask: number | null;
  };
}

import type { BartConfig } from '../model/config';

export class TokenizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenizerError';
  }
}

function tokenId(tok: { model: { tokens_to_ids: Map<string, number> } }, token: string): number | null {
  return tok.model.tokens_to_ids.get(token) ?? null;
}

/**
 * Builds the tokenizer from tokenizer.json (and tokenizer_config.json when the model has one;
 * facebook/bart-base does not, and then BART's defaults apply). transformers.js is loaded lazily.
 */
export async function loadTokenizer(tokenizerJson: unknown, tokenizerConfigJson?: unknown): Promise<TextCodec> {
  const json = tokenizerJson as { model?: { type?: unknown }; added_tokens?: unknown } | null;
  if (typeof json !== 'object' || json === null || typeof json.model !== 'object' || json.model === null) {
    throw new TokenizerError('tokenizer.json: expected the Hugging Face tokenizers format (an object with a "model")');
  }
  if (!Array.isArray(json.added_tokens)) throw new TokenizerError('tokenizer.json: "added_tokens" must be a list');
  const config = (typeof tokenizerConfigJson === 'object' && tokenizerConfigJson !== null ? tokenizerConfigJson : {}) as Record<string, unknown>;
  const { AutoTokenizer, BartTokenizer } = await import('@xenova/transformers/src/tokenizers.js');
  const className = typeof config.tokenizer_class === 'string' ? config.tokenizer_class.replace(/Fast$/, '') : 'BartTokenizer';
  const Cls = AutoTokenizer.TOKENIZER_CLASS_MAPPING[className] ?? BartTokenizer;
  let tok: InstanceType<typeof BartTokenizer>;
  try {
    tok = new Cls(json, config);
  } catch (e) {
    throw new TokenizerError(`tokenizer.json could not be loaded: ${(e as Error).message}`);
  }

  const need = (token: string, fallback: number): number => tokenId(tok, token) ?? fallback;
  const specialIds = {
    bos: need(typeof config.bos_token === 'string' ? config.bos_token : '<s>', 0),
    pad: need(typeof config.pad_token === 'string' ? config.pad_token : '<pad>', 1),
    eos: need(typeof config.eos_token === 'string' ? config.eos_token : '</s>', 2),
    unk: tokenId(tok, typeof config.unk_token === 'string' ? config.unk_token : '<unk>'),
    mask: tokenId(tok, typeof config.mask_token === 'string' ? config.mask_token : '<mask>'),
  };
  let vocabSize = tok.model.vocab.length;
  for (const id of tok.model.tokens_to_ids.values()) vocabSize = Math.max(vocabSize, id + 1);
  const special = new Set(tok.all_special_ids);

  return {
    vocabSize,
    specialIds,
    encode(text: string, maxLength?: number): number[] {
      const ids = tok.encode(text);
      if (maxLength === undefined || ids.length <= maxLength) return ids;
      if (!Number.isInteger(maxLength) || maxLength < 2) throw new TokenizerError(`maxLength must be an integer >= 2 (room for <s> and </s>), got ${maxLength}`);
      return [...ids.slice(0, maxLength - 1), ids.at(-1)!];
    },
    decode(ids: readonly number[]): string {
      // transformers.js throws on an empty list and maps unknown ids to undefined; a model's
      // output may be empty or hold ids past the tokenizer's vocabulary (padded embeddings).
      const kept = ids.filter((id) => Number.isInteger(id) && !special.has(id) && tok.model.vocab[id] !== undefined);
      return kept.length === 0 ? '' : tok.decode(kept, { skip_special_tokens: true });
    },
  };
}

/**
 * Throws when the tokenizer cannot feed this model: ids past the embedding table, or special
 * tokens that differ from config.json's (the model would start / stop / pad on the wrong token).
 */
export function assertTokenizerFits(codec: TextCodec, config: BartConfig): void {
  const problems: string[] = [];
  if (codec.vocabSize > config.vocabSize) problems.push(`it has ${codec.vocabSize} tokens but the model's vocab_size is ${config.vocabSize}`);
  const pairs = [['<s> (bos_token_id)', codec.specialIds.bos, config.bosTokenId], ['</s> (eos_token_id)', codec.specialIds.eos, config.eosTokenId], ['<pad> (pad_token_id)', codec.specialIds.pad, config.padTokenId]] as const;
  for (const [what, tok, cfg] of pairs) if (tok !== cfg) problems.push(`${what} is ${tok} in the tokenizer but ${cfg} in config.json`);
  if (problems.length) throw new TokenizerError(`tokenizer.json does not fit config.json: ${problems.join('; ')}`);
}
