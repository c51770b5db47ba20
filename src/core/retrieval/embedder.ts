/**
 * Text → vector. The build embeds passages, the question path embeds queries; some models (bge) want an
 * instruction before queries, which is why the two are separate calls.
 */
export type Pooling = 'cls' | 'mean';

export interface EmbedderInfo {
  /** The configured model id or local folder name, recorded in the index manifest. */
  readonly modelId: string;
  readonly dims: number;
  readonly pooling: Pooling;
  /** ONNX weights variant, e.g. `q8` or `fp32`. */
  readonly dtype: string;
  /** Prefix put before queries (empty for models that need none). */
  readonly queryPrefix: string;
}

export interface Embedder {
  readonly info: EmbedderInfo;
  /** Unit-length vectors (plain arrays: hnswlib rejects typed arrays), one per text, in order. */
  embedPassages(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<number[][]>;
  embedQuery(text: string, options?: { signal?: AbortSignal }): Promise<number[]>;
  /** Releases the ONNX session (and any worker threads). */
  dispose(): Promise<void>;
}
