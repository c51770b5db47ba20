/**
 * Retrieval evaluation, the pure part: reading a question set, resolving its references to papers, and the
 * metrics `npm run eval` reports per retrieval mode. Recall@k and MRR say whether the right paper is found
 * (gate ignored); refusal precision and recall say whether the relevance gate refuses exactly the
 * questions the corpus cannot answer.
 */
import { UserError } from '../errors.ts';
import type { Paper } from '../corpus/paper.ts';
import { decideGate, type RetrievalOptions, type RetrievedPassage } from './hybrid-search.ts';
import type { GateThresholdOptions, QuestionEvidence } from './relevance-gate.ts';

export interface EvalQuestion {
  question: string;
  /** References as written: a paper id or a source `<file>:<line>`. Empty: the corpus cannot answer it. */
  expected: string[];
  /** Free-form category (e.g. `paraphrase`) for the per-kind breakdown; `other` when absent. */
  kind: string;
  /** 1-based line in the question file, for messages. */
  line: number;
}

/** What one retrieval produced for one question, reduced to what the metrics need. */
export interface QuestionOutcome {
  /** Paper ids that answer the question (resolved references); empty for unanswerable questions. */
  expected: readonly string[];
  /** Distinct paper ids of the retrieval, best first, gate ignored. */
  ranked: readonly string[];
  /** The relevance gate refused the question. */
  refused: boolean;
}

export interface RetrievalMetrics {
  questions: number;
  answerable: number;
  unanswerable: number;
  recallAt1: number | null;
  recallAt3: number | null;
  recallAt5: number | null;
  /** Mean reciprocal rank of the first expected paper (0 when it is not retrieved at all). */
  mrr: number | null;
  /** Refused questions that were indeed unanswerable / all refused questions (null: nothing refused). */
  refusalPrecision: number | null;
  /** Unanswerable questions that were refused / all unanswerable questions (null: there were none). */
  refusalRecall: number | null;
  refused: number;
}

