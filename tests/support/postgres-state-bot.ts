/**
 * A bot process whose state is on the PostgreSQL at argv[2] (the index in the data folder's SQLite/hnswlib),
 * for the tests of several bot processes sharing one database while DATABASE_URL cannot select PostgreSQL for
 * everything yet. It is `npm start`'s bot with the config from the environment and the app from createApp,
 * but no data-folder lock: the processes of such a test share one data folder, and the database, not the
 * lock, is what has to keep them from doing a thing twice. SIGTERM shuts it down gracefully (exit 0).
 */
import { createApp } from '../../src/app.ts';
import { createLogger } from '../../src/adapters/logger.ts';
import { loadConfig } from '../../src/config.ts';
import { withRequestIds } from '../../src/core/request-context.ts';
import { runBot } from '../../src/discord/run-bot.ts';

const url = process.argv[2];
if (url === undefined) throw new Error('usage: postgres-state-bot.ts <postgres url>');
const config = loadConfig();
const logger = withRequestIds(createLogger({ level: config.logLevel ?? 'info' }));
const app = createApp(config, { logger, postgresStateUrl: url });
const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
let code = 1;
try {
  code = await runBot({ app, stop: stop.signal });
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
} finally {
  await app.close();
}
process.stdout.write('', () => process.exit(code));
