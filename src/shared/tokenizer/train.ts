// A deterministic byte-level BPE trainer (GPT-2 / RoBERTa / BART style) that writes the Hugging Face
// `tokenizers` JSON format, so tests and small demo models get a real tokenizer without the Hub.
//
// Text is split with GPT-2's pre-tokenizer regex, every piece is turned into UTF-8 bytes shown as
// printable characters (bytes_to_unicode: a space becomes "Ġ"), and the most frequent adjacent pair
// is merged until the vocabulary is full. Ties go to the smallest pair in code-unit order, so the
// same corpus always gives the same file.

/** GPT-2's pre-tokenizer pattern, as the ByteLevel pre-tokenizer uses it (use_regex: true). */
const BYTE_LEVEL_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** BART's special tokens and their ids; <mask> takes the last id. */
export const BART_SPECIALS = ['<s>', '<pad>', '</s>', '<unk>'] as const;
export const MASK_TOKEN = '<mask>';

/** GPT-2's reversible byte -> printable character map. */
function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const map: string[] = new Array(256);
  for (const b of bs) map[b] = String.fromCodePoint(b);
  let n = 0;
  for (let b = 0; b < 256; b++) if (map[b] === undefined) map[b] = String.fromCodePoint(256 + n++);
  return map;
}

const BYTE_CHARS = bytesToUnicode();
const utf8 = new TextEncoder();

/** Pre-tokenized pieces of a text, each as byte characters. */
export function byteLevelPieces(text: string): string[] {
  return (text.match(BYTE_LEVEL_SPLIT) ?? []).map((piece) => Array.from(utf8.encode(piece), (b) => BYTE_CHARS[b]!).join(''));
}

export interface TrainOptions {
  /** Total vocabulary including the 4 specials, the 256 byte tokens and <mask>. */
  readonly vocabSize: number;
  /** Pairs seen fewer times are not merged (training stops early). Default 2. */
  readonly minFrequency?: number;
  /** model_max_length written to tokenizer_config.json. Default 1024 (BART's positions). */
  readonly modelMaxLength?: number;
}

export interface TrainedTokenizer {
  /** tokenizer.json (Hugging Face tokenizers format). */
  readonly tokenizerJson: Record<string, unknown>;
  /** tokenizer_config.json as BART's. */
  readonly tokenizerConfigJson: Record<string, unknown>;
  readonly vocab: ReadonlyMap<string, number>;
  /** In merge order ("a b"). */
  readonly merges: readonly string[];
}

export function trainByteLevelBpe(corpus: Iterable<string>, opts: TrainOptions): TrainedTokenizer {
  const minFrequency = opts.minFrequency ?? 2;
  const base = BART_SPECIALS.length + 256 + 1;
  if (!Number.isInteger(opts.vocabSize) || opts.vocabSize < base) {
    throw new Error(`vocabSize must be an integer of at least ${base} (4 specials + 256 bytes + <mask>), got ${opts.vocabSize}`);
  }

  // Distinct pieces with their counts; each piece is a list of symbols that merges join.
  const counts = new Map<string, number>();
  for (const text of corpus) for (const p of byteLevelPieces(text)) counts.set(p, (counts.get(p) ?? 0) + 1);
  const words = [...counts.keys()].sort().map((w) => ({ symbols: Array.from(w), count: counts.get(w)! }));

  const vocab = new Map<string, number>();
  for (const s of BART_SPECIALS) vocab.set(s, vocab.size);
  for (let b = 0; b < 256; b++) vocab.set(BYTE_CHARS[b]!, vocab.size);
  const merges: string[] = [];

  while (vocab.size < opts.vocabSize - 1) {
    const pairs = new Map<string, number>();
    for (const { symbols, count } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]} ${symbols[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + count);
      }
    }
    let best: string | null = null;
    let bestCount = 0;
    for (const [key, c] of pairs) {
      if (c > bestCount || (c === bestCount && best !== null && key < best)) { best = key; bestCount = c; }
    }
    if (best === null || bestCount < minFrequency) break;
    const [a, b] = best.split(' ') as [string, string];
    const joined = a + b;
    merges.push(best);
    if (!vocab.has(joined)) vocab.set(joined, vocab.size);
    for (const w of words) {
      const s = w.symbols;
      for (let i = 0; i + 1 < s.length; i++) {
        if (s[i] === a && s[i + 1] === b) s.splice(i, 2, joined);
      }
    }
  }
  vocab.set(MASK_TOKEN, vocab.size);
  return { tokenizerJson: tokenizerJsonFor(vocab, merges), tokenizerConfigJson: bartTokenizerConfig(opts.modelMaxLength ?? 1024), vocab, merges };
}

function addedToken(content: string, id: number) {
  // BART's <mask> swallows the space before it (lstrip), like facebook/bart-base's tokenizer.json.
  return { id, content, single_word: false, lstrip: content === MASK_TOKEN, rstrip: false, normalized: content !== MASK_TOKEN, special: true };
}

function tokenizerJsonFor(vocab: ReadonlyMap<string, number>, merges: readonly string[]): Record<string, unknown> {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...BART_SPECIALS, MASK_TOKEN].map((t) => addedToken(t, vocab.get(t)!)),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    // <s> text </s>, as BART's RobertaProcessing.
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab: Object.fromEntries(vocab),
      merges: [...merges],
    },
  };
}

function bartTokenizerConfig(modelMaxLength: number): Record<string, unknown> {
  return {
    tokenizer_class: 'BartTokenizer',
    model_max_length: modelMaxLength,
    bos_token: '<s>',
    eos_token: '</s>',
    sep_token: '</s>',
    cls_token: '<s>',
    unk_token: '<unk>',
    pad_token: '<pad>',
    mask_token: '<mask>',
    add_prefix_space: false,
    errors: 'replace',
    clean_up_tokenization_spaces: true,
  };
}

/**
 * Encodes with the trained merges the textbook way (lowest-rank pair first), independent of any
 * library: the reference the tests hold transformers.js to. Adds <s> ... </s>.
 */
export function referenceEncode(text: string, vocab: ReadonlyMap<string, number>, merges: readonly string[]): number[] {
  const rank = new Map(merges.map((m, i) => [m, i] as const));
  const ids = [vocab.get('<s>')!];
  for (const piece of byteLevelPieces(text)) {
    let s = Array.from(piece);
    for (;;) {
      let bestRank = Infinity;
      let at = -1;
      for (let i = 0; i + 1 < s.length; i++) {
        const r = rank.get(`${s[i]} ${s[i + 1]}`);
        if (r !== undefined && r < bestRank) { bestRank = r; at = i; }
      }
      if (at < 0) break;
      const [a, b] = merges[bestRank]!.split(' ') as [string, string];
      const next: string[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) { next.push(a + b); i++; } else next.push(s[i]!);
      }
      s = next;
    }
    for (const t of s) ids.push(vocab.get(t)!);
  }
  ids.push(vocab.get('</s>')!);
  return ids;
}