/** Parses a JSONL question file; every bad line is reported at once with `file:line`. */
export function parseQuestions(text: string, file: string): EvalQuestion[] {
  const questions: EvalQuestion[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      problems.push(`${file}:${line}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
      return;
    }
    const record = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
    const question = record?.['question'];
    const expected = record?.['expected'];
    const kind = record?.['kind'];
    if (typeof question !== 'string' || question.trim() === '') {
      problems.push(`${file}:${line}: expected an object with a non-empty "question" string`);
    } else if (!Array.isArray(expected) || !expected.every((e): e is string => typeof e === 'string' && e.trim() !== '')) {
      problems.push(`${file}:${line}: "expected" must be a list of paper ids or sources (file:line), empty when the corpus cannot answer`);
    } else if (kind !== undefined && typeof kind !== 'string') {
      problems.push(`${file}:${line}: "kind" must be a string when given`);
    } else {
      questions.push({ question: question.trim(), expected: expected.map((e) => e.trim()), kind: kind ?? 'other', line });
    }
  });
  if (problems.length > 0) throw new UserError('E_EVAL_QUESTIONS', `The question file has problems:\n${problems.map((p) => `- ${p}`).join('\n')}`);
  if (questions.length === 0) throw new UserError('E_EVAL_QUESTIONS', `The question file ${file} has no questions.`);
  return questions;
}

/**
 * Turns each question's references into paper ids. A reference is a paper id or a source; a source may
 * omit leading folders (`seed-papers.jsonl:7` matches `papers/seed-papers.jsonl:7`) as long as one paper matches.
 */
export function resolveReferences(questions: readonly EvalQuestion[], papers: readonly Pick<Paper, 'id' | 'source'>[], file: string): string[][] {
  const byId = new Map(papers.map((p) => [p.id, p.id]));
  const problems: string[] = [];
  const resolved = questions.map((q) =>
    q.expected.flatMap((ref) => {
      const id = byId.get(ref);
      if (id !== undefined) return [id];
      const matches = papers.filter((p) => p.source === ref || p.source.endsWith(`/${ref}`));
      if (matches.length === 1 && matches[0] !== undefined) return [matches[0].id];
      problems.push(`${file}:${q.line}: "${ref}" ${matches.length === 0 ? 'matches no paper of the index' : `matches ${matches.length} papers`}`);
      return [];
    }),
  );
  if (problems.length > 0) {
    throw new UserError('E_EVAL_QUESTIONS', `Some expected papers are not in the index (a reference is a paper id or a source such as seed-papers.jsonl:7):\n${problems.map((p) => `- ${p}`).join('\n')}`);
  }
  return resolved;
}

/** Paper ids in order of first appearance: the ranking of papers from a ranking of passages. */
export function distinctPapers(paperIds: Iterable<string>): string[] {
  return [...new Set(paperIds)];
}

/** 1-based rank of the first expected paper in `ranked`, or null when none was retrieved. */
export function firstHitRank(ranked: readonly string[], expected: readonly string[]): number | null {
  const wanted = new Set(expected);
  const index = ranked.findIndex((id) => wanted.has(id));
  return index === -1 ? null : index + 1;
}

export function summarize(outcomes: readonly QuestionOutcome[]): RetrievalMetrics {
  const answerable = outcomes.filter((o) => o.expected.length > 0);
  const unanswerable = outcomes.length - answerable.length;
  const ranks = answerable.map((o) => firstHitRank(o.ranked, o.expected));
  const recallAt = (k: number) => share(ranks.filter((r) => r !== null && r <= k).length, answerable.length);
  const refused = outcomes.filter((o) => o.refused);
  const rightlyRefused = refused.filter((o) => o.expected.length === 0).length;
  return {
    questions: outcomes.length,
    answerable: answerable.length,
    unanswerable,
    recallAt1: recallAt(1),
    recallAt3: recallAt(3),
    recallAt5: recallAt(5),
    mrr: answerable.length === 0 ? null : ranks.reduce<number>((sum, r) => sum + (r === null ? 0 : 1 / r), 0) / answerable.length,
    refusalPrecision: share(rightlyRefused, refused.length),
    refusalRecall: share(rightlyRefused, unanswerable),
    refused: refused.length,
  };
}

/** The metrics of each group of outcomes (e.g. per question kind), groups in order of first appearance. */
export function summarizeBy<K extends string>(outcomes: readonly QuestionOutcome[], keys: readonly K[]): Map<K, RetrievalMetrics> {
  const groups = new Map<K, QuestionOutcome[]>();
  outcomes.forEach((o, i) => {
    const key = keys[i];
    if (key === undefined) return;
    const group = groups.get(key) ?? [];
    group.push(o);
    groups.set(key, group);
  });
  return new Map([...groups].map(([key, group]) => [key, summarize(group)]));
}

function share(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

/** One question as the gate sees it: the passages it would judge (the top k, gate ignored). */
export interface GateSample {
  answerable: boolean;
  top: readonly Pick<RetrievedPassage, 'coverage' | 'similarity' | 'specificMatches'>[];
  /** The question-level signals the gate saw (relevance-gate.ts). */
  question?: QuestionEvidence | undefined;
}

export type GateThresholds = Pick<RetrievalOptions, 'gateMinCoverage' | 'gateMinSimilarity'>;

/** How well the gate's refusals, with some thresholds, match the questions the corpus cannot answer. */
export interface RefusalScores {
  refusalPrecision: number | null;
  refusalRecall: number | null;
  /** Answerable questions the gate would refuse. */
  falseRefusals: number;
}

export interface SweepPoint extends GateThresholds, RefusalScores {}

/** The gate's own thresholds (relevance-gate.ts) that `sweepSignals` varies, one at a time. */
export type SignalThreshold =
  | 'gateMinSpecificCoverage'
  | 'gateSpecificMaxUnseenShare'
  | 'gateMaxUnseenShare'
  | 'gateMaxMissingRareShare'
  | 'gateMinTermsTogether'
  | 'gateMaxSpan'
  | 'gateVetoMinPassages';

export interface SignalSweepPoint extends RefusalScores {
  threshold: SignalThreshold;
  value: number;
}

/** The gate replayed on every sample with `thresholds`, scored against which samples were answerable. */
function refusalScores(samples: readonly GateSample[], thresholds: GateThresholdOptions): RefusalScores {
  const unanswerable = samples.filter((s) => !s.answerable).length;
  const refused = samples.filter((s) => !decideGate(s.top, thresholds, s.question).passed);
  const right = refused.filter((s) => !s.answerable).length;
  return { refusalPrecision: share(right, refused.length), refusalRecall: share(right, unanswerable), falseRefusals: refused.length - right };
}

/** Refusal precision/recall when one signal threshold takes each value of its grid and every other keeps `base`. */
export function sweepSignals(samples: readonly GateSample[], base: GateThresholds, grid: Readonly<Partial<Record<SignalThreshold, readonly number[]>>>): SignalSweepPoint[] {
  const points: SignalSweepPoint[] = [];
  for (const [threshold, values] of Object.entries(grid) as [SignalThreshold, readonly number[]][]) {
    for (const value of values) points.push({ threshold, value, ...refusalScores(samples, { ...base, [threshold]: value }) });
  }
  return points;
}

/**
 * Refusal precision and recall for each pair of gate thresholds, from one retrieval per question: the gate
 * only looks at the top passages' coverage and similarity, so trying thresholds needs no new retrieval.
 */
export function sweepGate(samples: readonly GateSample[], coverages: readonly number[], similarities: readonly (number | undefined)[]): SweepPoint[] {
  const points: SweepPoint[] = [];
  for (const gateMinSimilarity of similarities) {
    for (const gateMinCoverage of coverages) {
      const thresholds = { gateMinCoverage, gateMinSimilarity };
      points.push({ ...thresholds, ...refusalScores(samples, thresholds) });
    }
  }
  return points;
}
