/**
 * A seeded sample of the lines of a JSONL(.gz) file: the evaluation's distractor abstracts, the same papers
 * for the same seed.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { seededRandom } from '../core/random.ts';

/** `count` non-blank lines of `file` (all of them when it has fewer), chosen by a seeded partial shuffle. */
export async function sampleLines(file: string, count: number, seed: number): Promise<string[]> {
  const input = createReadStream(file);
  const stream = file.endsWith('.gz') ? input.pipe(createGunzip()) : input;
  const lines: string[] = [];
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) if (line.trim() !== '') lines.push(line);
  const random = seededRandom(seed);
  const n = Math.min(count, lines.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (lines.length - i));
    [lines[i], lines[j]] = [lines[j] as string, lines[i] as string];
  }
  return lines.slice(0, n);
}
