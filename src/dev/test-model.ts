/**
 * Development tool, not product code (used by tests, bench and scripts/make-test-model.ts).
 *
 * A tiny BERT-like embedding model that the real `@huggingface/transformers` loads with
 * `pipeline('feature-extraction', dir)`, so tests exercise the real tokenizer, ONNX runtime and pooling
 * without the model hub. Its output is a bag of words: every token maps to a fixed pseudo-random vector
 * (seeded by the token's text) and every position also carries the mean of the whole sequence, so both
 * mean and CLS pooling give vectors where texts sharing words are closer. It says nothing about quality.
 *
 * The same arguments always give the same bytes.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { seededRandom } from '../core/random.ts';
import { SHIPPED_CORPUS } from './shipped-corpus.ts';
import { buildTokenizer, buildTokenizerConfig, buildVocabulary, SPECIAL_TOKENS } from './test-model-tokenizer.ts';

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

/**
 * The project's test model in `dir`: the shipped corpus's words are whole tokens, so its papers embed as
 * bags of real words. Returns `dir`.
 */
export async function makeModel(dir: string, dims?: number): Promise<string> {
  await makeTestModel(dir, { vocabularyText: await readFile(SHIPPED_CORPUS, 'utf8'), ...(dims === undefined ? {} : { dims }) });
  return dir;
}

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
