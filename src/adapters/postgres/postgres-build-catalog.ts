/**
 * The build catalog on PostgreSQL: which build answers is the one row of `index_catalog` (its id, manifest
 * and corpus-lines record), and a build is ONE transaction on a connection of its own, so it is atomic the
 * way PostgreSQL makes everything atomic: the build writes the live papers, passages and vectors tables,
 * readers on other sessions see the previous build until `publish` writes the row and COMMITs, `discard`
 * ROLLBACKs, and a build whose process dies loses its connection, which the server rolls back by itself.
 *
 * One build at a time: the build's connection takes a session-level advisory lock first, which the server
 * releases when that session ends (a killed build cannot leave a stale lock behind). A second build is
 * refused with who holds it: the holder's backend pid, its application_name (this module names the host and
 * process in it) and since when it is connected, from pg_locks and pg_stat_activity.
 */
import os from 'node:os';
import pg from 'pg';
import { describeError, UserError } from '../../core/errors.ts';
import { silentLogger, type Logger } from '../../core/logger.ts';
import { checkManifest } from '../../indexing/manifest.ts';
import type { Sql } from './postgres-paper-store.ts';
import type { PostgresPool } from './postgres-pool.ts';
import { vectorTable, vectorTables } from './postgres-vector-index.ts';

/** Any fixed number besides the migrations' (7_212_026): every paperbot build on one database takes this one. */
export const BUILD_LOCK = 7_212_027;

/** Giving up on connecting the build's session (the pool's default too): a silent network is not waited on forever. */
const CONNECT_TIMEOUT_MS = 10_000;

/** What sentences call a build's manifest and corpus-lines record. */
const MANIFEST_ROW = 'the manifest row in PostgreSQL';

const HANDLE = /^pg:(.+)$/;

/** A build's handle, as the build and the open index pass it around (where SQLite passes a folder). */
function buildHandle(buildId: string): string {
  return `pg:${buildId}`;
}

function buildIdOf(handle: string): string {
  const match = HANDLE.exec(handle);
  if (match === null) throw new RangeError(`not a PostgreSQL build handle: ${handle}`);
  return match[1] as string;
}

export interface PostgresBuildCatalogOptions {
  /** Where readers read the catalog; its `where` names the database in sentences. */
  pool: PostgresPool;
  /** The same database, for the build's own connection (held for the whole build, outside the pool). */
  url: string;
  logger?: Logger;
}

/** The build's connection once it has begun: the stores of the started build write through it. */
interface StartedBuild {
  handle: string;
  buildId: string;
  lines: string | null;
  /** BEGIN was sent: it is sent with the build's first statement (see begin). */
  open: boolean;
}

export class PostgresBuildCatalog {
  readonly location: string;
  /** Every machine pointed at the database builds into it, each from its own corpus folder. */
  readonly sharedByMachines = true;
  /** One set of live tables: a published build replaces the previous one's papers and vectors in place. */
  readonly replacesInPlace = true;
  private readonly pool: PostgresPool;
  private readonly url: string;
  private readonly logger: Logger;
  private session: pg.Client | undefined;
  private started: StartedBuild | undefined;
  /** The build's statements so far: the next waits for them. */
  private queue: Promise<void> = Promise.resolve();

  constructor({ pool, url, logger = silentLogger }: PostgresBuildCatalogOptions) {
    this.pool = pool;
    this.url = url;
    this.logger = logger;
    this.location = `the PostgreSQL database ${pool.where}`;
  }

  /** The current build's handle, or null before the first build: one indexed read of one row. */
  async current(): Promise<string | null> {
    const [row] = await this.pool.query<{ buildId: string }>('SELECT build_id AS "buildId" FROM index_catalog');
    return row === undefined ? null : buildHandle(row.buildId);
  }

