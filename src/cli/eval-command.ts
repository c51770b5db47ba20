/**
 * `npm run eval -- [--questions FILE] [--json] [--distractors N] [--details] [--sweep] …`: how often retrieval
 * finds the right paper and how often the relevance gate refuses exactly the questions the corpus cannot
 * answer, for lexical, dense and hybrid retrieval. The evaluation itself is src/eval/run-evaluation.ts;
 * this reads the command line and prints the report.
 */
import path from 'node:path';
import { runEvaluation, type EvaluationRequest } from '../eval/run-evaluation.ts';
import { defineCommandLine, parseCommandLine, printHelp, usageError } from './command-line.ts';
import { progressReporter } from './progress-bar.ts';
import { renderEvalReport } from './render-eval-report.ts';
import type { CommandContext } from './run-main.ts';

export const DEFAULT_QUESTIONS = path.join('tests', 'eval', 'questions.jsonl');

export const EVAL_COMMAND_LINE = defineCommandLine({
  command: 'npm run eval --',
  summary:
    'Measures retrieval on a question set: recall@1/3/5 and MRR (is the right paper found?) and refusal precision/recall (does the gate refuse exactly what the corpus cannot answer?), for lexical, dense and hybrid retrieval, on a temporary index of the corpus folder.',
  options: {
    questions: { type: 'string', value: 'file', default: DEFAULT_QUESTIONS, description: 'the question set: JSONL, one {"question", "expected": [paper id or file:line], "kind"?} a line' },
    json: { type: 'boolean', description: 'print the report as exactly one JSON object on stdout' },
    distractors: { type: 'whole', value: 'count', default: 0, description: 'add this many real abstracts to the temporary index, so that retrieval has something to miss' },
    'distractors-file': { type: 'string', value: 'file', description: 'where the distractors come from (needed with --distractors): JSONL in the corpus format, optionally gzipped' },
    seed: { type: 'whole', value: 'number', default: 1, description: 'which distractors: the same seed picks the same abstracts' },
    details: { type: 'boolean', description: "also show every question's rank and gate decision" },
    sweep: { type: 'boolean', description: 'also show refusal precision/recall for a grid of other gate thresholds' },
    'use-index': { type: 'boolean', description: 'evaluate the current index in DATA_DIR as it is instead of building a temporary one' },
  },
});

/** The evaluation a command line asks for, or null for `--help`. */
export function parseEvalArgs(argv: readonly string[]): (EvaluationRequest & { json: boolean }) | null {
  const line = parseCommandLine(EVAL_COMMAND_LINE, argv);
  if (line.help) return null;
  const { options } = line;
  if (options['use-index'] && options.distractors > 0) throw usageError(EVAL_COMMAND_LINE, '--use-index and --distractors cannot be combined: distractors go into a temporary index.');
  return {
    questionsFile: options.questions,
    json: options.json,
    distractors: options.distractors,
    distractorsFile: options['distractors-file'] ?? null,
    seed: options.seed,
    details: options.details,
    sweep: options.sweep,
    useIndex: options['use-index'],
  };
}

export async function evalCommand({ argv, app, stdout, stderr }: CommandContext): Promise<number> {
  const args = parseEvalArgs(argv);
  if (args === null) return printHelp(EVAL_COMMAND_LINE, stdout);
  const report = await runEvaluation(args, { app, notify: (line) => stderr.write(`${line}\n`), onProgress: progressReporter(stderr) });
  stdout.write(args.json ? `${JSON.stringify(report)}\n` : `${renderEvalReport(report)}\n`);
  return 0;
}
