/**
 * What `npm run eval` measures, as data: the report that `--json` prints and the table is rendered from.
 */
import type { RetrievalMode } from '../core/retrieval/hybrid-search.ts';
import type { RetrievalMetrics, SignalSweepPoint, SweepPoint } from '../core/retrieval/evaluate-retrieval.ts';

/** The modes in report order. */
export const EVAL_MODES: readonly RetrievalMode[] = ['lexical', 'dense', 'hybrid'];

export interface ModeReport extends RetrievalMetrics {
  byKind: Record<string, RetrievalMetrics>;
  /** Wall time of one retrieval as the bot runs it (gate on), over the questions, in milliseconds. */
  latency: { p50Ms: number; p95Ms: number };
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
  settings: {
    topK: number;
    maxPassagesPerPaper: number;
    gateMinCoverage: number;
    gateMinSimilarity: number | null;
    /** GATE_MIN_SPECIFIC_COVERAGE, GATE_MIN_TERMS_TOGETHER and GATE_VETO_MIN_PASSAGES as configured. */
    gateMinSpecificCoverage: number;
    gateMinTermsTogether: number;
    gateVetoMinPassages: number;
    rankingDepth: number;
  };
  modes: Record<RetrievalMode, ModeReport | null>;
  /** Why a mode was not measured. */
  notMeasured: Partial<Record<RetrievalMode, string>>;
  details?: QuestionDetail[];
  /** Per mode, refusal precision/recall for other gate thresholds (--sweep); GATE_MIN_SIMILARITY null = unset. */
  sweep?: Partial<Record<RetrievalMode, SweepPoint[]>>;
  /** Per mode, the same for each of the gate's signal thresholds in turn, the others at their defaults (--sweep); a value of null (Infinity) is that rule off. */
  signalSweep?: Partial<Record<RetrievalMode, SignalSweepPoint[]>>;
}
