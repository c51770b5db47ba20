/**
 * Development tool, not product code: where the corpus the project ships sits, for the test model's
 * vocabulary and the synthetic abstracts.
 */
import { fileURLToPath } from 'node:url';

export const SHIPPED_CORPUS = fileURLToPath(new URL('../../corpus/seed-papers.jsonl', import.meta.url));
