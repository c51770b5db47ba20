/**
 * Development tool, not product code: the WordPiece tokenizer files of the test model (src/dev/test-model.ts),
 * written the way BERT's tokenizer.json and tokenizer_config.json look, so the real transformers.js tokenizer
 * reads them. Words of a given text become whole tokens; anything else splits into single characters.
 */

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
// Greek letters are common in abstracts (α-divergence, β-VAE); other unseen characters tokenize as [UNK].
const BASE_CHARACTERS = 'abcdefghijklmnopqrstuvwxyz0123456789αβγδεζηθικλμνξοπρστυφχψω';
const ASCII_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
/** The tokenizer treats longer words as [UNK]; adding them to the vocabulary would be useless. */
const MAX_WORD_CHARS = 100;

/** The tokens in id order: specials, single characters, `##` continuations, then whole words. */
export function buildVocabulary(text: string): string[] {
  const normalized = normalizeLikeBert(text);
  const characters = new Set<string>([...BASE_CHARACTERS, ...ASCII_PUNCTUATION]);
  for (const char of normalized) {
    if (!/\s/u.test(char) && !isControl(char)) characters.add(char);
  }
  const sortedCharacters = [...characters].sort(compareCodePoints);
  const continuations = sortedCharacters.filter((c) => !isPunctuation(c)).map((c) => `##${c}`);

  const words = new Set<string>();
  for (const word of preTokenize(normalized)) {
    if ([...word].length > 1 && [...word].length <= MAX_WORD_CHARS) words.add(word);
  }
  const taken = new Set<string>([...SPECIAL_TOKENS, ...sortedCharacters, ...continuations]);
  const wholeWords = [...words].filter((w) => !taken.has(w)).sort(compareCodePoints);

  return [...SPECIAL_TOKENS, ...sortedCharacters, ...continuations, ...wholeWords];
}

/** Mirrors BertNormalizer with lowercase=true (which also strips accents when strip_accents is null). */
function normalizeLikeBert(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Mn}/gu, '')
    .toLowerCase();
}

/** Mirrors BertPreTokenizer: split on whitespace, and every punctuation character is its own piece. */
function preTokenize(text: string): string[] {
  const pieces: string[] = [];
  for (const chunk of text.split(/\s+/u)) {
    let current = '';
    for (const char of chunk) {
      if (isControl(char)) continue;
      if (isPunctuation(char) || isCjk(char)) {
        if (current !== '') pieces.push(current);
        pieces.push(char);
        current = '';
      } else {
        current += char;
      }
    }
    if (current !== '') pieces.push(current);
  }
  return pieces;
}

function isPunctuation(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  if ((code >= 33 && code <= 47) || (code >= 58 && code <= 64) || (code >= 91 && code <= 96) || (code >= 123 && code <= 126)) {
    return true;
  }
  return /\p{P}/u.test(char);
}

function isControl(char: string): boolean {
  return /\p{Cc}|\p{Cf}/u.test(char);
}

function isCjk(char: string): boolean {
  return /[\u4E00-\u9FFF\u3400-\u4DBF\uF900-\uFAFF]|[\u{20000}-\u{2FA1F}]/u.test(char);
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function buildTokenizer(vocabulary: readonly string[]): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  vocabulary.forEach((token, id) => {
    vocab[token] = id;
  });
  const id = (token: (typeof SPECIAL_TOKENS)[number]): number => SPECIAL_TOKENS.indexOf(token);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content) => ({
      id: id(content),
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: MAX_WORD_CHARS,
      vocab,
    },
  };
}

export function buildTokenizerConfig(): Record<string, unknown> {
  return {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: 512,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
    strip_accents: null,
    tokenize_chinese_chars: true,
  };
}
