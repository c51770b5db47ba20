/**
 * `npm run eval -- --json` end to end: the real command (run in this process as the script would run it),
 * on the shipped corpus and the shipped question set, with the generated test model, in a temp workspace.
 * Only the small 11-paper setting: distractors need the shared dataset, which a user's clone does not have.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config.ts';
import { isUserError } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { parseEvalArgs } from '../../src/cli/eval-command.ts';
import { runEvaluation, type EvaluationRequest } from '../../src/eval/run-evaluation.ts';
import type { RetrievalMetrics } from '../../src/core/retrieval/evaluate-retrieval.ts';
import { makeWorkspace, PROJECT_ROOT, type Workspace } from '../support/workspace.ts';

const QUESTIONS = path.join(PROJECT_ROOT, 'tests', 'eval', 'questions.jsonl');

type Metrics = RetrievalMetrics & { byKind: Record<string, unknown>; latency: { p50Ms: number; p95Ms: number } };

interface EvalJson {
  date: string;
  questions: { total: number; answerable: number; unanswerable: number };
  corpus: { papers: number; passages: number; distractors: number; index: string };
  embeddings: string | null;
  settings: Record<string, unknown>;
  modes: Record<'lexical' | 'dense' | 'hybrid', Metrics | null>;
}

function runEval(ws: Workspace, args: string[], env: Record<string, string> = {}) {
  return ws.run('eval', args, { env });
}

function request(argv: string[]): EvaluationRequest {
  const parsed = parseEvalArgs(argv);
  if (parsed === null) throw new Error('--help was not asked for');
  return parsed;
}

describe('npm run eval', () => {
  let ws: Workspace;

  beforeAll(async () => {
    ws = await makeWorkspace();
  }, 60_000);

  afterAll(async () => {
    await ws.cleanup();
  });

  it('prints one JSON object with every metric for lexical, dense and hybrid retrieval', async () => {
    const result = await runEval(ws, ['--questions', QUESTIONS, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0] ?? '') as EvalJson;

    expect(report.questions.total).toBeGreaterThanOrEqual(40);
    expect(report.questions.unanswerable).toBeGreaterThanOrEqual(8);
    expect(report.corpus).toMatchObject({ papers: 11, distractors: 0 });
    expect(report.embeddings).toContain('test-model');
    for (const mode of ['lexical', 'dense', 'hybrid'] as const) {
      const m = report.modes[mode];
      expect(m, mode).not.toBeNull();
      for (const key of ['recallAt1', 'recallAt3', 'recallAt5', 'mrr', 'refusalPrecision', 'refusalRecall'] as const) {
        const value = m?.[key];
        expect(typeof value, `${mode}.${key}`).toBe('number');
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(1);
      }
      expect(m?.recallAt1).toBeLessThanOrEqual(m?.recallAt3 ?? 0);
      expect(m?.latency.p50Ms, `${mode} latency`).toBeGreaterThan(0);
      expect(m?.latency.p95Ms).toBeGreaterThanOrEqual(m?.latency.p50Ms ?? Infinity);
      expect(m?.recallAt3).toBeLessThanOrEqual(m?.recallAt5 ?? 0);
    }
    // Keyword search finds the named methods and most rewordings among 11 papers.
    expect(report.modes.lexical?.recallAt5).toBeGreaterThanOrEqual(0.9);
    // Among 11 papers most off-topic questions are refused, and at most 10% of the answerable ones.
    const kinds = report.modes.lexical?.byKind as Record<string, { answerable: number; refused: number; refusalRecall: number | null }>;
    expect(kinds['off-topic']?.refusalRecall).toBeGreaterThanOrEqual(0.8);
    const answerable = Object.values(kinds).filter((k) => k.answerable > 0);
    expect(answerable.reduce((n, k) => n + k.refused, 0)).toBeLessThanOrEqual(0.1 * answerable.reduce((n, k) => n + k.answerable, 0));
  }, 120_000);

  it('follows the gate settings: a higher GATE_MIN_SPECIFIC_COVERAGE refuses paraphrases that pass by default', async () => {
    const paraphrasesRefused = async (env: Record<string, string>) => {
      const result = await runEval(ws, ['--questions', QUESTIONS, '--json'], { EMBEDDINGS: 'lexical', ...env });
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as EvalJson;
      return { settings: report.settings, refused: (report.modes.lexical?.byKind['paraphrase'] as { refused: number }).refused };
    };
    const byDefault = await paraphrasesRefused({});
    expect(byDefault.settings).toMatchObject({ gateMinSpecificCoverage: 0.05, gateMinTermsTogether: 3, gateVetoMinPassages: 1000 });
    const stricter = await paraphrasesRefused({ GATE_MIN_SPECIFIC_COVERAGE: '0.2' });
    expect(stricter.settings).toMatchObject({ gateMinSpecificCoverage: 0.2 });
    expect(stricter.refused).toBeGreaterThan(byDefault.refused + 3);
  }, 120_000);

  it('evaluates the current index with --use-index, latency beside the quality metrics', async () => {
    expect((await ws.run('index')).code).toBe(0);
    const result = await runEval(ws, ['--questions', QUESTIONS, '--json', '--use-index']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as EvalJson;
    expect(report.corpus).toMatchObject({ papers: 11, index: 'current' });
    expect(report.modes.hybrid?.latency.p95Ms).toBeGreaterThan(0);
    const table = await runEval(ws, ['--questions', QUESTIONS, '--use-index']);
    expect(table.stdout).toMatch(/^hybrid\s.*\d+\/\d+\s+\d+\.\d\/\d+\.\d$/m);
  }, 120_000);

  it('measures lexical retrieval alone, and says why, when no embedding model is available', async () => {
    const result = await runEval(ws, ['--questions', QUESTIONS], { EMBEDDINGS: 'lexical' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^lexical\s+\d\.\d\d/m);
    expect(result.stdout).toMatch(/^dense\s+not measured/m);
    expect(result.stdout).toContain('not measured (EMBEDDINGS=lexical)');
  }, 120_000);

  it('explains how to fix a missing distractor dataset instead of crashing', async () => {
    const args = request(['--questions', QUESTIONS, '--distractors', '10', '--distractors-file', path.join(ws.dir, 'missing.jsonl.gz')]);
    const app = createApp(parseConfig(ws.env, ws.dir), { logger: silentLogger });
    const error = await runEvaluation(args, { app, notify: () => {} }).catch((e: unknown) => e);
    await app.close();
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toContain('missing.jsonl.gz is not there');
  });

  it('asks for the distractors file instead of reaching outside the project for one', async () => {
    const app = createApp(parseConfig(ws.env, ws.dir), { logger: silentLogger });
    const error = await runEvaluation(request(['--questions', QUESTIONS, '--distractors', '10']), { app, notify: () => {} }).catch((e: unknown) => e);
    await app.close();
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toMatch(/^--distractors needs a file of real abstracts: pass --distractors-file FILE/);
  });

  it('refuses --use-index with --distractors, and a count that is not a whole number', () => {
    expect(() => parseEvalArgs(['--use-index', '--distractors', '5'])).toThrow(/--use-index and --distractors cannot be combined/);
    expect(() => parseEvalArgs(['--distractors', 'many'])).toThrow(/--distractors must be a whole number, got "many"/);
  });

  it('names the question line of a reference to a paper the corpus does not have', async () => {
    const file = path.join(ws.dir, 'bad-questions.jsonl');
    await writeFile(file, '{"question":"What is VaSSO?","expected":["seed-papers.jsonl:1"]}\n{"question":"x?","expected":["seed-papers.jsonl:99"]}\n');
    const config = parseConfig({ ...ws.env, EMBEDDINGS: 'lexical' }, ws.dir);
    const app = createApp(config, { logger: silentLogger });
    const error = await runEvaluation(request(['--questions', file]), { app, notify: () => {} }).catch((e: unknown) => e);
    await app.close();
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toContain('bad-questions.jsonl:2: "seed-papers.jsonl:99" matches no paper');
  });
});
