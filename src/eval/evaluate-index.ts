/**
 * Runs a question set against one open index, for each retrieval mode the index supports: every question
 * is retrieved twice with the same Assistant, once as the bot would (the gate decides) and once with the
 * gate off and a deeper cut (to rank papers for recall and MRR), and the metrics of
 * src/core/retrieval/evaluate-retrieval.ts are computed from the outcomes; with `sweep`, the gate is
 * replayed for a grid of other thresholds.
 */
import type { Config } from '../config.ts';
import type { Embedder } from '../core/retrieval/embedder.ts';
import { decideGate, type RetrievalMode } from '../core/retrieval/hybrid-search.ts';
import { GATE_OFF } from '../core/retrieval/relevance-gate.ts';
import {
  distinctPapers,
  firstHitRank,
  resolveReferences,
  summarize,
  summarizeBy,
  sweepGate,
  sweepSignals,
  type EvalQuestion,
  type GateSample,
  type QuestionOutcome,
} from '../core/retrieval/evaluate-retrieval.ts';
import type { Assistant } from '../assistant/assistant.ts';
import type { IndexHandle } from '../indexing/open-index.ts';
import { describeEmbeddings } from '../indexing/manifest.ts';
import { EVAL_MODES, type EvalReport, type ModeReport, type QuestionDetail } from './eval-report.ts';

/** Passages retrieved (gate off) to rank papers for recall and MRR; far more than recall@5 needs. */
export const RANKING_DEPTH = 20;
const SWEEP_COVERAGE = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5];
const SWEEP_SIMILARITY = [undefined, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
/** Infinity turns a veto off. */
const SWEEP_SIGNALS = {
  gateMinSpecificCoverage: [0.02, 0.05, 0.1, 0.15, 0.2, Infinity],
  gateSpecificMaxUnseenShare: [0.4, 0.5, 0.6, 0.7, 0.8, Infinity],
  gateMaxUnseenShare: [0.1, 0.15, 0.2, 0.3, Infinity],
  gateMaxMissingRareShare: [0.2, 0.25, 0.3, 0.4, 0.5, Infinity],
  gateMinTermsTogether: [0, 2, 3, 4],
  gateMaxSpan: [5, 10, 20, 40, 80, Infinity],
  // 0: the three vocabulary vetoes apply in any corpus, even 11 abstracts.
  gateVetoMinPassages: [0, 500, 1000, 5000],
};

export interface EvaluateIndexOptions {
  questions: readonly EvalQuestion[];
  /** As given, for messages and the report. */
  questionsFile: string;
  index: IndexHandle;
  /** The assistant on that index: the questions go through its retrieve, as a user's would. */
  assistant: Pick<Assistant, 'retrieve'>;
  embedder: Embedder | null;
  config: Pick<Config, 'retrieval' | 'embeddings'>;
  /** What the index holds besides the corpus, and whether it was built for this evaluation. */
  corpus: Pick<EvalReport['corpus'], 'distractors' | 'distractorsFile' | 'index'>;
  /** Report each question's rank and gate decision. */
  details: boolean;
  /** Also report refusal precision/recall for a grid of gate thresholds. */
  sweep: boolean;
}

export async function evaluateIndex({ questions, questionsFile, index, assistant, embedder, config, corpus, details: withDetails, sweep: withSweep }: EvaluateIndexOptions): Promise<EvalReport> {
  const open = await index.current();
  const expected = resolveReferences(questions, await open.store.allPapers(), questionsFile);
  const retrieval = config.retrieval;
  // Recall measures finding the paper, not the gate: rank with the gate off and a deeper cut.
  const ungated = { topK: RANKING_DEPTH, ...GATE_OFF };

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
  const signalSweep: NonNullable<EvalReport['signalSweep']> = {};
  for (const mode of EVAL_MODES) {
    if (mode !== 'lexical' && !denseReady) {
      modes[mode] = null;
      continue;
    }
    const outcomes: QuestionOutcome[] = [];
    const samples: GateSample[] = [];
    const times: number[] = [];
    for (const [i, q] of questions.entries()) {
      const ranking = await assistant.retrieve(q.question, { mode, ...ungated });
      const started = performance.now();
      const decision = await assistant.retrieve(q.question, { mode });
      times.push(performance.now() - started);
      const ranked = distinctPapers(ranking.passages.map((p) => p.paper.id));
      const outcome: QuestionOutcome = { expected: expected[i] ?? [], ranked, refused: !decision.gate.passed };
      outcomes.push(outcome);
      // The gate judges the top k of the same ranking; replaying it must agree with the real decision.
      const top = ranking.passages.slice(0, retrieval.topK);
      if (decideGate(top, retrieval, decision.gate.question).passed !== decision.gate.passed) {
        throw new Error(`evaluation cannot replay the gate for "${q.question}" (${mode}): retrieval changed under it`);
      }
      samples.push({ answerable: outcome.expected.length > 0, top, question: decision.gate.question });
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
    modes[mode] = { ...summarize(outcomes), byKind: Object.fromEntries(summarizeBy(outcomes, questions.map((q) => q.kind))), latency: { p50Ms: percentile(times, 0.5), p95Ms: percentile(times, 0.95) } };
    if (withSweep) {
      sweep[mode] = sweepGate(samples, SWEEP_COVERAGE, mode === 'lexical' ? [undefined] : SWEEP_SIMILARITY);
      signalSweep[mode] = sweepSignals(samples, retrieval, SWEEP_SIGNALS);
    }
  }

  const byKind: Record<string, number> = {};
  for (const q of questions) byKind[q.kind] = (byKind[q.kind] ?? 0) + 1;
  const answerable = questions.filter((q) => q.expected.length > 0).length;
  const counts = open.manifest.counts;
  return {
    date: new Date().toISOString().slice(0, 10),
    questionsFile,
    questions: { total: questions.length, answerable, unanswerable: questions.length - answerable, byKind },
    // `distractors` counts the lines added; the build may skip a few (e.g. a duplicate of a shipped paper), which `papers` reflects.
    corpus: { papers: counts.papers, passages: counts.passages, ...corpus },
    embeddings: denseReady ? describeEmbeddings(open.manifest.embeddings) : null,
    settings: {
      topK: retrieval.topK,
      maxPassagesPerPaper: retrieval.maxPassagesPerPaper,
      gateMinCoverage: retrieval.gateMinCoverage,
      gateMinSimilarity: retrieval.gateMinSimilarity ?? null,
      gateMinSpecificCoverage: retrieval.gateMinSpecificCoverage,
      gateMinTermsTogether: retrieval.gateMinTermsTogether,
      gateVetoMinPassages: retrieval.gateVetoMinPassages,
      rankingDepth: RANKING_DEPTH,
    },
    modes,
    notMeasured,
    ...(withDetails ? { details } : {}),
    ...(withSweep ? { sweep, signalSweep } : {}),
  };
}

/** The nearest-rank percentile `q` (0..1) of `values`, rounded to 0.01 ms; 0 for none. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const value = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  return Math.round(value * 100) / 100;
}
