/**
 * The whole retrieval evaluation behind `npm run eval`: reads the question set, builds its own index of the
 * corpus folder in a temp folder (so a stale or half-built `data/index` never skews it), optionally with N
 * real distractor abstracts because with 11 papers almost any retriever looks perfect, or opens the
 * current index, and evaluates every question there (evaluate-index.ts).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, type App } from '../app.ts';
import { UserError } from '../core/errors.ts';
import { parseQuestions } from '../core/retrieval/evaluate-retrieval.ts';
import type { BuildProgress } from '../indexing/build-index.ts';
import type { EvalReport } from './eval-report.ts';
import { evaluateIndex } from './evaluate-index.ts';
import { sampleLines } from './sample-lines.ts';

export interface EvaluationRequest {
  /** JSONL, one {"question", "expected", "kind"?} a line; relative paths resolve against the working folder. */
  questionsFile: string;
  /** Real abstracts added to the temporary index (0: none), a seeded sample of `distractorsFile`. */
  distractors: number;
  /** Needed when `distractors` > 0; the project ships none (the development machines have a dataset beside it). */
  distractorsFile: string | null;
  seed: number;
  /** Report each question's rank and gate decision. */
  details: boolean;
  /** Also report refusal precision/recall for a grid of gate thresholds. */
  sweep: boolean;
  /** Evaluate the current index in DATA_DIR instead of building a temporary one. */
  useIndex: boolean;
}

export interface EvaluationContext {
  /** The app of the configured corpus and index; the temporary index gets an app of its own. */
  app: App;
  /** Lines a person should read while it runs (warnings, what is being built). */
  notify: (line: string) => void;
  /** The build's progress, reported only when distractors make the build long enough to watch. */
  onProgress?: (progress: BuildProgress) => void;
}

export async function runEvaluation(request: EvaluationRequest, { app, notify, onProgress }: EvaluationContext): Promise<EvalReport> {
  const { config, logger } = app;
  const questionsPath = path.resolve(request.questionsFile);
  if (!existsSync(questionsPath)) throw new UserError('E_EVAL_QUESTIONS', `There is no question file at ${questionsPath}: pass --questions FILE (JSONL, one {"question", "expected"} a line).`);
  const questions = parseQuestions(readFileSync(questionsPath, 'utf8'), request.questionsFile);
  const distractorsFile = request.distractors > 0 ? existingDistractorsFile(request.distractorsFile) : null;

  const temp = request.useIndex ? null : mkdtempSync(path.join(os.tmpdir(), 'paperbot-eval-'));
  let evalApp = app;
  try {
    let distractors = 0;
    if (temp !== null) {
      const corpusDir = path.join(temp, 'corpus');
      cpSync(config.corpusDir, corpusDir, { recursive: true });
      if (distractorsFile !== null) {
        const lines = await sampleLines(distractorsFile, request.distractors, request.seed);
        if (lines.length < request.distractors) notify(`Only ${lines.length} distractor abstracts are available in ${distractorsFile}; using all of them.`);
        distractors = lines.length;
        writeFileSync(path.join(corpusDir, 'distractors.jsonl'), `${lines.join('\n')}\n`);
      }
      // The same settings on the temporary corpus and index; retrieval is measured without a language model.
      evalApp = createApp({ ...config, corpusDir, indexDir: path.join(temp, 'index') }, { logger, chatModel: null });
    }
    const { embedder, warning } = await evalApp.embedder();
    if (warning !== null) notify(warning);
    if (temp !== null) {
      notify(`Building a temporary index of ${config.corpusDir}${request.distractors > 0 ? ` plus ${request.distractors} distractor abstracts` : ''} …`);
      await evalApp.buildIndex(onProgress !== undefined && request.distractors > 0 ? { onProgress } : {});
    }
    return await evaluateIndex({
      questions,
      questionsFile: request.questionsFile,
      index: await evalApp.index(),
      assistant: await evalApp.assistant(),
      embedder,
      config,
      corpus: { distractors, distractorsFile, index: request.useIndex ? 'current' : 'temporary' },
      details: request.details,
      sweep: request.sweep,
    });
  } finally {
    if (evalApp !== app) await evalApp.close();
    if (temp !== null) rmSync(temp, { recursive: true, force: true });
  }
}

/** The distractors' file, or the sentence that says how to give one. */
function existingDistractorsFile(file: string | null): string {
  if (file === null) {
    throw new UserError('E_NO_DISTRACTORS', '--distractors needs a file of real abstracts: pass --distractors-file FILE (JSONL in the corpus format, optionally gzipped), or run without --distractors.');
  }
  if (!existsSync(file)) {
    throw new UserError(
      'E_NO_DISTRACTORS',
      `--distractors needs a file of real abstracts, and ${file} is not there: pass --distractors-file FILE (JSONL in the corpus format, optionally gzipped), or run without --distractors.`,
    );
  }
  return file;
}
