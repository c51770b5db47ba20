/**
 * The one place that reads the environment. `parseConfig(env)` is pure: it validates every variable with
 * zod and reports all problems at once, each naming the variable and what was expected. `loadConfig()`
 * adds `.env` (dotenv) and `process.env` and is called only by entry points.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { z } from 'zod';
import { bool, int, isTimeZone, num, optional, url } from './config-values.ts';
import { DEFAULT_MAX_ANSWER_CHARS } from './core/answering/cap-answer.ts';
import { UserError } from './core/errors.ts';
import { DEFAULT_GATE } from './core/retrieval/relevance-gate.ts';

/** More shards than Discord gives the largest bots; a typo (10000 for 10) is told, not spawned. */
const MAX_SHARDS = 4_096;

const schema = z.object({
  CORPUS_DIR: optional(z.string()),
  DATA_DIR: optional(z.string()),
  CORPUS_STRICT: optional(bool('CORPUS_STRICT')),

  EMBEDDINGS: optional(z.enum(['auto', 'dense', 'lexical'], { message: 'expected auto, dense or lexical' })),
  EMBEDDING_MODEL: optional(z.string().trim().min(1)),
  EMBEDDING_DTYPE: optional(
    z.enum(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'bnb4', 'q4f16'], {
      message: 'expected one of fp32, fp16, q8, int8, uint8, q4, bnb4, q4f16',
    }),
  ),
  EMBEDDING_POOLING: optional(z.enum(['cls', 'mean'], { message: 'expected cls or mean' })),
  EMBEDDING_MODEL_DIR: optional(z.string()),
  EMBEDDING_ALLOW_REMOTE: optional(bool('EMBEDDING_ALLOW_REMOTE')),
  EMBEDDING_LOAD_TIMEOUT_MS: optional(int(1_000, 600_000)),
  EMBEDDING_THREADS: optional(int(1, 64)),
  EMBEDDING_WORKERS: optional(int(0, 64)),

  HNSW_M: optional(int(4, 128)),
  HNSW_EF_CONSTRUCTION: optional(int(10, 2_000)),
  HNSW_EF_SEARCH: optional(int(10, 2_000)),

  TOP_K: optional(int(1, 20)),
  MAX_PASSAGES_PER_PAPER: optional(int(1, 10)),
  GATE_MIN_COVERAGE: optional(num(0, 1)),
  GATE_MIN_SIMILARITY: optional(num(-1, 1)),
  GATE_MIN_SPECIFIC_COVERAGE: optional(num(0, 1)),
  GATE_MIN_TERMS_TOGETHER: optional(int(0, 10)),
  GATE_VETO_MIN_PASSAGES: optional(int(0, 100_000_000)),
  MAX_QUESTION_LENGTH: optional(int(20, 4_000)),
  ANSWER_MAX_CHARS: optional(int(500, 20_000)),

  OPENAI_BASE_URL: optional(url),
  OPENAI_API_KEY: optional(z.string().trim()),
  OPENAI_MODEL: optional(z.string().trim().min(1)),
  LLM_TIMEOUT_MS: optional(int(1_000, 600_000)),
  LLM_MAX_RETRIES: optional(int(0, 10)),
  LLM_MAX_TOKENS: optional(int(16, 32_768)),

  DISCORD_TOKEN: optional(z.string().trim()),
  DISCORD_API_URL: optional(url),
  DISCORD_MESSAGE_CONTENT: optional(bool('DISCORD_MESSAGE_CONTENT')),
  RATE_LIMIT_QUESTIONS: optional(int(1, 1_000)),
  RATE_LIMIT_WINDOW_S: optional(int(1, 86_400)),
  SHUTDOWN_GRACE_MS: optional(int(0, 600_000)),
  DISCORD_SHARDS: optional(
    z
      .string()
      .trim()
      .toLowerCase()
      .refine((v) => v === 'auto' || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= MAX_SHARDS), { message: `expected auto or a number of shards from 1 to ${MAX_SHARDS}` })
      .transform((v) => (v === 'auto' ? ('auto' as const) : Number(v))),
  ),

  ARXIV_RSS_URL: optional(url),
  ARXIV_API_URL: optional(url),
  ARXIV_MIN_INTERVAL_MS: optional(int(0, 600_000)),
  ARXIV_CONTACT: optional(z.string().trim()),
  ARXIV_CATEGORIES: optional(
    z
      .string()
      .transform((v) => v.split(',').map((c) => c.trim()).filter((c) => c !== ''))
      .refine((list) => list.every((c) => /^[a-z-]+(\.[A-Za-z-]+)?$/.test(c)), { message: 'expected arXiv categories separated by commas, e.g. cs.LG,stat.ML' }),
  ),
  ARXIV_FETCH_TIME: optional(z.string().trim().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'expected a time of day as HH:MM, e.g. 00:30' })),
  ARXIV_FETCH_TIMEZONE: optional(z.string().trim().refine(isTimeZone, { message: 'expected an IANA time zone, e.g. America/New_York' })),

  DATABASE_URL: optional(
    z
      .string()
      .trim()
      .refine((v) => /^postgres(ql)?:\/\/[^\s]+$/.test(v) && URL.canParse(v), { message: 'expected a PostgreSQL URL, e.g. postgres://user:password@host:5432/paperbot' }),
  ),
  DATABASE_POOL_SIZE: optional(int(1, 1_000)),
  DATABASE_STATEMENT_TIMEOUT_MS: optional(int(100, 3_600_000)),

  LOG_LEVEL: optional(z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], { message: 'expected trace, debug, info, warn, error, fatal or silent' })),
});

