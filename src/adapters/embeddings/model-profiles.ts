/**
 * What we know about embedding models by name: which pooling they were trained with and whether queries
 * need an instruction prefix. Getting either wrong silently degrades retrieval, so known families are
 * listed here; unknown models get mean pooling and no prefix, and a configured pooling always wins.
 */
import type { Pooling } from '../../core/retrieval/embedder.ts';

export interface ModelProfile {
  readonly pooling: Pooling;
  /** Put before queries, never before passages. */
  readonly queryPrefix: string;
}

export const BGE_QUERY_PREFIX = 'Represent this sentence for searching relevant passages: ';

const BGE: ModelProfile = { pooling: 'cls', queryPrefix: BGE_QUERY_PREFIX };
const SENTENCE_TRANSFORMERS: ModelProfile = { pooling: 'mean', queryPrefix: '' };
const UNKNOWN: ModelProfile = { pooling: 'mean', queryPrefix: '' };

/** Matched against the lowercased model id's last path segment, first match wins. */
const PROFILES: ReadonlyArray<{ readonly pattern: RegExp; readonly profile: ModelProfile }> = [
  // bge-m3 pools on CLS but takes queries as they are; the Chinese bge models want a Chinese instruction we
  // do not ship, so only their pooling is certain.
  { pattern: /^bge-m3/, profile: { pooling: 'cls', queryPrefix: '' } },
  { pattern: /^bge-.*-zh/, profile: { pooling: 'cls', queryPrefix: '' } },
  // The English bge models (v1 and v1.5, small/base/large) were trained with CLS pooling and this instruction.
  { pattern: /^bge-/, profile: BGE },
  { pattern: /^(all-minilm|all-mpnet|paraphrase-|multi-qa-|msmarco-)/, profile: SENTENCE_TRANSFORMERS },
];

/**
 * The profile for a model id (`Xenova/bge-small-en-v1.5`, `sentence-transformers/all-MiniLM-L6-v2`, or a
 * local folder name). `pooling` from the configuration overrides the profile's pooling.
 */
export function resolveModelProfile(modelId: string, configuredPooling?: Pooling): ModelProfile {
  const lower = modelId.toLowerCase();
  const name = lower.slice(lower.lastIndexOf('/') + 1);
  const owner = lower.includes('/') ? lower.slice(0, lower.lastIndexOf('/')) : '';
  let profile =
    PROFILES.find(({ pattern }) => pattern.test(name))?.profile ??
    (owner.endsWith('sentence-transformers') ? SENTENCE_TRANSFORMERS : UNKNOWN);
  if (configuredPooling !== undefined) profile = { ...profile, pooling: configuredPooling };
  return profile;
}
