/**
 * What a person reads after an index build (the terminal prints it, the bot logs it): what changed, what was
 * skipped and where.
 */
import path from 'node:path';
import type { BuildReport } from './build-index.ts';
import { describeRepair } from './inspect-build.ts';

/** Lines a person reads after a build: what changed, what was skipped and where. */
export function describeBuild(report: BuildReport): string[] {
  const { stats, manifest, problems } = report;
  const lines = problems.map((p) => `skipped ${p.line > 0 ? `${p.file}:${p.line}` : p.file}: ${p.message.replace(/; skipped$/, '')}`);
  // builds/<id>/ inside the index folder.
  if (report.repaired !== null) lines.push(describeRepair(path.dirname(path.dirname(report.buildDir)), report.repaired));
  if (report.upToDate) {
    lines.push(`Index is up to date: ${manifest.counts.papers} papers, ${manifest.counts.passages} passages; embedded 0 papers.`);
  } else {
    const vectors = manifest.embeddings === null ? 'lexical only (no embeddings)' : `embedded ${stats.embeddedPapers} paper${stats.embeddedPapers === 1 ? '' : 's'} (${stats.embedded} passage${stats.embedded === 1 ? '' : 's'}) with ${manifest.embeddings.modelId}`;
    lines.push(
      `Indexed ${manifest.counts.papers} papers, ${manifest.counts.passages} passages: ${stats.added} added, ${stats.updated} updated, ${stats.removed} removed; ${vectors}; ${(stats.durationMs / 1000).toFixed(1)} s.`,
    );
  }
  if (problems.length > 0) lines.push(`${problems.length} corpus line${problems.length === 1 ? ' was' : 's were'} skipped (run with --strict or CORPUS_STRICT=true to stop on them instead).`);
  return lines;
}
