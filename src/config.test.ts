/**
 * Configuration: sensible defaults, every bad variable named with what was expected (all of them in one
 * error), secrets never echoed, empty values meaning "default", and the LLM switched on by a base URL alone.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EMBEDDING_MODEL, parseConfig } from './config.ts';
import { UserError } from './core/errors.ts';

const CWD = path.resolve('/srv/paperbot');

function configError(env: Record<string, string | undefined>): UserError {
  try {
    parseConfig(env, CWD);
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected parseConfig to fail');
}

describe('parseConfig', () => {
  it('has working defaults for an empty environment, with no LLM and no Discord', () => {
    const config = parseConfig({}, CWD);
    expect(config).toMatchObject({
      corpusDir: path.join(CWD, 'corpus'),
      dataDir: path.join(CWD, 'data'),
      indexDir: path.join(CWD, 'data', 'index'),
      corpusStrict: false,
      embeddings: { mode: 'auto', model: DEFAULT_EMBEDDING_MODEL, dtype: 'q8', pooling: undefined, modelDir: undefined, allowRemote: true, cacheDir: path.join(CWD, 'data', 'models') },
      hnsw: { m: 16, efConstruction: 200, efSearch: 200 },
      retrieval: { topK: 6, maxPassagesPerPaper: 2, gateMinCoverage: 0.3, gateMinSimilarity: undefined, maxQuestionLength: 1_000 },
      llm: { enabled: false },
      discord: { token: undefined, apiUrl: 'https://discord.com/api' },
      logLevel: undefined,
    });
  });

  it('reads every kind of value', () => {
    const config = parseConfig(
      {
        CORPUS_STRICT: 'yes',
        EMBEDDINGS: 'lexical',
        EMBEDDING_POOLING: 'cls',
        EMBEDDING_ALLOW_REMOTE: 'off',
        TOP_K: ' 8 ',
        GATE_MIN_COVERAGE: '0.45',
        GATE_MIN_SIMILARITY: '-0.2',
        GATE_MIN_TERMS_TOGETHER: '0',
        LOG_LEVEL: 'debug',
      },
      CWD,
    );
    expect(config.corpusStrict).toBe(true);
    expect(config.embeddings).toMatchObject({ mode: 'lexical', pooling: 'cls', allowRemote: false });
    expect(config.retrieval).toMatchObject({ topK: 8, gateMinCoverage: 0.45, gateMinSimilarity: -0.2, gateMinTermsTogether: 0, gateMinSpecificCoverage: 0.05, gateVetoMinPassages: 1000 });
    expect(config.logLevel).toBe('debug');
  });

  it('resolves relative paths against the working directory and keeps absolute ones', () => {
    const config = parseConfig({ CORPUS_DIR: 'papers/cs-lg', DATA_DIR: '/var/lib/paperbot', EMBEDDING_MODEL_DIR: '../models/bge' }, CWD);
    expect(config.corpusDir).toBe(path.join(CWD, 'papers', 'cs-lg'));
    expect(config.dataDir).toBe(path.resolve('/var/lib/paperbot'));
    expect(config.indexDir).toBe(path.join(path.resolve('/var/lib/paperbot'), 'index'));
    expect(config.embeddings.cacheDir).toBe(path.join(path.resolve('/var/lib/paperbot'), 'models'));
    expect(config.embeddings.modelDir).toBe(path.resolve(CWD, '../models/bge'));
  });

  it('treats empty and blank values as unset, so "FOO=" in .env means the default', () => {
    const config = parseConfig({ TOP_K: '', CORPUS_DIR: '  ', EMBEDDINGS: '', OPENAI_API_KEY: '', OPENAI_BASE_URL: ' ', DISCORD_TOKEN: '', CORPUS_STRICT: '' }, CWD);
    expect(config.retrieval.topK).toBe(6);
    expect(config.corpusDir).toBe(path.join(CWD, 'corpus'));
    expect(config.embeddings.mode).toBe('auto');
    expect(config.llm.enabled).toBe(false);
    expect(config.discord.token).toBeUndefined();
  });

  it('enables the LLM with a base URL alone (a local server), without a key', () => {
    const config = parseConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }, CWD);
    expect(config.llm).toMatchObject({ enabled: true, baseURL: 'http://127.0.0.1:11434/v1', model: 'gpt-4o-mini', timeoutMs: 30_000, maxRetries: 2 });
    expect(config.llm.enabled && config.llm.apiKey.length > 0).toBe(true);
  });

  it('enables the LLM with a key alone, against the default endpoint', () => {
    const config = parseConfig({ OPENAI_API_KEY: 'sk-abc', OPENAI_MODEL: 'gpt-4.1-mini', LLM_TIMEOUT_MS: '5000', LLM_MAX_RETRIES: '0' }, CWD);
    expect(config.llm).toEqual({ enabled: true, baseURL: undefined, apiKey: 'sk-abc', model: 'gpt-4.1-mini', timeoutMs: 5_000, maxRetries: 0, maxTokens: 1_500 });
  });

  it('bounds the answer: LLM_MAX_TOKENS for the endpoint, ANSWER_MAX_CHARS in code', () => {
    const config = parseConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:8080/v1', LLM_MAX_TOKENS: '400', ANSWER_MAX_CHARS: '3000' }, CWD);
    expect(config.llm).toMatchObject({ maxTokens: 400 });
    expect(config.retrieval.maxAnswerChars).toBe(3_000);
    expect(parseConfig({}, CWD).retrieval.maxAnswerChars).toBe(6_000);
    const message = configError({ ANSWER_MAX_CHARS: '100', LLM_MAX_TOKENS: 'lots' }).message;
    expect(message).toMatch(/^- ANSWER_MAX_CHARS = "100": expected at least 500$/m);
    // Shown as given, so the operator sees the mistake: a token count is not a credential.
    expect(message).toMatch(/^- LLM_MAX_TOKENS = "lots": expected a whole number between 16 and 32768$/m);
  });

  it('keeps the Discord token when given', () => {
    expect(parseConfig({ DISCORD_TOKEN: 'abc.def.ghi' }, CWD).discord.token).toBe('abc.def.ghi');
  });

  it('runs one unsharded process unless DISCORD_SHARDS says auto or a number of shards', () => {
    expect(parseConfig({}, CWD).discord.shards).toBeUndefined();
    expect(parseConfig({ DISCORD_SHARDS: 'Auto' }, CWD).discord.shards).toBe('auto');
    expect(parseConfig({ DISCORD_SHARDS: '2' }, CWD).discord.shards).toBe(2);
  });

  it.each([
    ['TOP_K', 'six', /whole number between 1 and 20/],
    ['TOP_K', '0', /at least 1/],
    ['TOP_K', '2.5', /whole number between 1 and 20/],
    ['MAX_PASSAGES_PER_PAPER', '11', /at most 10/],
    ['MAX_QUESTION_LENGTH', '5', /at least 20/],
    ['GATE_MIN_COVERAGE', '1.5', /at most 1/],
    ['GATE_MIN_SIMILARITY', 'high', /number between -1 and 1/],
    ['GATE_MIN_SPECIFIC_COVERAGE', '2', /at most 1/],
    ['GATE_MIN_TERMS_TOGETHER', 'three', /whole number between 0 and 10/],
    ['GATE_VETO_MIN_PASSAGES', '-1', /whole number between 0 and 100000000/],
    ['HNSW_M', '-3', /whole number between 4 and 128/],
    ['EMBEDDING_LOAD_TIMEOUT_MS', '10', /at least 1000/],
    ['LLM_MAX_RETRIES', '99', /at most 10/],
    ['CORPUS_STRICT', 'maybe', /CORPUS_STRICT must be true or false/],
    ['EMBEDDING_ALLOW_REMOTE', 'sometimes', /must be true or false/],
    ['EMBEDDINGS', 'hybrid', /expected auto, dense or lexical/],
    ['EMBEDDING_DTYPE', 'float', /expected one of fp32, fp16, q8/],
    ['EMBEDDING_POOLING', 'max', /expected cls or mean/],
    ['OPENAI_BASE_URL', 'localhost:11434/v1', /expected an http\(s\) URL/],
    ['DISCORD_API_URL', 'ftp://discord.example', /expected an http\(s\) URL/],
    ['LOG_LEVEL', 'loud', /expected trace, debug, info, warn, error, fatal or silent/],
    ['DISCORD_SHARDS', '0', /expected auto or a number of shards from 1 to 4096/],
    ['DISCORD_SHARDS', 'many', /expected auto or a number of shards from 1 to 4096/],
    ['DISCORD_SHARDS', '10000', /expected auto or a number of shards from 1 to 4096/],
  ])('names %s = %j and says what was expected', (name, value, expected) => {
    const error = configError({ [name]: value });
    expect(error.code).toBe('E_CONFIG');
    const line = error.message.split('\n').find((l) => l.startsWith(`- ${name} `));
    expect(line).toBeDefined();
    expect(line).toContain(JSON.stringify(value));
    expect(line).toMatch(expected);
  });

  it('lists every problem in one error, one line each', () => {
    const error = configError({ TOP_K: 'many', EMBEDDINGS: 'maybe', OPENAI_BASE_URL: 'nope', LOG_LEVEL: 'loud', CORPUS_DIR: 'fine' });
    const problems = error.message.split('\n').filter((l) => l.startsWith('- '));
    expect(problems.map((l) => l.slice(2).split(' ')[0]).sort()).toEqual(['EMBEDDINGS', 'LOG_LEVEL', 'OPENAI_BASE_URL', 'TOP_K']);
  });

  it('never echoes a secret in its error', () => {
    const secrets = { OPENAI_API_KEY: 'sk-live-SECRET-0123456789', DISCORD_TOKEN: 'MTIz.SECRET.discord-token' };
    const error = configError({ ...secrets, TOP_K: 'lots', OPENAI_BASE_URL: 'not a url', LLM_TIMEOUT_MS: 'forever' });
    for (const secret of Object.values(secrets)) {
      expect(error.message).not.toContain(secret);
      expect(String(error.stack)).not.toContain(secret);
    }
  });
});