  /** Connects the build's session and takes the build lock on it; resolves to its release (unlock, disconnect). */
  async lock(): Promise<() => Promise<void>> {
    if (this.session !== undefined) throw new Error('this process already holds the build lock');
    // No statement timeout on this session: a build's statements (the HNSW index over 100k vectors) may run for
    // minutes, and a build that dies takes its session, transaction and lock with it. Connecting is bounded, as the pool's is.
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: `paperbot index build, host ${os.hostname()}, pid ${process.pid}` });
    // A connection the server drops mid-build is reported to the statement that meets it; this keeps it from being an uncaught 'error' event.
    client.on('error', (error) => this.logger.warn({ database: this.pool.where, error: error.message }, 'the index build lost its database connection'));
    try {
      await client.connect();
      const [row] = (await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [BUILD_LOCK])).rows;
      if (row?.locked !== true) throw await this.refusal(client);
    } catch (error) {
      await client.end().catch(() => undefined); // the refusal (or the connection failure) is what to report
      throw this.pool.explain(error);
    }
    this.session = client;
    return async () => {
      if (this.session !== client) return;
      if (this.started !== undefined) await this.discard(this.started.handle).catch(() => undefined); // ending the session rolls back anyway
      this.session = undefined;
      await this.end(client);
    };
  }

  /** Ends a build this process still holds (its transaction rolls back, its lock is released): for shutdown. */
  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    this.started = undefined;
    if (session !== undefined) await this.end(session);
  }

  /** Ends the build's session, which releases the advisory lock with it (and rolls back what it had not committed). */
  private async end(session: pg.Client): Promise<void> {
    await session.end().catch((error: unknown) => this.logger.warn({ database: this.pool.where, error: String(error) }, 'the index build could not close its database connection'));
  }

  /**
   * Starts build `buildId` on the build's session; its stores write the live tables through `buildSql()`. BEGIN
   * goes out with the build's first statement, not now: until the build writes, this process may still read
   * the previous build through the pool (a forced rebuild reads each paper's entry time so), which PGlite's
   * single session could not serve while a transaction of another connection is open.
   */
  async begin(buildId: string): Promise<string> {
    this.lockedSession();
    if (this.started !== undefined) throw new Error(`build ${this.started.buildId} is still open`);
    this.started = { handle: buildHandle(buildId), buildId, lines: null, open: false };
    return this.started.handle;
  }

  /** Writes the catalog row of the started build and COMMITs: from now on every reader sees it. */
  async publish(started: string, manifestText: string): Promise<string> {
    const build = this.startedBuild(started);
    const session = this.lockedSession();
    await this.opened(build, session);
    await this.run(
      session,
      `INSERT INTO index_catalog (one, build_id, manifest, corpus_lines, published_at) VALUES (true, $1, $2, $3, now())
       ON CONFLICT (one) DO UPDATE SET build_id = EXCLUDED.build_id, manifest = EXCLUDED.manifest, corpus_lines = EXCLUDED.corpus_lines, published_at = EXCLUDED.published_at`,
      [build.buildId, manifestText, build.lines],
    );
    await this.run(session, 'COMMIT');
    this.started = undefined;
    return build.handle;
  }

  /**
   * Throws away the started build: ROLLBACK. A connection that is gone (often why the build failed) cannot
   * send it, and needs not: the server rolled the transaction back when the session ended. So that is logged,
   * and the build's own error is what its caller reports.
   */
  async discard(started: string): Promise<void> {
    const build = this.startedBuild(started);
    this.started = undefined;
    const session = this.lockedSession();
    if (!build.open) return; // it wrote nothing
    try {
      await this.run(session, 'ROLLBACK');
    } catch (error) {
      this.logger.warn({ database: this.pool.where, error: describeError(error) }, 'the failed index build could not send ROLLBACK; its session is gone, so the server rolled it back');
    }
  }

  /**
   * Nothing of a killed build outlives its transaction; what is left of other builds is the vectors of a model
   * the current build no longer uses (a model change), dropped here once readers follow the new build.
   */
  async removeStale(): Promise<void> {
    const current = await this.current();
    const keep = current === null ? null : await this.manifestDims(current);
    for (const dims of await vectorTables(this.pool)) {
      if (dims !== keep) await this.pool.query(`DROP TABLE IF EXISTS ${vectorTable(dims)}`);
    }
  }

  /** The dimensions of the vectors build `build` uses, per its manifest; null for a lexical-only build or none. */
  async manifestDims(build: string): Promise<number | null> {
    const read = await this.readManifest(build);
    if (!('text' in read)) return null;
    const checked = checkManifest(read.text);
    return 'manifest' in checked ? (checked.manifest.embeddings?.dims ?? null) : null;
  }

  /** The manifest of build `build` (the current one: the live tables hold no other), or why there is none. */
  async readManifest(build: string): Promise<{ name: string; text: string } | { name: string; problem: string }> {
    const [row] = await this.pool.query<{ buildId: string; manifest: string }>('SELECT build_id AS "buildId", manifest FROM index_catalog');
    if (row === undefined) return { name: MANIFEST_ROW, problem: 'is missing: no build was published yet' };
    const id = buildIdOf(build);
    if (row.buildId !== id) return { name: MANIFEST_ROW, problem: `is of build ${row.buildId}, not ${id}: a newer build has replaced it` };
    return { name: MANIFEST_ROW, text: row.manifest };
  }

  /** The corpus-lines record of a build (the started one's as written so far), or null when it has none. */
  async readLines(build: string): Promise<string | null> {
    const id = buildIdOf(build);
    if (this.started?.buildId === id) return this.started.lines;
    const [row] = await this.pool.query<{ buildId: string; lines: string | null }>('SELECT build_id AS "buildId", corpus_lines AS lines FROM index_catalog');
    return row !== undefined && row.buildId === id ? row.lines : null;
  }

  /** Kept with the started build and written into its catalog row by `publish`. */
  async writeLines(started: string, text: string): Promise<void> {
    this.startedBuild(started).lines = text;
  }

  /**
   * The started build's statements (inside its transaction), or undefined when no build has begun in this
   * process (or, given `handle`, when that is not the started build's).
   */
  buildSql(handle?: string): Sql | undefined {
    const session = this.session;
    const build = this.started;
    if (session === undefined || build === undefined || (handle !== undefined && handle !== build.handle)) return undefined;
    // One connection runs one statement at a time: callers that ask at once (Promise.all) are queued in order.
    return {
      query: <Row extends object>(text: string, values?: readonly unknown[]) => {
        const result = this.queue.then(async () => {
          await this.opened(build, session);
          return (await this.run<Row>(session, text, values)).rows;
        });
        this.queue = result.then(
          () => undefined,
          () => undefined,
        );
        return result;
      },
    };
  }

  /** Sends the build's BEGIN if it has not gone out yet. */
  private async opened(build: StartedBuild, session: pg.Client): Promise<void> {
    if (build.open) return;
    await this.run(session, 'BEGIN');
    build.open = true;
  }

  private async run<Row extends object>(session: pg.Client, text: string, values: readonly unknown[] = []): Promise<pg.QueryResult<Row>> {
    try {
      return await session.query<Row>(text, values as unknown[]);
    } catch (error) {
      throw this.pool.explain(error);
    }
  }

  private lockedSession(): pg.Client {
    if (this.session === undefined) throw new Error('take the build lock (catalog.lock()) before starting a build');
    return this.session;
  }

  private startedBuild(handle: string): StartedBuild {
    if (this.started?.handle !== handle) throw new Error(`${handle} is not the build this process started`);
    return this.started;
  }

  /** The sentence of a build refused because another holds the lock, naming the holder as far as this role may see it. */
  private async refusal(client: pg.Client): Promise<UserError> {
    const { rows } = await client.query<{ pid: number; app: string | null; client: string | null; since: Date | null }>(
      `SELECT a.pid, a.application_name AS app, coalesce(host(a.client_addr), 'a local socket') AS client, a.backend_start AS since
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.classid = 0 AND l.objid = $1 AND l.objsubid = 1 AND l.granted`,
      [BUILD_LOCK],
    );
    const holder = rows[0];
    const who =
      holder === undefined
        ? 'a session this database role may not see'
        : `PostgreSQL backend pid ${holder.pid}${holder.app ? `, "${holder.app}"` : ''}, connected from ${holder.client ?? 'an address this role may not see'}${holder.since ? ` since ${holder.since.toISOString()}` : ''}`;
    return new UserError(
      'E_BUILD_RUNNING',
      `Another index build is running on ${this.pool.where} (${who}); wait for it to finish: its lock ends with its database session, so a build that was killed frees it by itself.`,
    );
  }
}
