/**
 * The evaluation report as the table a person reads: the same numbers as `npm run eval -- --json`.
 */
import { EVAL_MODES, type EvalReport } from '../eval/eval-report.ts';

export function renderEvalReport(report: EvalReport): string {
  const { questions, corpus, settings } = report;
  const lines = [
    `paperbot retrieval evaluation, ${report.date}`,
    `questions: ${report.questionsFile}: ${questions.total} (${questions.answerable} answerable, ${questions.unanswerable} the corpus cannot answer)`,
    `corpus:    ${corpus.papers} papers, ${corpus.passages} passages${corpus.distractors > 0 ? `, of which ${corpus.distractors} distractors from ${corpus.distractorsFile ?? '?'}` : ''} (${corpus.index} index)`,
    `dense:     ${report.embeddings ?? `not measured (${report.notMeasured.dense ?? 'no model'})`}`,
    `settings:  TOP_K=${settings.topK} MAX_PASSAGES_PER_PAPER=${settings.maxPassagesPerPaper} GATE_MIN_COVERAGE=${settings.gateMinCoverage} GATE_MIN_SIMILARITY=${settings.gateMinSimilarity ?? 'unset'}`,
    '',
    'mode      recall@1 recall@3 recall@5   MRR  refusal-P refusal-R  refused  p50/p95 ms',
  ];
  for (const mode of EVAL_MODES) {
    const m = report.modes[mode];
    if (m === null) {
      lines.push(`${mode.padEnd(9)} not measured`);
      continue;
    }
    lines.push(
      `${mode.padEnd(9)}   ${number(m.recallAt1)}    ${number(m.recallAt3)}    ${number(m.recallAt5)} ${number(m.mrr)}      ${number(m.refusalPrecision)}     ${number(m.refusalRecall)}  ${String(m.refused).padStart(3)}/${m.questions}  ${m.latency.p50Ms.toFixed(1)}/${m.latency.p95Ms.toFixed(1)}`,
    );
  }
  lines.push('', `recall@3 (answerable questions refused) by kind of question, refusals for the kinds the corpus cannot answer:`);
  lines.push(`${'kind'.padEnd(14)} ${'n'.padStart(3)}  ${EVAL_MODES.map((m) => m.padStart(10)).join(' ')}`);
  for (const kind of Object.keys(questions.byKind)) {
    const cells = EVAL_MODES.map((mode) => {
      const m = report.modes[mode]?.byKind[kind];
      if (m === undefined) return '         —';
      if (m.answerable === 0) return `${m.refused}/${m.questions} ref`.padStart(10);
      return `${number(m.recallAt3)} (${m.refused})`.padStart(10);
    });
    lines.push(`${kind.padEnd(14)} ${String(questions.byKind[kind]).padStart(3)}  ${cells.join(' ')}`);
  }
  lines.push('', 'recall@k: an expected paper is among the top k papers retrieved (gate ignored); MRR over the top 20 passages;');
  lines.push('refusal-P/R: precision and recall of the relevance gate refusing the questions the corpus cannot answer;');
  lines.push('p50/p95 ms: one retrieval as the bot runs it (gate on), median and 95th percentile over the questions.');
  if (report.sweep !== undefined) lines.push(...renderSweep(report.sweep));
  if (report.signalSweep !== undefined) lines.push(...renderSignalSweep(report.signalSweep));
  if (report.details !== undefined) lines.push(...renderDetails(report.details));
  return lines.join('\n');
}

function number(x: number | null): string {
  return x === null ? '   — ' : x.toFixed(2).padStart(5);
}

function renderSweep(sweep: NonNullable<EvalReport['sweep']>): string[] {
  const lines = ['', 'gate sweep: refusal precision/recall (answerable questions refused) for other thresholds, same retrievals:'];
  for (const mode of EVAL_MODES) {
    const points = sweep[mode];
    if (points === undefined) continue;
    const coverages = [...new Set(points.map((p) => p.gateMinCoverage))];
    const similarities = [...new Set(points.map((p) => p.gateMinSimilarity))];
    lines.push(`  ${mode}: GATE_MIN_COVERAGE across, GATE_MIN_SIMILARITY down`);
    lines.push(`  ${''.padEnd(6)} ${coverages.map((c) => String(c).padStart(15)).join('')}`);
    for (const s of similarities) {
      const row = points.filter((p) => p.gateMinSimilarity === s).map((p) => ` ${`${number(p.refusalPrecision).trim()}/${number(p.refusalRecall).trim()} (${p.falseRefusals})`.padStart(14)}`);
      lines.push(`  ${(s === undefined ? 'unset' : String(s)).padEnd(6)} ${row.join('')}`);
    }
  }
  return lines;
}

function renderSignalSweep(sweep: NonNullable<EvalReport['signalSweep']>): string[] {
  const lines = ['', 'gate signals, one threshold at a time (the others at their defaults; "off" = veto off), refusal P/R (answerable refused):'];
  for (const mode of EVAL_MODES) {
    const points = sweep[mode];
    if (points === undefined) continue;
    lines.push(`  ${mode}:`);
    for (const threshold of [...new Set(points.map((p) => p.threshold))]) {
      const cells = points.filter((p) => p.threshold === threshold).map((p) => `${Number.isFinite(p.value) ? p.value : 'off'} ${number(p.refusalPrecision).trim()}/${number(p.refusalRecall).trim()} (${p.falseRefusals})`);
      lines.push(`    ${threshold.padEnd(27)} ${cells.join('  ')}`);
    }
  }
  return lines;
}

function renderDetails(details: NonNullable<EvalReport['details']>): string[] {
  const lines = ['', 'per question (rank of the expected paper, R = refused):'];
  for (const d of details) {
    const cells = EVAL_MODES.map((mode) => {
      const m = d.modes[mode];
      if (m === undefined) return `${mode}: —`;
      return `${mode}: ${m.rank ?? (d.expected.length === 0 ? '' : 'miss')}${m.refused ? ' R' : ''}`;
    });
    lines.push(`  ${String(d.line).padStart(3)} ${d.kind.padEnd(12)} ${cells.join(', ').padEnd(50)} ${d.question}`);
    for (const mode of EVAL_MODES) {
      const m = d.modes[mode];
      // Only the surprises: a wrong refusal decision, or the expected paper below rank 3.
      if (m !== undefined && (m.refused !== (d.expected.length === 0) || (d.expected.length > 0 && (m.rank ?? 99) > 3))) {
        lines.push(`        ${mode}: top ${m.top.join(' ')}; gate: ${m.gate}`);
      }
    }
  }
  return lines;
}
