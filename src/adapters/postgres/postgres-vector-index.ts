/**
 * Passage vectors on PostgreSQL with pgvector: one table per model dimension (`passage_vectors_<dims>`, its
 * column `vector(dims)` made when a build first uses that model), keyed by passage id (deleting a passage
 * deletes its vector), with an HNSW index (`vector_cosine_ops`, the configured m and ef_construction).
 * Similarity is 1 - the cosine distance `<=>`, as hnswlib's cosine space gives it; vectors are stored
 * normalized, as hnswlib stores them. Every search sets `hnsw.ef_search` for its own transaction only
 * (`SET LOCAL`), so a pool's connections carry no setting from one caller to the next.
 *
 * Writing happens inside the build's transaction (postgres-build-catalog.ts): readers keep seeing the
 * previous build's vectors until it commits. A first load into an empty table builds the HNSW index once
 * after the rows are in (pgvector's advice: much faster than growing the graph row by row); later builds
 * insert into the indexed table. Rows go in as multi-row INSERTs of up to FLUSH_VECTORS.
 */
import { UserError } from '../../core/errors.ts';
import type { VectorHit } from '../../core/retrieval/vector-index.ts';
import type { Sql } from './postgres-paper-store.ts';

/** HNSW build parameters (the manifest's) and the search-time ef. */
export interface PgHnswParams {
  m: number;
  efConstruction: number;
  efSearch: number;
}

/** Where the vector statements run: plain statements, and a transaction for a search's SET LOCAL. */
export interface VectorSql extends Sql {
  /** Runs `work` in a transaction (a reader: one from the pool; the build: its own, already open). */
  inTransaction<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
}

const FLUSH_VECTORS = 256;

/** pgvector's limit for an HNSW index over `vector` columns. */
const HNSW_MAX_DIMS = 2_000;

/** The table of vectors of `dims` dimensions; dims is checked to be a small positive integer before it names anything. */
export function vectorTable(dims: number): string {
  if (!Number.isInteger(dims) || dims < 1 || dims > 16_000) throw new RangeError(`invalid vector dimensions ${dims}: expected an integer in 1..16000 (pgvector's limit)`);
  return `passage_vectors_${dims}`;
}

/** What sentences call the vectors of `dims` dimensions (FileDamage.file). */
export function vectorTableName(dims: number): string {
  return `the ${vectorTable(dims)} table in PostgreSQL`;
}

async function tableExists(sql: Sql, table: string): Promise<boolean> {
  const [row] = await sql.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [table]);
  return row?.found === true;
}

/** How many vectors `table` holds (creating, checking and saving the index all compare or record it). */
async function rowCount(sql: Sql, table: string): Promise<number> {
  const [row] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return row?.n ?? 0;
}

