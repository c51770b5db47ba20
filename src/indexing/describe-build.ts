/**
 * What a person reads after an index build (the terminal prints it, the bot logs it): what changed, what was
 * skipped and where.
 */
import { describeProblemCounts, summarizeProblems } from '../core/corpus/corpus-report.ts';
import type { BuildReport } from './build-index.ts';
import { describeRepair } from './inspect-build.ts';

/** Lines a person reads after a build: what changed, what was skipped and where. */
export function describeBuild(report: BuildReport): string[] {
  const { problems, summary } = describeBuildParts(report);
  return [...problems, ...summary];
}

/**
 * The same, apart: `problems` (one line per file and kind, for stderr), `summary` (what the build did, then
 * how many lines were skipped or warned about), and whether the problem lines name only the first few.
 */
export function describeBuildParts(report: BuildReport): { problems: string[]; summary: string[]; abbreviated: boolean } {
  const { stats, manifest, problems } = report;
  const grouped = summarizeProblems(problems);
  const lines: string[] = [];
  if (report.repaired !== null) lines.push(describeRepair(report.location, report.repaired));
  if (report.upToDate) {
    lines.push(`Index is up to date: ${manifest.counts.papers} papers, ${manifest.counts.passages} passages; embedded 0 papers.`);
  } else {
    const vectors = manifest.embeddings === null ? 'lexical only (no embeddings)' : `embedded ${stats.embeddedPapers} paper${stats.embeddedPapers === 1 ? '' : 's'} (${stats.embedded} passage${stats.embedded === 1 ? '' : 's'}) with ${manifest.embeddings.modelId}`;
    lines.push(
      `Indexed ${manifest.counts.papers} papers, ${manifest.counts.passages} passages: ${stats.added} added, ${stats.updated} updated, ${stats.removed} removed; ${vectors}; ${(stats.durationMs / 1000).toFixed(1)} s.`,
    );
  }
  lines.push(...describeProblemCounts(problems));
  return { problems: grouped.lines, summary: lines, abbreviated: grouped.abbreviated };
}
