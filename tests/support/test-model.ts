/**
 * A tiny BERT-like embedding model that the real `@huggingface/transformers` loads with
 * `pipeline('feature-extraction', dir)`, so tests exercise the real tokenizer, ONNX runtime and pooling
 * without the model hub. Its output is a bag of words: every token maps to a fixed pseudo-random vector
 * (seeded by the token's text) and every position also carries the mean of the whole sequence, so both
 * mean and CLS pooling give vectors where texts sharing words are closer. It says nothing about quality.
 *
 * The same arguments always give the same bytes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { seededRandom } from '../../src/core/random.ts';

const { onnx } = onnxProto;

export interface TestModelOptions {
  /** Width of the embeddings (default 32). */
  dims?: number;
  /**
   * Text whose words become whole tokens (e.g. the shipped corpus), so they are not split into characters.
   * Any other word still tokenizes, into single characters, never into [UNK] alone.
   */
  vocabularyText?: string;
}

export const TEST_MODEL_DEFAULT_DIMS = 32;

const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
// Greek letters are common in abstracts (α-divergence, β-VAE); other unseen characters tokenize as [UNK].
const BASE_CHARACTERS = 'abcdefghijklmnopqrstuvwxyz0123456789αβγδεζηθικλμνξοπρστυφχψω';
const ASCII_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
/** The tokenizer treats longer words as [UNK]; adding them to the vocabulary would be useless. */
const MAX_WORD_CHARS = 100;
/** Special tokens sit in every text; small vectors keep them from dominating short texts. */
const SPECIAL_TOKEN_SCALE = 0.1;

/** Writes config.json, tokenizer.json, tokenizer_config.json and onnx/model{,_quantized}.onnx into `dir`. */
export async function makeTestModel(dir: string, options: TestModelOptions = {}): Promise<void> {
  const dims = options.dims ?? TEST_MODEL_DEFAULT_DIMS;
  if (!Number.isInteger(dims) || dims < 1 || dims > 4096) {
    throw new RangeError(`dims must be a whole number from 1 to 4096, got ${dims}`);
  }
  const vocabulary = buildVocabulary(options.vocabularyText ?? '');
  const modelBytes = buildOnnxModel(vocabulary, dims);

  await mkdir(path.join(dir, 'onnx'), { recursive: true });
  await writeFile(path.join(dir, 'config.json'), json(buildConfig(vocabulary.length, dims)));
  await writeFile(path.join(dir, 'tokenizer.json'), json(buildTokenizer(vocabulary)));
  await writeFile(path.join(dir, 'tokenizer_config.json'), json(buildTokenizerConfig()));
  // fp32 is what `dtype: 'fp32'` loads and `_quantized` what `q8` loads; one graph serves both.
  await writeFile(path.join(dir, 'onnx', 'model.onnx'), modelBytes);
  await writeFile(path.join(dir, 'onnx', 'model_quantized.onnx'), modelBytes);
}

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

function buildConfig(vocabSize: number, dims: number): Record<string, unknown> {
  return {
    architectures: ['BertModel'],
    model_type: 'bert',
    hidden_size: dims,
    intermediate_size: dims,
    num_attention_heads: 1,
    num_hidden_layers: 1,
    max_position_embeddings: 512,
    type_vocab_size: 2,
    vocab_size: vocabSize,
    pad_token_id: 0,
    layer_norm_eps: 1e-12,
    hidden_act: 'gelu',
  };
}

function buildTokenizer(vocabulary: readonly string[]): Record<string, unknown> {
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

function buildTokenizerConfig(): Record<string, unknown> {
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

/**
 * last_hidden_state[b, t] = E[input_ids[b, t]] + (masked mean over t' of E[input_ids[b, t']]).
 * The context term gives the [CLS] position the whole text, as a real encoder does.
 */
function buildOnnxModel(vocabulary: readonly string[], dims: number): Uint8Array {
  const { FLOAT, INT64 } = onnx.TensorProto.DataType;
  const INT = onnx.AttributeProto.AttributeType.INT;

  const table = new Float32Array(vocabulary.length * dims);
  vocabulary.forEach((token, row) => {
    const random = seededRandom(fnv1a(token));
    const scale = (SPECIAL_TOKENS as readonly string[]).includes(token) ? SPECIAL_TOKEN_SCALE : 1;
    for (let d = 0; d < dims; d++) table[row * dims + d] = (random() * 2 - 1) * scale;
  });

  const intTensor = (name: string, values: readonly number[]) =>
    onnx.TensorProto.create({
      name,
      dims: [values.length],
      dataType: INT64,
      rawData: int64Bytes(values),
    });
  const intAttribute = (name: string, value: number) => onnx.AttributeProto.create({ name, type: INT, i: value });
  const node = (opType: string, inputs: string[], outputs: string[], attribute: ReturnType<typeof onnx.AttributeProto.create>[] = []) =>
    onnx.NodeProto.create({ opType, input: inputs, output: outputs, name: outputs[0] ?? opType, attribute });
  const tensorInfo = (name: string, elemType: number, shape: string[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType, shape: { dim: shape.map((dimParam) => (/^\d+$/.test(dimParam) ? { dimValue: Number(dimParam) } : { dimParam })) } } },
    });

  const graph = onnx.GraphProto.create({
    name: 'paperbot_test_embedder',
    input: [
      tensorInfo('input_ids', INT64, ['batch_size', 'sequence_length']),
      tensorInfo('attention_mask', INT64, ['batch_size', 'sequence_length']),
      tensorInfo('token_type_ids', INT64, ['batch_size', 'sequence_length']),
    ],
    output: [tensorInfo('last_hidden_state', FLOAT, ['batch_size', 'sequence_length', String(dims)])],
    initializer: [
      onnx.TensorProto.create({
        name: 'word_embeddings',
        dims: [vocabulary.length, dims],
        dataType: FLOAT,
        rawData: float32Bytes(table),
      }),
      intTensor('axis_sequence', [1]),
      intTensor('axis_last', [2]),
    ],
    node: [
      node('Gather', ['word_embeddings', 'input_ids'], ['token_vectors'], [intAttribute('axis', 0)]),
      node('Cast', ['attention_mask'], ['mask_float'], [intAttribute('to', FLOAT)]),
      node('Unsqueeze', ['mask_float', 'axis_last'], ['mask_3d']),
      node('Mul', ['token_vectors', 'mask_3d'], ['masked_vectors']),
      node('ReduceSum', ['masked_vectors', 'axis_sequence'], ['vector_sum'], [intAttribute('keepdims', 1)]),
      node('ReduceSum', ['mask_3d', 'axis_sequence'], ['token_count'], [intAttribute('keepdims', 1)]),
      node('Div', ['vector_sum', 'token_count'], ['context']),
      node('Add', ['token_vectors', 'context'], ['last_hidden_state']),
    ],
  });

  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'paperbot-test-model',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: 13 }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** ONNX raw_data is little-endian; written through DataView so the bytes do not depend on the host. */
function float32Bytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return bytes;
}

function int64Bytes(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setBigInt64(i * 8, BigInt(value), true));
  return bytes;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}


function json(value: unknown): string {
  return `${JSON.stringify(value, null, 1)}\n`;
}