/** The tables of vectors there are, by dimension. */
export async function vectorTables(sql: Sql): Promise<number[]> {
  const rows = await sql.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename ~ '^passage_vectors_[0-9]+$'`);
  return rows.map((r) => Number(r.name.slice('passage_vectors_'.length)));
}

export class PostgresVectorIndex {
  private pending: { label: number; vector: number[] }[] = [];
  private live: number;

  private constructor(
    private readonly sql: VectorSql,
    readonly dims: number,
    live: number,
    private readonly params: PgHnswParams,
  ) {
    this.live = live;
  }

  /**
   * An empty index of `dims` dimensions inside the build's transaction: the table is made when there is none
   * (indexed by `save`); an existing one is emptied (readers see its rows until the build commits) and keeps its
   * HNSW index unless that was built with other parameters or the table was empty anyway.
   */
  static async create(sql: VectorSql, { dims, params }: { dims: number; params: PgHnswParams }): Promise<PostgresVectorIndex> {
    const table = vectorTable(dims);
    if (dims > HNSW_MAX_DIMS) {
      throw new UserError(
        'E_VECTOR_DIMS',
        `The embedding model makes vectors of ${dims} dimensions, but pgvector's HNSW index takes at most ${HNSW_MAX_DIMS}: set EMBEDDING_MODEL to a model of ${HNSW_MAX_DIMS} dimensions or fewer (bge-small: 384), or build without DATABASE_URL (hnswlib has no such limit).`,
      );
    }
    if (!(await tableExists(sql, table))) {
      await sql.query(`CREATE TABLE ${table} (passage_id BIGINT PRIMARY KEY REFERENCES passages (id) ON DELETE CASCADE, embedding vector(${dims}) NOT NULL)`);
      return new PostgresVectorIndex(sql, dims, 0, params);
    }
    const rows = await rowCount(sql, table);
    const options = await indexOptions(sql, table);
    if (rows === 0 || (options !== null && options !== hnswOptions(params))) await sql.query(`DROP INDEX IF EXISTS ${table}_hnsw`);
    if (rows > 0) await sql.query(`DELETE FROM ${table}`);
    return new PostgresVectorIndex(sql, dims, 0, params);
  }

  /** The stored vectors of `dims` dimensions, or null when there is no such table. `live`: how many (the manifest's count). */
  static async load(sql: VectorSql, { dims, live, params }: { dims: number; live: number; params: PgHnswParams }): Promise<PostgresVectorIndex | null> {
    return (await tableExists(sql, vectorTable(dims))) ? new PostgresVectorIndex(sql, dims, live, params) : null;
  }

  /** What is wrong with the stored vectors against the manifest, as the end of a sentence, or null. One count and a catalog lookup. */
  static async check(sql: Sql, { dims, slots }: { dims: number; slots: number }): Promise<string | null> {
    const table = vectorTable(dims);
    if (!(await tableExists(sql, table))) return 'is missing, so the build has lost its vectors';
    const rows = await rowCount(sql, table);
    if (rows !== slots) return `holds ${rows} vectors, its manifest says ${slots}`;
    if (slots > 0 && (await indexOptions(sql, table)) === null) return 'has no HNSW index';
    return null;
  }

  /** Live vectors (the manifest's count when loaded; counted again by `save`). */
  get size(): number {
    return this.live + this.pending.length;
  }

  /**
   * A table has no deleted slots (VACUUM reclaims deleted rows in the HNSW index too): never worth compacting,
   * and it must not be, since compacting creates a new index of the same dimensions, which empties this table.
   */
  get slots(): number {
    return this.size;
  }

  async addBatch(items: readonly { label: number; vector: readonly number[] }[]): Promise<void> {
    for (const { label, vector } of items) this.pending.push({ label, vector: this.checked(label, vector) });
    if (this.pending.length >= FLUSH_VECTORS) await this.flush();
  }

  /** Removes vectors; returns how many were there (a passage's deletion may already have taken its vector). */
  async removeMany(labels: readonly number[]): Promise<number> {
    await this.flush();
    if (labels.length === 0) return 0;
    const gone = await this.sql.query(`DELETE FROM ${vectorTable(this.dims)} WHERE passage_id = ANY($1::bigint[]) RETURNING passage_id`, [labels]);
    this.live -= gone.length;
    return gone.length;
  }

  /** Nothing to reserve: a table grows as rows come. */
  reserve(): void {}

  /** Sends what is buffered, builds the HNSW index when there is none (the first load) and counts the rows. */
  async save(): Promise<void> {
    await this.flush();
    const table = vectorTable(this.dims);
    if ((await indexOptions(this.sql, table)) === null) {
      await this.sql.query(`CREATE INDEX ${table}_hnsw ON ${table} USING hnsw (embedding vector_cosine_ops) WITH (${hnswOptions(this.params)})`);
    }
    this.live = await rowCount(this.sql, table);
  }

  async search(vector: readonly number[], k: number): Promise<VectorHit[]> {
    if (k <= 0 || this.size <= 0) return [];
    if (vector.length !== this.dims) throw new RangeError(`query has ${vector.length} dimensions, the index has ${this.dims}`);
    await this.flush();
    // HNSW returns at most ef_search rows: at least k of them.
    const ef = Math.ceil(Math.max(this.params.efSearch, k));
    return whileTableExists(
      this.sql.inTransaction(async (sql) => {
        await sql.query(`SET LOCAL hnsw.ef_search = ${ef}`);
        return sql.query<VectorHit>(
          `SELECT passage_id::float8 AS label, (1 - (embedding <=> $1::vector))::float8 AS similarity FROM ${vectorTable(this.dims)} ORDER BY embedding <=> $1::vector LIMIT $2`,
          [literal(vector), Math.ceil(k)],
        );
      }),
      [],
    );
  }

  /** The stored (normalized) vector of a passage, or undefined when absent. */
  async getVector(label: number): Promise<number[] | undefined> {
    await this.flush();
    const [row] = await whileTableExists(this.sql.query<{ v: string }>(`SELECT embedding::text AS v FROM ${vectorTable(this.dims)} WHERE passage_id = $1`, [label]), []);
    return row === undefined ? undefined : (JSON.parse(row.v) as number[]);
  }

  private checked(label: number, vector: readonly number[]): number[] {
    if (!Number.isSafeInteger(label) || label < 0) throw new RangeError(`invalid vector label ${label}: expected a passage id`);
    if (vector.length !== this.dims) throw new RangeError(`vector for label ${label} has ${vector.length} dimensions, the index has ${this.dims}`);
    if (vector.some((x) => !Number.isFinite(x))) throw new RangeError(`vector for label ${label} contains a non-finite value`);
    const norm = Math.hypot(...vector);
    if (norm === 0) throw new UserError('E_ZERO_VECTOR', `The embedding of passage ${label} is all zeros, which has no cosine direction: check the embedding model.`);
    return vector.map((x) => x / norm);
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    await this.sql.query(`INSERT INTO ${vectorTable(this.dims)} (passage_id, embedding) SELECT l, v::vector FROM unnest($1::bigint[], $2::text[]) AS t(l, v)`, [
      batch.map((b) => b.label),
      batch.map((b) => literal(b.vector)),
    ]);
    this.live += batch.length;
  }
}

/**
 * A reader's vectors table is dropped when another process publishes a build made with a model of other
 * dimensions (removeStale): this process, still on the old model, was told why when it could not open that
 * build (E_INDEX_MISMATCH, logged by the open index) and answers from the papers alone until it is restarted
 * with the build's model, instead of failing every question with "relation … does not exist".
 */
async function whileTableExists<T>(reading: Promise<T>, gone: T): Promise<T> {
  try {
    return await reading;
  } catch (error) {
    if ((error as { code?: unknown }).code === UNDEFINED_TABLE) return gone;
    throw error;
  }
}

/** SQLSTATE undefined_table. */
const UNDEFINED_TABLE = '42P01';

/** pgvector's text form: `[0.1,0.2,…]`. */
function literal(vector: readonly number[]): string {
  return `[${vector.join(',')}]`;
}

function hnswOptions({ m, efConstruction }: PgHnswParams): string {
  return `m=${Math.trunc(m)}, ef_construction=${Math.trunc(efConstruction)}`;
}

/** The HNSW index's options as hnswOptions writes them, or null when the table has no such index. */
async function indexOptions(sql: Sql, table: string): Promise<string | null> {
  const [row] = await sql.query<{ options: string[] | null }>('SELECT reloptions AS options FROM pg_class WHERE oid = to_regclass($1)', [`${table}_hnsw`]);
  return row === undefined ? null : (row.options ?? []).join(', ');
}
