/**
 * `npm run eval -- [--questions FILE] [--json] [--distractors N] [--details]`: how often retrieval finds the
 * right paper and how often the relevance gate refuses exactly the questions the corpus cannot answer, for
 * lexical, dense and hybrid retrieval. It builds its own index of the corpus folder in a temp folder (so a
 * stale or half-built `data/index` never skews it), optionally with N real distractor abstracts, because with
 * 11 papers almost any retriever looks perfect.
 */
import { cpSync, createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { parseArgs } from 'node:util';
import type { Config } from '../config.ts';
import { UserError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Embedder } from '../core/retrieval/embedder.ts';
import { decideGate, type RetrievalMode } from '../core/retrieval/hybrid-search.ts';
import {
  distinctPapers,
  firstHitRank,
  parseQuestions,
  resolveReferences,
  summarize,
  summarizeBy,
  sweepGate,
  type EvalQuestion,
  type GateSample,
  type SweepPoint,
  type QuestionOutcome,
  type RetrievalMetrics,
} from '../core/retrieval/evaluate-retrieval.ts';
import { Assistant } from '../assistant/assistant.ts';
import { loadEmbedder } from '../assistant/load-embedder.ts';
import { buildIndex } from '../indexing/build-index.ts';
import { createIndexBackend } from '../adapters/sqlite-hnsw-backend.ts';
import { IndexHandle } from '../indexing/open-index.ts';
import { describeEmbeddings } from '../indexing/manifest.ts';
import { progressReporter } from './progress-bar.ts';
import type { CommandContext } from './run-main.ts';
import { seededRandom } from '../core/random.ts';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_QUESTIONS = path.join('tests', 'eval', 'questions.jsonl');
/** The shared dataset of real conference abstracts, beside the project (never copied into it). */
export const DEFAULT_DISTRACTORS_FILE = path.resolve(PROJECT_ROOT, '..', 'shared', 'datasets', 'conference-abstracts.jsonl.gz');
/** Passages retrieved (gate off) to rank papers for recall and MRR; far more than recall@5 needs. */
const RANKING_DEPTH = 20;
const MODES: readonly RetrievalMode[] = ['lexical', 'dense', 'hybrid'];
const SWEEP_COVERAGE = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5];
const SWEEP_SIMILARITY = [undefined, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];

const USAGE =
  'Usage: npm run eval -- [--questions FILE] [--json] [--distractors N] [--distractors-file FILE.jsonl[.gz]] [--seed N] [--details] [--sweep] [--use-index]';

export interface EvalArgs {
  questionsFile: string;
  json: boolean;
  distractors: number;
  distractorsFile: string;
  seed: number;
  details: boolean;
  /** Also report refusal precision/recall for a grid of gate thresholds. */
  sweep: boolean;
  /** Evaluate the current index in DATA_DIR instead of building a temporary one. */
  useIndex: boolean;
}

export interface ModeReport extends RetrievalMetrics {
  byKind: Record<string, RetrievalMetrics>;
}

export interface QuestionDetail {
  line: number;
  kind: string;
  question: string;
  expected: string[];
  /** Per mode: rank of the first expected paper (null: not in the top papers) and the gate's decision. */
  modes: Partial<Record<RetrievalMode, { rank: number | null; refused: boolean; bestCoverage: number; bestSimilarity: number | null; gate: string; top: string[] }>>;
}

export interface EvalReport {
  date: string;
  questionsFile: string;
  questions: { total: number; answerable: number; unanswerable: number; byKind: Record<string, number> };
  corpus: { papers: number; passages: number; distractors: number; distractorsFile: string | null; index: 'temporary' | 'current' };
  /** The model behind dense and hybrid retrieval; null when only lexical retrieval could be measured. */
  embeddings: string | null;
  settings: { topK: number; maxPassagesPerPaper: number; gateMinCoverage: number; gateMinSimilarity: number | null; rankingDepth: number };
  modes: Record<RetrievalMode, ModeReport | null>;
  /** Why a mode was not measured. */
  notMeasured: Partial<Record<RetrievalMode, string>>;
  details?: QuestionDetail[];
  /** Per mode, refusal precision/recall for other gate thresholds (--sweep); GATE_MIN_SIMILARITY null = unset. */
  sweep?: Partial<Record<RetrievalMode, SweepPoint[]>>;
}

