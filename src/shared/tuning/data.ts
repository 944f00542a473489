// Examples -> token ids the way the reference feeds BART: the input is " [task_name] input",
// both sides wrapped as <s> ... </s>, cut to fit the prompt and the learned positions.
import type { BartConfig } from '../model/config';
import { taskPrefixed } from '../tasks/transform';
import type { Example } from '../tasks/types';
import type { TextCodec } from '../tokenizer/index';

export interface EncodedExample {
  readonly input: readonly number[];
  readonly target: readonly number[];
  /**
   * Every gold answer's ids when a training draw picks one at random (the reference's convention,
   * LoopConfig.data 'reference', for examples with more than one answer); `target` is the first.
   */
  readonly targets?: readonly (readonly number[])[];
}

export interface EncodeLimits {
  readonly maxInputTokens: number;
  readonly maxTargetTokens: number;
  /** Soft prompt length: prompt + input must fit max_position_embeddings. */
  readonly promptTokens: number;
  /** Prefix inputs with " [task] " as the reference does (default true). */
  readonly taskPrefix?: boolean;
  /** LoopConfig.data: 'reference' cuts the input to maxInputTokens - promptTokens and keeps every answer. */
  readonly conventions?: 'engine' | 'reference';
  /** Prefix targets with a space (the reference's MSF and IST, under 'reference'). */
  readonly targetSpace?: boolean;
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
  // The reference's budget of maxInputTokens covers prompt and text together.
  const budget = lim.conventions === 'reference' ? lim.maxInputTokens - lim.promptTokens : lim.maxInputTokens;
  if (budget < 3) throw new RangeError(`prompt of ${lim.promptTokens} tokens leaves no room for input in maxInputTokens ${lim.maxInputTokens} (the reference's input budget holds the prompt too)`);
  return Math.min(budget, room);
}

export function encodeExample(codec: TextCodec, config: BartConfig, task: string, ex: Example, lim: EncodeLimits): EncodedExample {
  const out = ex.outputs[0];
  if (out === undefined) throw new RangeError(`task "${task}": an example has no output (input ${JSON.stringify(ex.input.slice(0, 60))})`);
  const target = (text: string) => wrap(codec.encode(lim.targetSpace ? ` ${text}` : text), config, Math.min(lim.maxTargetTokens, config.maxPositionEmbeddings));
  const input = wrap(codec.encode(lim.taskPrefix ?? true ? taskPrefixed(task, ex.input) : ex.input), config, maxInputLength(config, lim));
  if (lim.conventions === 'reference' && ex.outputs.length > 1) {
    const targets = ex.outputs.map(target);
    return { input, target: targets[0]!, targets };
  }
  return { input, target: target(out) };
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
