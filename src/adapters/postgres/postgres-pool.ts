/**
 * The connection pool to PostgreSQL (`DATABASE_URL`), and the one place where what `pg` throws becomes what a
 * person reads. Every query of the Postgres adapters goes through `PostgresPool.query`: a server that is
 * down or restarting (refused, reset, "terminated unexpectedly") fails that operation with one sentence
 * (E_DATABASE_UNAVAILABLE) and the pool drops the broken connection, so the next operation connects again;
 * a statement cancelled by `DATABASE_STATEMENT_TIMEOUT_MS` says so (E_DATABASE_TIMEOUT). Those sentences
 * may reach a Discord user, so they name no host (the log does, without the password). Anything else (an
 * SQL error is a bug of ours) is thrown as `pg` threw it. The password never reaches a message or a log.
 */
import pg from 'pg';
import { UserError } from '../../core/errors.ts';
import { silentLogger, type Logger } from '../../core/logger.ts';
import { errorCode } from '../../indexing/write-failure.ts';

export interface PostgresPoolOptions {
  /** `postgres://user:password@host:5432/database` */
  url: string;
  /** Connections kept open at most (DATABASE_POOL_SIZE). */
  poolSize: number;
  /** The server cancels a statement that runs longer (DATABASE_STATEMENT_TIMEOUT_MS). */
  statementTimeoutMs: number;
  /** Giving up on connecting after this long (default 10 s): a silent network is not waited on forever. */
  connectTimeoutMs?: number;
  logger?: Logger;
}

/** One query's text and values, as `pg` takes them. */
export type SqlValues = readonly unknown[];

export class PostgresPool {
  /** The URL without its password, for messages and logs. */
  readonly where: string;
  private readonly pool: pg.Pool;
  private readonly statementTimeoutMs: number;
  private readonly logger: Logger;
  private ended: Promise<void> | undefined;

  constructor({ url, poolSize, statementTimeoutMs, connectTimeoutMs = 10_000, logger = silentLogger }: PostgresPoolOptions) {
    this.where = describeDatabaseUrl(url);
    this.statementTimeoutMs = statementTimeoutMs;
    this.logger = logger;
    this.pool = new pg.Pool({ connectionString: url, max: poolSize, statement_timeout: statementTimeoutMs, connectionTimeoutMillis: connectTimeoutMs });
    // An idle connection the server closes (a restart) is reported here, not to a caller: without a
    // listener it would be an uncaught 'error' event. The pool has already dropped that connection.
    this.pool.on('error', (error) => logger.warn({ database: this.where, error: error.message }, 'an idle database connection was closed by the server'));
  }

  /** Runs one statement on any free connection; rows typed by the caller. */
  async query<Row extends object>(text: string, values: SqlValues = []): Promise<Row[]> {
    return (await this.run<Row>(text, values)).rows;
  }

  /** Runs one statement and says how many rows it wrote (an `INSERT … ON CONFLICT DO NOTHING` claim: 0 or 1). */
  async execute(text: string, values: SqlValues = []): Promise<number> {
    return (await this.run(text, values)).rowCount ?? 0;
  }

  private async run<Row extends object>(text: string, values: SqlValues): Promise<pg.QueryResult<Row>> {
    try {
      return await this.pool.query<Row>(text, values as unknown[]);
    } catch (error) {
      throw this.explain(error);
    }
  }

  /** Runs `work` in one transaction on one connection: committed when it returns, rolled back when it throws. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw this.explain(error);
    }
    let connectionLost = false;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // When the connection is gone (usually why the work failed), the server has rolled back by itself.
      const rollbackFailed = await client.query('ROLLBACK').then(
        () => false,
        () => true,
      );
      connectionLost = rollbackFailed || isConnectionError(error);
      throw this.explain(error);
    } finally {
      // A broken connection is destroyed, not given to the next caller.
      client.release(connectionLost);
    }
  }

  /** Connections open now, idle or in use (a server that closed them leaves none). */
  openConnections(): number {
    return this.pool.totalCount;
  }

  /** Closes every connection; idempotent (pg throws on a second `end`). */
  close(): Promise<void> {
    this.ended ??= this.pool.end();
    return this.ended;
  }

  /** What went wrong, as a person reads it; unrelated errors unchanged. */
  explain(error: unknown): unknown {
    if (error instanceof UserError) return error;
    if (isTimeout(error)) {
      return new UserError('E_DATABASE_TIMEOUT', `The database took longer than DATABASE_STATEMENT_TIMEOUT_MS (${this.statementTimeoutMs} ms) and cancelled the statement; try again, or raise the limit.`, { cause: error });
    }
    if (isConnectionError(error)) {
      const detail = error instanceof Error ? error.message : String(error);
      this.logger.warn({ database: this.where, error: detail }, 'the database is unreachable');
      return new UserError('E_DATABASE_UNAVAILABLE', `The database is unreachable (${connectionReason(error)}): check that PostgreSQL is running and DATABASE_URL is right; the next operation connects again.`, { cause: error });
    }
    return error;
  }
}

/** `postgres://user@host:port/database`: the URL without its password or query. */
export function describeDatabaseUrl(url: string): string {
  const parsed = new URL(url);
  const user = parsed.username === '' ? '' : `${decodeURIComponent(parsed.username)}@`;
  return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}`;
}

/** SQLSTATE classes and codes of a connection that failed or was closed by the server, and Node's socket errors. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '53300']);

function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = errorCode(error);
  if (code !== undefined) return CONNECTION_CODES.has(code) || code.startsWith('08');
  // pg reports a socket closed under it, and a connect that timed out, without a code.
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(error.message);
}

/** What happened to the connection, in words that name no host (pg's own messages often do). */
function connectionReason(error: unknown): string {
  const code = errorCode(error);
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ETIMEDOUT' || (error instanceof Error && /timeout/i.test(error.message))) return 'timed out connecting';
  if (code === '57P01' || code === '57P02' || code === '57P03') return 'the server is shutting down or starting up';
  if (code === '53300') return 'too many connections';
  return 'the connection was closed';
}

function isTimeout(error: unknown): boolean {
  // 57014 query_canceled: what statement_timeout raises (nothing of ours cancels statements otherwise).
  return error instanceof Error && errorCode(error) === '57014';
}
