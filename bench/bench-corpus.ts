/**
 * The corpora the benchmarks index: real conference abstracts from the shared dataset when it is there
 * (a seeded sample; beyond its 56k abstracts, seeded recombinations of their sentences), else synthetic
 * recombinations of the shipped corpus's sentences. Either way the same size and seed give the same texts.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { splitSentences } from '../src/core/text.ts';
import { seededRandom } from '../src/core/random.ts';
import { syntheticAbstracts } from '../src/dev/synthetic-corpus.ts';

export interface BenchRecord {
  id?: string;
  title?: string;
  abstract: string;
}

export interface BenchCorpus {
  kind: 'real' | 'real+recombined' | 'synthetic';
  description: string;
  records: BenchRecord[];
}

export async function readDataset(file: string): Promise<BenchRecord[]> {
  const input = createReadStream(file);
  const records: BenchRecord[] = [];
  for await (const line of createInterface({ input: file.endsWith('.gz') ? input.pipe(createGunzip()) : input, crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    const r = JSON.parse(line) as { id?: string; title?: string; abstract?: string };
    if (typeof r.abstract === 'string') records.push({ ...(r.id ? { id: r.id } : {}), ...(r.title ? { title: r.title } : {}), abstract: r.abstract });
  }
  return records;
}

export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** `size` abstracts; `dataset` is the shared dataset's path (absent: synthetic). */
export async function benchCorpus(size: number, { dataset, seed = 42 }: { dataset: string; seed?: number }): Promise<BenchCorpus> {
  if (!existsSync(dataset)) {
    return {
      kind: 'synthetic',
      description: `${size} synthetic abstracts (seeded recombinations of the shipped corpus's sentences; ${dataset} not found)`,
      records: syntheticAbstracts(size, { seed }).map((abstract) => ({ abstract })),
    };
  }
  const real = shuffled(await readDataset(dataset), seed);
  if (size <= real.length) {
    return { kind: 'real', description: `${size} real conference abstracts, a seeded sample of ${real.length} (${dataset})`, records: real.slice(0, size) };
  }
  const sentences = real.flatMap((r) => splitSentences(r.abstract));
  const extra = syntheticAbstracts(size - real.length, { seed, sentences }).map((abstract) => ({ abstract }));
  return {
    kind: 'real+recombined',
    description: `all ${real.length} real conference abstracts (${dataset}) plus ${extra.length} seeded recombinations of their sentences`,
    records: [...real, ...extra],
  };
}

/** Questions for latency runs: titles of papers in the corpus when known, else the opening words of a sentence. */
export function benchQueries(corpus: BenchCorpus, count: number, seed: number = 7): string[] {
  const random = seededRandom(seed);
  const queries: string[] = [];
  for (let i = 0; i < count; i++) {
    const record = corpus.records[Math.floor(random() * corpus.records.length)];
    if (record === undefined) break;
    if (record.title !== undefined) {
      queries.push(record.title);
      continue;
    }
    const sentences = splitSentences(record.abstract);
    const sentence = sentences[Math.floor(random() * sentences.length)] ?? record.abstract;
    queries.push(sentence.split(/\s+/).slice(0, 12).join(' '));
  }
  return queries;
}
