/**
 * Writes the project's tiny test embedding model into a folder, for trying the bot without downloading a
 * real model (EMBEDDING_MODEL_DIR=<dir>). Its vectors are a bag of words: fine for plumbing, useless for
 * quality.
 *
 *   tsx scripts/make-test-model.ts <dir> [--vocabulary FILE] [--dims N]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { makeTestModel } from '../src/dev/test-model.ts';
import { defineCommandLine, parseCommandLine, printHelp } from '../src/cli/command-line.ts';
import { runMain } from '../src/cli/run-main.ts';

const COMMAND_LINE = defineCommandLine({
  command: 'tsx scripts/make-test-model.ts',
  summary: "Writes the project's tiny bag-of-words embedding model (ONNX, with its tokenizer) into a folder; use it with EMBEDDING_MODEL_DIR=<dir>.",
  options: {
    vocabulary: { type: 'string', value: 'file', description: 'take the vocabulary from the words of this text file (e.g. corpus/seed-papers.jsonl)' },
    dims: { type: 'whole', value: 'number', min: 1, description: 'dimensions of the vectors' },
  },
  positionals: { name: 'dir', description: 'the folder to write the model into', required: true, several: false },
});

await runMain(async ({ argv, stdout }) => {
  const line = parseCommandLine(COMMAND_LINE, argv);
  if (line.help) return printHelp(COMMAND_LINE, stdout);
  const dir = path.resolve(line.positionals[0] ?? '');
  const { dims, vocabulary } = line.options;
  const vocabularyText = vocabulary === undefined ? undefined : await readFile(vocabulary, 'utf8');
  await makeTestModel(dir, {
    ...(dims === undefined ? {} : { dims }),
    ...(vocabularyText === undefined ? {} : { vocabularyText }),
  });
  stdout.write(`Wrote a test model to ${dir}\n`);
  return 0;
});
