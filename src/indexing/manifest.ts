/**
 * The manifest of an index build: what it was built with (model, dims, pooling, HNSW parameters), what it
 * holds (counts, corpus hash) and when. Checked at load so that a question is never embedded with one model
 * and searched among vectors of another. A manifest is read through a schema, never cast: a damaged or
 * foreign one is refused with a sentence instead of failing later with a TypeError.
 */
import { z } from 'zod';
import { UserError } from '../core/errors.ts';
import type { Paper } from '../core/corpus/paper.ts';
import type { EmbedderInfo } from '../core/retrieval/embedder.ts';
import { segmentWords } from '../core/text.ts';

export const MANIFEST_VERSION = 1;

/**
 * How the build tokenized text for the lexical index. 2: Chinese and Japanese split into words
 * (segmentWords in core/text.ts); a manifest without it is older, and its CJK passages hold each run of
 * text as one token, so the next build indexes those papers again.
 */
export const LEXICAL_VERSION = 2;

export interface Manifest {
  version: number;
  buildId: string;
  builtAt: string;
  /** Hash over every paper's content hash, in corpus order: equal means nothing to do. */
  corpusHash: string;
  counts: { papers: number; passages: number; vectors: number; vectorSlots: number };
  /** null: a lexical-only build (no model was available or EMBEDDINGS=lexical). */
  embeddings: (Pick<EmbedderInfo, 'modelId' | 'dims' | 'pooling' | 'dtype' | 'queryPrefix'>) | null;
  hnsw: { space: 'cosine'; m: number; efConstruction: number } | null;
  /** LEXICAL_VERSION of the build; absent before it was recorded (version 1). */
  lexical?: number | undefined;
  /** Where the build was made (no secrets): the machine and the corpus folder it read. Absent in older builds. */
  origin?: BuildOrigin | undefined;
  lastBuild: BuildStats;
}

export interface BuildOrigin {
  host: string;
  /** The corpus folder as an absolute path on that host. */
  corpusDir: string;
}

export interface BuildStats {
  added: number;
  updated: number;
  removed: number;
  /** Passages embedded by this build. */
  embedded: number;
  /** Papers whose passages were embedded by this build. */
  embeddedPapers: number;
  durationMs: number;
  /** True when the vector index was rebuilt from stored vectors to drop deleted slots. */
  compacted: boolean;
}

const count = z.number().int().nonnegative();
const stats = z.object({
  added: count,
  updated: count,
  removed: count,
  embedded: count,
  embeddedPapers: count,
  durationMs: z.number().nonnegative(),
  compacted: z.boolean(),
});
const manifestSchema = z.object({
  version: z.literal(MANIFEST_VERSION),
  buildId: z.string().min(1),
  builtAt: z.string().min(1),
  corpusHash: z.string(),
  counts: z.object({ papers: count, passages: count, vectors: count, vectorSlots: count }),
  embeddings: z.object({ modelId: z.string().min(1), dims: z.number().int().positive(), pooling: z.enum(['cls', 'mean']), dtype: z.string(), queryPrefix: z.string() }).nullable(),
  hnsw: z.object({ space: z.literal('cosine'), m: z.number().int().positive(), efConstruction: z.number().int().positive() }).nullable(),
  lexical: z.number().int().positive().optional(),
  origin: z.object({ host: z.string(), corpusDir: z.string() }).optional(),
  lastBuild: stats,
}) satisfies z.ZodType<Manifest>;

/** The manifest in `text` (the contents of `file`), or a UserError that says what is wrong and how to fix it. */
export function parseManifest(text: string, file: string): Manifest {
  const checked = checkManifest(text);
  if ('manifest' in checked) return checked.manifest;
  throw new UserError('E_INDEX_CORRUPT', `The index manifest ${file} ${checked.problem}: run \`npm run index\` to rebuild the index.`, { cause: checked.cause });
}

/** The manifest in `text`, or what is wrong with it as the end of a sentence ("is not JSON"). */
export function checkManifest(text: string): { manifest: Manifest } | { problem: string; cause?: unknown } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problem: 'is not JSON', cause: error };
  }
  const version = typeof json === 'object' && json !== null && 'version' in json ? json.version : undefined;
  if (version !== MANIFEST_VERSION) return { problem: `has version ${JSON.stringify(version) ?? 'none'}, this paperbot reads version ${MANIFEST_VERSION}` };
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
    return { problem: `is not valid (${issue?.message ?? 'unexpected content'}${where})`, cause: parsed.error };
  }
  return { manifest: parsed.data };
}

/** A build after `previous` must index again the papers whose tokens changed since (see LEXICAL_VERSION). */
export function needsRetokenizing(previous: Manifest | null): boolean {
  return previous !== null && (previous.lexical ?? 1) < LEXICAL_VERSION;
}

/** Whether version 2's word segmentation changes the paper's indexed text (it splits only Chinese and Japanese). */
export function retokenizes(paper: Pick<Paper, 'abstract' | 'title' | 'label' | 'aliases'>): boolean {
  return [paper.abstract, paper.title ?? '', paper.label, ...paper.aliases].some((text) => segmentWords(text) !== text);
}

/** The same model and parameters: vectors can be reused. */
export function sameEmbeddings(a: Manifest['embeddings'], b: Manifest['embeddings']): boolean {
  if (a === null || b === null) return a === b;
  return a.modelId === b.modelId && a.dims === b.dims && a.pooling === b.pooling && a.dtype === b.dtype && a.queryPrefix === b.queryPrefix;
}

export function describeEmbeddings(e: Manifest['embeddings']): string {
  return e === null ? 'no embeddings (lexical only)' : `${e.modelId} (${e.dims} dims, ${e.pooling} pooling, ${e.dtype})`;
}