/** Every variable paperbot reads (documented in .env.example and the README). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

export type EmbeddingsMode = 'auto' | 'dense' | 'lexical';

export interface Config {
  corpusDir: string;
  dataDir: string;
  /** Derived: `<dataDir>/index`, the rebuildable index. */
  indexDir: string;
  /** Stop the build at the first bad corpus line instead of skipping it with a warning. */
  corpusStrict: boolean;
  embeddings: {
    mode: EmbeddingsMode;
    model: string;
    dtype: string;
    /** Override of the model's known pooling; unknown models default to mean pooling. */
    pooling: 'cls' | 'mean' | undefined;
    /** A folder holding the model files (config.json, tokenizer.json, onnx/…), used instead of the hub. */
    modelDir: string | undefined;
    allowRemote: boolean;
    /** Where downloaded models are cached: `<dataDir>/models`, never inside node_modules. */
    cacheDir: string;
    loadTimeoutMs: number;
    threads: number;
    /** Worker threads that embed during index builds (one ONNX thread each); below 2, the build embeds in-process. */
    workers: number;
  };
  hnsw: { m: number; efConstruction: number; efSearch: number };
  retrieval: {
    topK: number;
    maxPassagesPerPaper: number;
    /** Minimum IDF-weighted share of the question's terms found in a passage (lexical evidence). */
    gateMinCoverage: number;
    /** Minimum cosine similarity of the best passage (dense evidence); undefined = the model's default. */
    gateMinSimilarity: number | undefined;
    /** A passage sharing a term rare in the corpus passes from this coverage (paraphrases). */
    gateMinSpecificCoverage: number;
    /** In a corpus of `gateVetoMinPassages` passages or more, the best passage holds this many of the question's terms. */
    gateMinTermsTogether: number;
    /** The vocabulary vetoes (unseen words, rare words missing, terms together) apply from this many passages. */
    gateVetoMinPassages: number;
    maxQuestionLength: number;
    /** A model's answer is cut (with a note) past this many characters, whatever it sends. */
    maxAnswerChars: number;
  };
  llm:
    | { enabled: false }
    | { enabled: true; baseURL: string | undefined; apiKey: string; model: string; timeoutMs: number; maxRetries: number; maxTokens: number };
  /** Derived: `<dataDir>/state.sqlite`, the precious state (feedback, digests); never deleted by a rebuild. */
  stateFile: string;
  discord: {
    token: string | undefined;
    /** REST base; the gateway address comes from its `/gateway/bot`. */
    apiUrl: string;
    /** Whether the privileged Message Content intent is enabled for the bot (and so requested at login). */
    messageContent: boolean;
    /** Per user: at most `questions` questions in any `windowMs`. */
    rateLimit: { questions: number; windowMs: number };
    /** On SIGINT/SIGTERM, how long answers in flight may take to finish before they are cut short. */
    shutdownGraceMs: number;
    /**
     * Unset: one bot process, no sharding (the default). Set: `npm start` runs discord.js's ShardingManager,
     * one process per shard; `auto` takes the count Discord recommends (GET /gateway/bot).
     */
    shards: 'auto' | number | undefined;
  };
  arxiv: {
    rssUrl: string;
    apiUrl: string;
    /** At least this long between two requests to arXiv (its terms ask for 3 s). */
    minIntervalMs: number;
    /** Added to the User-Agent so arXiv can reach whoever runs the bot. */
    contact: string | undefined;
    /** The running bot fetches these every day; empty: it does not fetch. */
    categories: string[];
    /** When the bot fetches (HH:MM in `fetchTimeZone`): after arXiv's feed updates, around midnight US Eastern. */
    fetchTime: string;
    fetchTimeZone: string;
  };
  /** PostgreSQL for the index and the state (src/adapters/create-backends.ts): `url` unset means SQLite and hnswlib in this process, as always. */
  database: {
    /** Never logged whole: `describeDatabaseUrl` drops the password. */
    url: string | undefined;
    /** Connections each process keeps open at most. */
    poolSize: number;
    /** A statement running longer is cancelled by the server. */
    statementTimeoutMs: number;
  };
  /** Unset: each entry point's default (terminal commands: warn, the bot: info). */
  logLevel: string | undefined;
}