export function parseEvalArgs(argv: readonly string[]): EvalArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      allowPositionals: false,
      options: {
        questions: { type: 'string' },
        json: { type: 'boolean' },
        distractors: { type: 'string' },
        'distractors-file': { type: 'string' },
        seed: { type: 'string' },
        details: { type: 'boolean' },
        sweep: { type: 'boolean' },
        'use-index': { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UserError('E_USAGE', `${error instanceof Error ? error.message : String(error)}. ${USAGE}`);
  }
  const whole = (name: string, raw: string | undefined, fallback: number) => {
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw.trim())) throw new UserError('E_USAGE', `--${name} must be a whole number, got "${raw}". ${USAGE}`);
    return Number(raw);
  };
  const args: EvalArgs = {
    questionsFile: values.questions ?? DEFAULT_QUESTIONS,
    json: values.json ?? false,
    distractors: whole('distractors', values.distractors, 0),
    distractorsFile: values['distractors-file'] ?? DEFAULT_DISTRACTORS_FILE,
    seed: whole('seed', values.seed, 1),
    details: values.details ?? false,
    sweep: values.sweep ?? false,
    useIndex: values['use-index'] ?? false,
  };
  if (args.useIndex && args.distractors > 0) throw new UserError('E_USAGE', `--use-index and --distractors cannot be combined: distractors go into a temporary index. ${USAGE}`);
  return args;
}

export async function evalCommand({ argv, config, logger, stdout, stderr }: CommandContext): Promise<number> {
  const args = parseEvalArgs(argv);
  const report = await evaluate(args, { config, logger, notify: (line) => stderr.write(`${line}\n`), progress: stderr });
  stdout.write(args.json ? `${JSON.stringify(report)}\n` : `${renderEvalReport(report)}\n`);
  return 0;
}

interface EvaluateContext {
  config: Config;
  logger: Logger;
  notify: (line: string) => void;
  progress?: NodeJS.WritableStream & { isTTY?: boolean };
}

export async function evaluate(args: EvalArgs, { config, logger, notify, progress }: EvaluateContext): Promise<EvalReport> {
  const questionsPath = path.resolve(args.questionsFile);
  if (!existsSync(questionsPath)) throw new UserError('E_EVAL_QUESTIONS', `There is no question file at ${questionsPath}: pass --questions FILE (JSONL, one {"question", "expected"} a line).`);
  const questions = parseQuestions(readFileSync(questionsPath, 'utf8'), args.questionsFile);
  if (args.distractors > 0 && !existsSync(args.distractorsFile)) {
    throw new UserError(
      'E_NO_DISTRACTORS',
      `--distractors needs a file of real abstracts, and ${args.distractorsFile} is not there: pass --distractors-file FILE (JSONL in the corpus format, optionally gzipped), or run without --distractors.`,
    );
  }

  const { embedder, warning } = await loadEmbedder(config.embeddings, logger);
  if (warning !== null) notify(warning);
  const temp = args.useIndex ? null : mkdtempSync(path.join(os.tmpdir(), 'paperbot-eval-'));
  let index: IndexHandle | null = null;
  try {
    let indexDir = config.indexDir;
    let distractors = 0;
    if (temp !== null) {
      const corpusDir = path.join(temp, 'corpus');
      cpSync(config.corpusDir, corpusDir, { recursive: true });
      if (args.distractors > 0) {
        const lines = await sampleLines(args.distractorsFile, args.distractors, args.seed);
        if (lines.length < args.distractors) notify(`Only ${lines.length} distractor abstracts are available in ${args.distractorsFile}; using all of them.`);
        distractors = lines.length;
        writeFileSync(path.join(corpusDir, 'distractors.jsonl'), `${lines.join('\n')}\n`);
      }
      indexDir = path.join(temp, 'index');
      notify(`Building a temporary index of ${config.corpusDir}${args.distractors > 0 ? ` plus ${args.distractors} distractor abstracts` : ''} …`);
      await buildIndex({
        corpusDir,
        indexDir,
        embedder,
        backend: createIndexBackend(config),
        logger,
        ...(progress !== undefined && args.distractors > 0 ? { onProgress: progressReporter(progress) } : {}),
      });
    }
    index = new IndexHandle({ indexDir, embedder, backend: createIndexBackend(config), logger });
    return await evaluateIndex(questions, { args, config, index, embedder, logger, distractors });
  } finally {
    index?.close();
    await embedder?.dispose();
    if (temp !== null) rmSync(temp, { recursive: true, force: true });
  }
}

