// The slice of transformers.js' tokenizers module we use. Importing this file directly (not the
// package root) keeps the pipelines and models out; the package ships no types for the subpath.
declare module '@xenova/transformers/src/tokenizers.js' {
  export class PreTrainedTokenizer {
    constructor(tokenizerJSON: unknown, tokenizerConfig: unknown);
    encode(text: string, textPair?: string | null, options?: { add_special_tokens?: boolean }): number[];
    decode(ids: number[], options?: { skip_special_tokens?: boolean; clean_up_tokenization_spaces?: boolean | null }): string;
    readonly model: { readonly vocab: (string | undefined)[]; readonly tokens_to_ids: Map<string, number> };
    readonly all_special_ids: number[];
    readonly mask_token_id: number | undefined;
    readonly pad_token_id: number | undefined;
    readonly unk_token_id: number | undefined;
  }
  export class AutoTokenizer {
    static readonly TOKENIZER_CLASS_MAPPING: Record<string, typeof PreTrainedTokenizer>;
  }
  export class BartTokenizer extends PreTrainedTokenizer {}
}
