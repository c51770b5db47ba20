/**
 * The whole retrieval evaluation behind `npm run eval`: reads the question set, builds its own index of the
 * corpus folder in a temp folder (so a stale or half-built `data/index` never skews it), optionally with N
 * real distractor abstracts because with 11 papers almost any retriever looks perfect, or opens the
 * current index, and evaluates every question there (evaluate-index.ts).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config.ts';
import { UserError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { parseQuestions } from '../core/retrieval/evaluate-retrieval.ts';
import { loadEmbedder } from '../assistant/load-embedder.ts';
import { createIndexBackend } from '../adapters/sqlite-hnsw-backend.ts';
import { buildIndex, type BuildProgress } from '../indexing/build-index.ts';
import { IndexHandle } from '../indexing/open-index.ts';
import type { EvalReport } from './eval-report.ts';
import { evaluateIndex } from './evaluate-index.ts';
import { sampleLines } from './sample-lines.ts';

export interface EvaluationRequest {
  /** JSONL, one {"question", "expected", "kind"?} a line; relative paths resolve against the working folder. */
  questionsFile: string;
  /** Real abstracts added to the temporary index (0: none), a seeded sample of `distractorsFile`. */
  distractors: number;
  distractorsFile: string;
  seed: number;
  /** Report each question's rank and gate decision. */
  details: boolean;
  /** Also report refusal precision/recall for a grid of gate thresholds. */
  sweep: boolean;
  /** Evaluate the current index in DATA_DIR instead of building a temporary one. */
  useIndex: boolean;
}

export interface EvaluationContext {
  config: Config;
  logger: Logger;
  /** Lines a person should read while it runs (warnings, what is being built). */
  notify: (line: string) => void;
  /** The build's progress, reported only when distractors make the build long enough to watch. */
  onProgress?: (progress: BuildProgress) => void;
}

export async function runEvaluation(request: EvaluationRequest, { config, logger, notify, onProgress }: EvaluationContext): Promise<EvalReport> {
  const questionsPath = path.resolve(request.questionsFile);
  if (!existsSync(questionsPath)) throw new UserError('E_EVAL_QUESTIONS', `There is no question file at ${questionsPath}: pass --questions FILE (JSONL, one {"question", "expected"} a line).`);
  const questions = parseQuestions(readFileSync(questionsPath, 'utf8'), request.questionsFile);
  if (request.distractors > 0 && !existsSync(request.distractorsFile)) {
    throw new UserError(
      'E_NO_DISTRACTORS',
      `--distractors needs a file of real abstracts, and ${request.distractorsFile} is not there: pass --distractors-file FILE (JSONL in the corpus format, optionally gzipped), or run without --distractors.`,
    );
  }

  const { embedder, warning } = await loadEmbedder(config.embeddings, logger);
  if (warning !== null) notify(warning);
  const temp = request.useIndex ? null : mkdtempSync(path.join(os.tmpdir(), 'paperbot-eval-'));
  let index: IndexHandle | null = null;
  try {
    let indexDir = config.indexDir;
    let distractors = 0;
    if (temp !== null) {
      const corpusDir = path.join(temp, 'corpus');
      cpSync(config.corpusDir, corpusDir, { recursive: true });
      if (request.distractors > 0) {
        const lines = await sampleLines(request.distractorsFile, request.distractors, request.seed);
        if (lines.length < request.distractors) notify(`Only ${lines.length} distractor abstracts are available in ${request.distractorsFile}; using all of them.`);
        distractors = lines.length;
        writeFileSync(path.join(corpusDir, 'distractors.jsonl'), `${lines.join('\n')}\n`);
      }
      indexDir = path.join(temp, 'index');
      notify(`Building a temporary index of ${config.corpusDir}${request.distractors > 0 ? ` plus ${request.distractors} distractor abstracts` : ''} …`);
      await buildIndex({
        corpusDir,
        indexDir,
        embedder,
        backend: createIndexBackend(config),
        logger,
        ...(onProgress !== undefined && request.distractors > 0 ? { onProgress } : {}),
      });
    }
    index = new IndexHandle({ indexDir, embedder, backend: createIndexBackend(config), logger });
    return await evaluateIndex({
      questions,
      questionsFile: request.questionsFile,
      index,
      embedder,
      config,
      logger,
      corpus: { distractors, distractorsFile: request.distractors > 0 ? request.distractorsFile : null, index: request.useIndex ? 'current' : 'temporary' },
      details: request.details,
      sweep: request.sweep,
    });
  } finally {
    index?.close();
    await embedder?.dispose();
    if (temp !== null) rmSync(temp, { recursive: true, force: true });
  }
}