async function evaluateIndex(
  questions: readonly EvalQuestion[],
  { args, config, index, embedder, logger, distractors }: { args: EvalArgs; config: Config; index: IndexHandle; embedder: Embedder | null; logger: Logger; distractors: number },
): Promise<EvalReport> {
  const open = index.current();
  const papers = open.store.allPapers();
  const expected = resolveReferences(questions, papers, args.questionsFile);
  const retrieval = config.retrieval;
  const gated = new Assistant({ config, index, embedder, logger });
  // The same retrieval with the gate off and a deeper cut: recall measures finding the paper, not the gate.
  const ungated = new Assistant({
    config: { retrieval: { ...retrieval, topK: RANKING_DEPTH, gateMinCoverage: 0, gateMinSimilarity: undefined } },
    index,
    embedder,
    logger,
  });

  const denseReady = open.vectors !== null && embedder !== null;
  const notMeasured: EvalReport['notMeasured'] = {};
  if (!denseReady) {
    const reason =
      embedder !== null
        ? (open.lexicalReason ?? 'the index has no vectors')
        : config.embeddings.mode === 'lexical'
          ? 'EMBEDDINGS=lexical'
          : 'the embedding model could not be loaded, see the warning above';
    notMeasured.dense = reason;
    notMeasured.hybrid = reason;
  }
  const details: QuestionDetail[] = questions.map((q) => ({ line: q.line, kind: q.kind, question: q.question, expected: q.expected, modes: {} }));
  const modes = {} as Record<RetrievalMode, ModeReport | null>;
  const sweep: NonNullable<EvalReport['sweep']> = {};
  for (const mode of MODES) {
    if (mode !== 'lexical' && !denseReady) {
      modes[mode] = null;
      continue;
    }
    const outcomes: QuestionOutcome[] = [];
    const samples: GateSample[] = [];
    for (const [i, q] of questions.entries()) {
      const ranking = await ungated.retrieve(q.question, mode);
      const decision = await gated.retrieve(q.question, mode);
      const ranked = distinctPapers(ranking.passages.map((p) => p.paper.id));
      const outcome: QuestionOutcome = { expected: expected[i] ?? [], ranked, refused: !decision.gate.passed };
      outcomes.push(outcome);
      // The gate judges the top k of the same ranking; replaying it must agree with the real decision.
      const top = ranking.passages.slice(0, retrieval.topK);
      if (decideGate(top, retrieval).passed !== decision.gate.passed) {
        throw new Error(`evaluation cannot replay the gate for "${q.question}" (${mode}): retrieval changed under it`);
      }
      samples.push({ answerable: outcome.expected.length > 0, top });
      const sourceOf = new Map(ranking.passages.map((p) => [p.paper.id, p.paper.source]));
      const detail = details[i];
      if (detail !== undefined) {
        detail.modes[mode] = {
          rank: firstHitRank(ranked, outcome.expected),
          refused: outcome.refused,
          bestCoverage: decision.gate.bestCoverage,
          bestSimilarity: decision.gate.bestSimilarity,
          gate: decision.gate.reason,
          top: ranked.slice(0, 3).map((id) => sourceOf.get(id) ?? id),
        };
      }
    }
    modes[mode] = { ...summarize(outcomes), byKind: Object.fromEntries(summarizeBy(outcomes, questions.map((q) => q.kind))) };
    if (args.sweep) sweep[mode] = sweepGate(samples, SWEEP_COVERAGE, mode === 'lexical' ? [undefined] : SWEEP_SIMILARITY);
  }

  const byKind: Record<string, number> = {};
  for (const q of questions) byKind[q.kind] = (byKind[q.kind] ?? 0) + 1;
  const answerable = questions.filter((q) => q.expected.length > 0).length;
  const counts = open.manifest.counts;
  return {
    date: new Date().toISOString().slice(0, 10),
    questionsFile: args.questionsFile,
    questions: { total: questions.length, answerable, unanswerable: questions.length - answerable, byKind },
    corpus: {
      papers: counts.papers,
      passages: counts.passages,
      // Lines added; the build may skip a few (e.g. a duplicate of a shipped paper), which `papers` reflects.
      distractors,
      distractorsFile: args.distractors > 0 ? args.distractorsFile : null,
      index: args.useIndex ? 'current' : 'temporary',
    },
    embeddings: denseReady ? describeEmbeddings(open.manifest.embeddings) : null,
    settings: {
      topK: retrieval.topK,
      maxPassagesPerPaper: retrieval.maxPassagesPerPaper,
      gateMinCoverage: retrieval.gateMinCoverage,
      gateMinSimilarity: retrieval.gateMinSimilarity ?? null,
      rankingDepth: RANKING_DEPTH,
    },
    modes,
    notMeasured,
    ...(args.details ? { details } : {}),
    ...(args.sweep ? { sweep } : {}),
  };
}