export const DEFAULT_EMBEDDING_MODEL = 'Xenova/bge-small-en-v1.5';

/** Pure: the same env gives the same config or the same list of problems. Paths resolve against `cwd`. */
export function parseConfig(env: Record<string, string | undefined>, cwd: string = process.cwd()): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      const given = env[name];
      return `- ${name}${given === undefined ? '' : ` = ${JSON.stringify(mask(name, given))}`}: ${issue.message}`;
    });
    throw new UserError('E_CONFIG', `Invalid configuration (check .env or the environment):\n${lines.join('\n')}`);
  }
  const e = result.data;
  const dataDir = path.resolve(cwd, e.DATA_DIR ?? 'data');
  const llmEnabled = e.OPENAI_BASE_URL !== undefined || (e.OPENAI_API_KEY ?? '') !== '';
  return {
    corpusDir: path.resolve(cwd, e.CORPUS_DIR ?? 'corpus'),
    dataDir,
    indexDir: path.join(dataDir, 'index'),
    stateFile: path.join(dataDir, 'state.sqlite'),
    corpusStrict: e.CORPUS_STRICT ?? false,
    embeddings: {
      mode: e.EMBEDDINGS ?? 'auto',
      model: e.EMBEDDING_MODEL ?? DEFAULT_EMBEDDING_MODEL,
      dtype: e.EMBEDDING_DTYPE ?? 'q8',
      pooling: e.EMBEDDING_POOLING,
      modelDir: e.EMBEDDING_MODEL_DIR === undefined ? undefined : path.resolve(cwd, e.EMBEDDING_MODEL_DIR),
      allowRemote: e.EMBEDDING_ALLOW_REMOTE ?? true,
      cacheDir: path.join(dataDir, 'models'),
      loadTimeoutMs: e.EMBEDDING_LOAD_TIMEOUT_MS ?? 15_000,
      threads: e.EMBEDDING_THREADS ?? 2,
      workers: e.EMBEDDING_WORKERS ?? availableParallelism(),
    },
    hnsw: { m: e.HNSW_M ?? 16, efConstruction: e.HNSW_EF_CONSTRUCTION ?? 200, efSearch: e.HNSW_EF_SEARCH ?? 200 },
    retrieval: {
      topK: e.TOP_K ?? 6,
      maxPassagesPerPaper: e.MAX_PASSAGES_PER_PAPER ?? 2,
      gateMinCoverage: e.GATE_MIN_COVERAGE ?? 0.3,
      gateMinSimilarity: e.GATE_MIN_SIMILARITY,
      gateMinSpecificCoverage: e.GATE_MIN_SPECIFIC_COVERAGE ?? DEFAULT_GATE.gateMinSpecificCoverage,
      gateMinTermsTogether: e.GATE_MIN_TERMS_TOGETHER ?? DEFAULT_GATE.gateMinTermsTogether,
      gateVetoMinPassages: e.GATE_VETO_MIN_PASSAGES ?? DEFAULT_GATE.vocabularyMinPassages,
      maxQuestionLength: e.MAX_QUESTION_LENGTH ?? 1_000,
      maxAnswerChars: e.ANSWER_MAX_CHARS ?? DEFAULT_MAX_ANSWER_CHARS,
    },
    llm: llmEnabled
      ? {
          enabled: true,
          baseURL: e.OPENAI_BASE_URL,
          // Local servers (Ollama, llama.cpp) accept any key; the client insists on one.
          apiKey: e.OPENAI_API_KEY || 'not-needed',
          model: e.OPENAI_MODEL ?? 'gpt-4o-mini',
          timeoutMs: e.LLM_TIMEOUT_MS ?? 30_000,
          maxRetries: e.LLM_MAX_RETRIES ?? 2,
          maxTokens: e.LLM_MAX_TOKENS ?? 1_500,
        }
      : { enabled: false },
    discord: {
      token: e.DISCORD_TOKEN || undefined,
      apiUrl: e.DISCORD_API_URL ?? 'https://discord.com/api',
      messageContent: e.DISCORD_MESSAGE_CONTENT ?? false,
      rateLimit: { questions: e.RATE_LIMIT_QUESTIONS ?? 5, windowMs: (e.RATE_LIMIT_WINDOW_S ?? 60) * 1000 },
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS ?? 10_000,
      shards: e.DISCORD_SHARDS,
    },
    arxiv: {
      rssUrl: e.ARXIV_RSS_URL ?? 'https://rss.arxiv.org/rss',
      apiUrl: e.ARXIV_API_URL ?? 'https://export.arxiv.org/api/query',
      minIntervalMs: e.ARXIV_MIN_INTERVAL_MS ?? 3_000,
      contact: e.ARXIV_CONTACT || undefined,
      categories: e.ARXIV_CATEGORIES ?? [],
      fetchTime: e.ARXIV_FETCH_TIME ?? '00:30',
      fetchTimeZone: e.ARXIV_FETCH_TIMEZONE ?? 'America/New_York',
    },
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE ?? 10, statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS ?? 30_000 },
    logLevel: e.LOG_LEVEL,
  };
}

/** Reads `.env` (without overriding the real environment) and `process.env`. */
export function loadConfig(cwd: string = process.cwd()): Config {
  const fromFile: Record<string, string> = {};
  loadDotenv({ path: path.join(cwd, '.env'), processEnv: fromFile, quiet: true });
  return parseConfig({ ...fromFile, ...process.env }, cwd);
}

function mask(name: string, value: string): string {
  // A database URL may carry its password: the rest of it helps find the mistake.
  if (name === 'DATABASE_URL') return value.replace(/(:\/\/[^:/@\s]*:)[^@\s]*@/, '$1***@');
  // A count of tokens (LLM_MAX_TOKENS) is no secret: only names that end like a credential are masked.
  return /(TOKEN|KEY|SECRET|PASSWORD)$/i.test(name) ? '***' : value;
}
