/**
 * How the terminal commands that build the index (index, import, fetch) show what the build did: the corpus
 * problems on stderr, grouped by file and kind, the summary on stdout (or wherever `notes` go), and
 * `--report FILE`: every problem, one per line, in a file of its own.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError, describeError } from '../core/errors.ts';
import type { App } from '../app.ts';
import type { BuildReport } from '../indexing/build-index.ts';
import { describeBuildParts } from '../indexing/describe-build.ts';

export interface PrintBuildOptions {
  stderr: NodeJS.WritableStream;
  /** Where the summary goes (stderr when stdout is kept for JSON). */
  notes: NodeJS.WritableStream;
  /** How to get every problem, said when the grouped lines name only the first few; null: say nothing. */
  reportHint: string | null;
}

export function printBuildReport(report: BuildReport, { stderr, notes, reportHint }: PrintBuildOptions): void {
  const { problems, summary, abbreviated } = describeBuildParts(report);
  for (const text of problems) stderr.write(`${text}\n`);
  if (abbreviated && reportHint !== null) stderr.write(`${reportHint}\n`);
  for (const text of summary) notes.write(`${text}\n`);
}

/** Writes `lines` (e.g. reportLines of a build's problems), one per line, to `file`; an empty file when there are none. */
export function writeProblemReport(file: string, lines: readonly string[]): void {
  try {
    writeFileSync(path.resolve(file), lines.map((l) => `${l}\n`).join(''));
  } catch (error) {
    throw new UserError('E_REPORT_UNWRITABLE', `Cannot write the report file ${file} (${describeError(error)}): give --report a path in a folder you can write to.`, { cause: error });
  }
}

/** Loads the embedder the build will use, first, so why it is lexical only (if it is) is said before the build's progress. */
export async function warnAboutEmbedder(app: Pick<App, 'embedder'>, stderr: NodeJS.WritableStream): Promise<void> {
  const { warning } = await app.embedder();
  if (warning !== null) stderr.write(`${warning}\n`);
}
