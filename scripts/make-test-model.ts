/**
 * Writes the project's tiny test embedding model into a folder, for trying the bot without downloading a
 * real model (EMBEDDING_MODEL_DIR=<dir>). Its vectors are a bag of words: fine for plumbing, useless for
 * quality.
 *
 *   tsx scripts/make-test-model.ts <dir> [--vocabulary FILE] [--dims N]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeTestModel } from '../src/dev/test-model.ts';

const USAGE = 'usage: tsx scripts/make-test-model.ts <dir> [--vocabulary FILE] [--dims N]';

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      vocabulary: { type: 'string' },
      dims: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    console.log(USAGE);
    return;
  }
  const [dir, ...extra] = positionals;
  if (dir === undefined || extra.length > 0) throw new Error(USAGE);
  const dims = values.dims === undefined ? undefined : Number(values.dims);
  if (dims !== undefined && !(Number.isInteger(dims) && dims > 0)) throw new Error(`--dims must be a positive whole number, got ${values.dims}`);
  const vocabularyText = values.vocabulary === undefined ? undefined : await readFile(values.vocabulary, 'utf8');

  await makeTestModel(path.resolve(dir), {
    ...(dims === undefined ? {} : { dims }),
    ...(vocabularyText === undefined ? {} : { vocabularyText }),
  });
  console.log(`Wrote a test model to ${path.resolve(dir)}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