/** The table a person reads; the same numbers as --json. */
export function renderEvalReport(report: EvalReport): string {
  const { questions, corpus, settings } = report;
  const number = (x: number | null) => (x === null ? '   — ' : x.toFixed(2).padStart(5));
  const lines = [
    `paperbot retrieval evaluation, ${report.date}`,
    `questions: ${report.questionsFile}: ${questions.total} (${questions.answerable} answerable, ${questions.unanswerable} the corpus cannot answer)`,
    `corpus:    ${corpus.papers} papers, ${corpus.passages} passages${corpus.distractors > 0 ? `, of which ${corpus.distractors} distractors from ${corpus.distractorsFile ?? '?'}` : ''} (${corpus.index} index)`,
    `dense:     ${report.embeddings ?? `not measured (${report.notMeasured.dense ?? 'no model'})`}`,
    `settings:  TOP_K=${settings.topK} MAX_PASSAGES_PER_PAPER=${settings.maxPassagesPerPaper} GATE_MIN_COVERAGE=${settings.gateMinCoverage} GATE_MIN_SIMILARITY=${settings.gateMinSimilarity ?? 'unset'}`,
    '',
    'mode      recall@1 recall@3 recall@5   MRR  refusal-P refusal-R  refused',
  ];
  for (const mode of MODES) {
    const m = report.modes[mode];
    if (m === null) {
      lines.push(`${mode.padEnd(9)} not measured`);
      continue;
    }
    lines.push(
      `${mode.padEnd(9)}   ${number(m.recallAt1)}    ${number(m.recallAt3)}    ${number(m.recallAt5)} ${number(m.mrr)}      ${number(m.refusalPrecision)}     ${number(m.refusalRecall)}  ${String(m.refused).padStart(3)}/${m.questions}`,
    );
  }
  const kinds = Object.keys(questions.byKind);
  lines.push('', `recall@3 by kind of question (answerable kinds), refusals for the rest:`);
  lines.push(`${'kind'.padEnd(14)} ${'n'.padStart(3)}  ${MODES.map((m) => m.padStart(8)).join(' ')}`);
  for (const kind of kinds) {
    const cells = MODES.map((mode) => {
      const m = report.modes[mode]?.byKind[kind];
      if (m === undefined) return '       —';
      if (m.answerable === 0) return `${m.refused}/${m.questions} ref`.padStart(8);
      return number(m.recallAt3).padStart(8);
    });
    lines.push(`${kind.padEnd(14)} ${String(questions.byKind[kind]).padStart(3)}  ${cells.join(' ')}`);
  }
  lines.push('', 'recall@k: an expected paper is among the top k papers retrieved (gate ignored); MRR over the top 20 passages;');
  lines.push('refusal-P/R: precision and recall of the relevance gate refusing the questions the corpus cannot answer.');
  if (report.sweep !== undefined) {
    lines.push('', 'gate sweep: refusal precision/recall (answerable questions refused) for other thresholds, same retrievals:');
    for (const mode of MODES) {
      const points = report.sweep[mode];
      if (points === undefined) continue;
      const similarities = [...new Set(points.map((p) => p.gateMinSimilarity))];
      lines.push(`  ${mode}: GATE_MIN_COVERAGE across, GATE_MIN_SIMILARITY down`);
      lines.push(`  ${''.padEnd(6)} ${SWEEP_COVERAGE.map((c) => String(c).padStart(15)).join('')}`);
      for (const s of similarities) {
        const row = points.filter((p) => p.gateMinSimilarity === s).map((p) => ` ${`${number(p.refusalPrecision).trim()}/${number(p.refusalRecall).trim()} (${p.falseRefusals})`.padStart(14)}`);
        lines.push(`  ${(s === undefined ? 'unset' : String(s)).padEnd(6)} ${row.join('')}`);
      }
    }
  }
  if (report.details !== undefined) {
    lines.push('', 'per question (rank of the expected paper, R = refused):');
    for (const d of report.details) {
      const cells = MODES.map((mode) => {
        const m = d.modes[mode];
        if (m === undefined) return `${mode}: —`;
        return `${mode}: ${m.rank ?? (d.expected.length === 0 ? '' : 'miss')}${m.refused ? ' R' : ''}`;
      });
      lines.push(`  ${String(d.line).padStart(3)} ${d.kind.padEnd(12)} ${cells.join(', ').padEnd(50)} ${d.question}`);
      for (const mode of MODES) {
        const m = d.modes[mode];
        if (m !== undefined && (m.refused !== (d.expected.length === 0) || (d.expected.length > 0 && (m.rank ?? 99) > 3))) {
          lines.push(`        ${mode}: top ${m.top.join(' ')}; gate: ${m.gate}`);
        }
      }
    }
  }
  return lines.join('\n');
}

/** `count` lines of a JSONL(.gz) file, chosen with a seeded shuffle so the same seed picks the same papers. */
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
