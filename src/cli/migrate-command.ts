/**
 * `npm run migrate-to-postgres`: moves an install's precious state (DATA_DIR/state.sqlite) into the PostgreSQL
 * database of DATABASE_URL, for an install that switches to PostgreSQL ("Running past one machine" in the
 * README). The copy itself is copy-state-to-postgres.ts; this command checks what it is given, holds the data
 * folder's bot lock while it copies (a bot still writing to state.sqlite would lose what it writes after the
 * snapshot), and says what was copied and what is left to do: the index is not copied but rebuilt from the
 * corpus, which is where it always comes from.
 */
import { existsSync } from 'node:fs';
import { lockDataFolder } from '../adapters/data-folder-lock.ts';
import { copyStateToPostgres } from '../adapters/postgres/copy-state-to-postgres.ts';
import { PostgresStateDatabase } from '../adapters/postgres/postgres-state-database.ts';
import { StateDatabase, type StateSnapshot } from '../adapters/store/state-database.ts';
import { UserError } from '../core/errors.ts';
import { defineCommandLine, parseCommandLine, printHelp } from './command-line.ts';
import { printBuildReport, warnAboutEmbedder } from './print-build-report.ts';
import { progressReporter } from './progress-bar.ts';
import type { CommandContext } from './run-main.ts';

export const MIGRATE_COMMAND_LINE = defineCommandLine({
  command: 'npm run migrate-to-postgres --',
  summary:
    'Copies the state of this install (DATA_DIR/state.sqlite: digest subscriptions and what was posted, answers with their evidence and votes, digest votes, server settings) into the empty PostgreSQL database of DATABASE_URL, in one transaction, and checks the counts after it.',
  options: {
    index: { type: 'boolean', description: 'then build the index from the corpus into PostgreSQL, as `DATABASE_URL=… npm run index` does' },
  },
  notes: [
    'Stop the bot first (the command refuses while one runs on DATA_DIR). state.sqlite stays where it is: keep it as a backup.',
    'The index is not copied: it is built from the corpus into PostgreSQL (--index, or `DATABASE_URL=… npm run index` afterwards).',
  ],
});

export async function migrateCommand({ argv, config, logger, app, stdout, stderr }: CommandContext): Promise<number> {
  const line = parseCommandLine(MIGRATE_COMMAND_LINE, argv);
  if (line.help) return printHelp(MIGRATE_COMMAND_LINE, stdout);
  const { url, poolSize, statementTimeoutMs } = config.database;
  if (url === undefined) {
    throw new UserError('E_MIGRATE_NO_DATABASE', 'DATABASE_URL is not set: migrate-to-postgres copies the state into the PostgreSQL database it names (postgres://user:password@host:5432/paperbot).');
  }
  if (!existsSync(config.stateFile)) {
    throw new UserError('E_MIGRATE_NO_STATE', `There is no state database at ${config.stateFile} to copy: set DATA_DIR to the data folder of the install you are moving.`);
  }
  const lock = lockDataFolder(config.dataDir);
  try {
    const snapshot = readSnapshot(config.stateFile);
    const target = await PostgresStateDatabase.open({ url, poolSize, statementTimeoutMs, logger });
    try {
      const copied = await copyStateToPostgres(snapshot, target);
      const width = Math.max(...copied.map((t) => t.table.length));
      stdout.write(
        [
          `Copied the state from ${config.stateFile} to ${target.pool.where}, in one transaction:`,
          ...copied.map((t) => `  ${t.table.padEnd(width)}  ${t.rows} ${t.rows === 1 ? 'row' : 'rows'}`),
          `Checked after COMMIT: each table holds as many rows in PostgreSQL as in state.sqlite (${sum(copied)} in all). ${config.stateFile} stays where it is: keep it as a backup.`,
          line.options.index
            ? `The index is not copied: building it from the corpus (${config.corpusDir}) into PostgreSQL …`
            : 'The index is not copied: build it from the corpus into PostgreSQL with `DATABASE_URL=… npm run index` (or run this command with --index).',
          '',
        ].join('\n'),
      );
    } finally {
      await target.close();
    }
  } finally {
    lock.release();
  }
  if (line.options.index) {
    // The state is committed by now: a build that fails says so, and `npm run index` can be run again alone.
    await warnAboutEmbedder(app, stderr);
    printBuildReport(await app.buildIndex({ onProgress: progressReporter(stderr) }), { stderr, notes: stdout, reportHint: 'Every problem, one per line: npm run index -- --report FILE' });
  }
  return 0;
}

/** The whole SQLite state, read once (opening it refuses a damaged file or one a newer paperbot wrote). */
function readSnapshot(file: string): StateSnapshot {
  const source = StateDatabase.open(file);
  try {
    return source.snapshot();
  } finally {
    source.close();
  }
}

function sum(tables: readonly { rows: number }[]): number {
  return tables.reduce((total, t) => total + t.rows, 0);
}
