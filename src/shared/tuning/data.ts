// Examples -> token ids the way the reference feeds BART: the input is " [task_name] input",
// both sides wrapped as <s> ... </s>, cut to fit the prompt and the learned positions.
import type { BartConfig } from '../model/config';
import { taskPrefixed } from '../tasks/transform';
import type { Example } from '../tasks/types';
import type { TextCodec } from '../tokenizer/index';

export interface EncodedExample {
  readonly input: readonly number[];
  readonly target: readonly number[];
}

export interface EncodeLimits {
  readonly maxInputTokens: number;
  readonly maxTargetTokens: number;
  /** Soft prompt length: prompt + input must fit max_position_embeddings. */
  readonly promptTokens: number;
  /** Prefix inputs with " [task] " as the reference does (default true). */
  readonly taskPrefix?: boolean;
}

function wrap(ids: readonly number[], config: BartConfig, max: number): number[] {
  let body = [...ids];
  if (body[0] === config.bosTokenId) body = body.slice(1);
  if (body[body.length - 1] === config.eosTokenId) body = body.slice(0, -1);
  // Truncation keeps </s> last, as the reference tokenizer's truncation does.
  body = body.slice(0, Math.max(0, max - 2));
  return [config.bosTokenId, ...body, config.eosTokenId];
}

export function maxInputLength(config: BartConfig, lim: EncodeLimits): number {
  const room = config.maxPositionEmbeddings - lim.promptTokens;
  if (room < 3) throw new RangeError(`prompt of ${lim.promptTokens} tokens leaves no room for input in max_position_embeddings ${config.maxPositionEmbeddings}`);
  return Math.min(lim.maxInputTokens, room);
}

export function encodeExample(codec: TextCodec, config: BartConfig, task: string, ex: Example, lim: EncodeLimits): EncodedExample {
  const out = ex.outputs[0];
  if (out === undefined) throw new RangeError(`task "${task}": an example has no output (input ${JSON.stringify(ex.input.slice(0, 60))})`);
  return {
    input: wrap(codec.encode(lim.taskPrefix ?? true ? taskPrefixed(task, ex.input) : ex.input), config, maxInputLength(config, lim)),
    target: wrap(codec.encode(out), config, Math.min(lim.maxTargetTokens, config.maxPositionEmbeddings)),
  };
}

/** Generated ids -> text, without the special tokens generate() leaves in. */
export function decodeGenerated(codec: TextCodec, config: BartConfig, ids: readonly number[]): string {
  const special = new Set([config.bosTokenId, config.eosTokenId, config.padTokenId, config.decoderStartTokenId]);
  return codec.decode(ids.filter((id) => !special.has(id))).trim();
}

/** Rounds a length up to a multiple of 8 (capped), so backends that cache per shape see few shapes. */
export function bucket(n: number, cap: number): number {
  return Math.min(cap, Math.ceil(n / 8) * 8);
}
