/**
 * Issue 11 §6: what the machine refuses, in one sentence each and exit 1: a disk that fills during an index
 * build, a DATA_DIR paperbot may not write to, a damaged state.sqlite (named, said to hold subscriptions and
 * feedback, and never deleted or recreated). A full disk cannot be made here without a small file system of
 * our own, so the write fails by injection: node:fs is wrapped for paperbot's modules and throws the error
 * the kernel gives (ENOSPC, EACCES) for the paths a rule picks.
 */
import { appendFileSync, chmodSync, truncateSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { runCommand } from '../../src/cli/run-main.ts';
import { botCommand, runBot, type BotProcess } from '../../src/discord/run-bot.ts';
import { sqliteHnswBackend } from '../../src/adapters/sqlite-hnsw-backend.ts';
import type { Embedder } from '../../src/core/retrieval/embedder.ts';
import { buildIndex } from '../../src/indexing/build-index.ts';
import { saidOnStderr } from '../support/script-process.ts';
import { makeWorkspace, useWorkspace, type RunResult, type Workspace } from '../support/workspace.ts';

const failing = vi.hoisted(() => ({ rule: null as null | ((file: string, call: string) => string | null) }));

vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  const guard =
    <A extends unknown[], R>(call: string, fn: (...args: A) => R) =>
    (...args: A): R => {
      const file = String(args[0]);
      const code = failing.rule?.(file, call) ?? null;
      if (code !== null) throw Object.assign(new Error(`${code}: injected failure, ${call} '${file}'`), { code, syscall: call, path: file });
      return fn(...args);
    };
  const wrapped = { writeFileSync: guard('write', actual.writeFileSync), mkdirSync: guard('mkdir', actual.mkdirSync) };
  return { ...actual, ...wrapped, default: { ...actual, ...wrapped } };
});

afterEach(() => {
  failing.rule = null;
});

const FAMUS = 'What does FaMUS approximate to save training time?';

/** What a person reads on stderr, without the JSON log lines and the progress bar. */
function said(result: RunResult): string[] {
  return saidOnStderr(result.stderr).filter((line) => !line.startsWith('embedding '));
}

describe('a disk that fills up during an index build', () => {
  const workspace = useWorkspace();

  it('stops the build with one sentence (exit 1), removes what it wrote, and leaves the previous index answering', async () => {
    const ws = workspace();
    expect((await ws.run('index')).code).toBe(0);
    appendFileSync(path.join(ws.corpusDir, 'seed-papers.jsonl'), `${JSON.stringify({ title: 'A twelfth paper', abstract: 'Sparse attention heads prune themselves during long training runs of transformers, which saves memory and time at no cost in accuracy.' })}\n`);
    // The first write into the new build's folder after the store and the vectors: the disk is full by then.
    failing.rule = (file) => (file.includes('.partial') && file.endsWith('corpus-lines.json') ? 'ENOSPC' : null);

    const full = await ws.run('index');
    expect(full.code, full.stderr).toBe(1);
    expect(said(full)).toEqual([expect.stringMatching(/^The disk holding .*data\/index is full \(ENOSPC\): free some space and try again; the previous index, if any, still answers\.$/)]);
    expect(readdirSync(path.join(ws.dataDir, 'index', 'builds')).filter((name) => name.endsWith('.partial'))).toEqual([]);

    failing.rule = null;
    const asked = await ws.run('ask', ['--json', FAMUS]);
    expect(asked.code, asked.stderr).toBe(0);
    const again = await ws.run('index');
    expect(again.stdout).toContain('Indexed 12 papers');
  }, 60_000);
});

describe('a vector file written short', () => {
  const workspace = useWorkspace({ model: false });

  it('is not published: hnswlib reports no failed write, so the build checks the file and says why it stopped', async () => {
    const ws = workspace();
    const indexDir = path.join(ws.dataDir, 'index');
    const embedder: Embedder = {
      info: { modelId: 'local:letters', dims: 8, pooling: 'mean', dtype: 'fp32', queryPrefix: '' },
      embedPassages: async (texts) => texts.map((t) => Array.from({ length: 8 }, (_, i) => (t.charCodeAt(i) % 7) + 1)),
      embedQuery: async (t) => Array.from({ length: 8 }, (_, i) => (t.charCodeAt(i) % 7) + 1),
      dispose: async () => {},
    };
    const backend = sqliteHnswBackend(indexDir, { m: 8, efConstruction: 50, efSearch: 50 });
    const first = await buildIndex({ corpusDir: ws.corpusDir, embedder, backend });
    // What a full disk does to hnswlib's save: the file stops short and no error is raised.
    const create = backend.vectors.create.bind(backend.vectors);
    backend.vectors.create = async (started, options) => {
      const vectors = await create(started, options);
      const save = vectors.save.bind(vectors);
      vectors.save = async (dir) => {
        await save(dir);
        truncateSync(path.join(dir, 'vectors.hnsw'), 200);
      };
      return vectors;
    };
    await expect(buildIndex({ corpusDir: ws.corpusDir, embedder, backend, rebuild: true })).rejects.toThrow(
      /^The new index vectors .*vectors\.hnsw were written short \(has 200 bytes, fewer than the \d+ its 11 vectors need: it was cut short; hnswlib reports no write errors\): is the disk holding .*index full\? The previous index, if any, still answers\.$/,
    );
    expect(await backend.catalog.current()).toBe(first.buildDir);
  }, 60_000);
});

describe('a DATA_DIR paperbot may not write to', () => {
  let ws: Workspace | undefined;
  afterEach(async () => {
    if (ws !== undefined) chmodSync(ws.dataDir, 0o755);
    await ws?.cleanup();
  });

  it('npm run index says so in one sentence and exits 1', async ({ annotate }) => {
    ws = await makeWorkspace();
    const { dataDir } = ws;
    mkdirSync(dataDir, { recursive: true });
    await makeReadOnly(dataDir, annotate);
    const result = await ws.run('index');
    expect(result.code, result.stderr).toBe(1);
    expect(said(result)).toEqual([
      expect.stringMatching(/^paperbot may not write to .*data\/index \(EACCES\): DATA_DIR must be a folder it can write to; fix its permissions or set DATA_DIR to another folder \(.*\)\.$/),
    ]);
  }, 60_000);
});

describe('a DATA_DIR the bot may not write to', () => {
  let ws: Workspace | undefined;
  afterEach(async () => {
    if (ws !== undefined) chmodSync(ws.dataDir, 0o755);
    await ws?.cleanup();
  });

  it('npm start with DISCORD_TOKEN says so in one sentence and exits 1, before it would log in', async ({ annotate }) => {
    ws = await makeWorkspace();
    const { dataDir } = ws;
    expect((await ws.run('index')).code).toBe(0);
    await makeReadOnly(dataDir, annotate);
    const stderr: string[] = [];
    const proc: BotProcess = { once: () => undefined, on: () => undefined, off: () => undefined };
    const code = await runCommand((context) => botCommand(context, proc), {
      argv: [],
      stdout: process.stdout,
      stderr: { write: (text: string) => stderr.push(text) } as unknown as NodeJS.WritableStream,
      stdin: process.stdin,
      readConfig: () => parseConfig({ ...ws!.env, DISCORD_TOKEN: 'x'.repeat(59), DISCORD_API_URL: 'http://127.0.0.1:9/api' }, ws!.dir),
      makeLogger: () => silentLogger,
    });
    expect(code, stderr.join('')).toBe(1);
    expect(stderr.join('').trim()).toMatch(/^paperbot may not write to .*data \(EACCES\): DATA_DIR must be a folder it can write to; fix its permissions or set DATA_DIR to another folder \(the bot did not start\)\.$/);
  }, 60_000);
});

/** `dir` read-only for paperbot: by its mode bits, or, as root (who writes through them), by injecting EACCES. */
async function makeReadOnly(dir: string, annotate: (note: string) => Promise<unknown>): Promise<void> {
  chmodSync(dir, 0o555);
  if (canWrite(path.join(dir, 'probe'))) {
    // Root writes through any mode bits: the kernel's refusal is injected instead.
    await annotate('running as root, where chmod does not stop writes: EACCES is injected for DATA_DIR');
    failing.rule = (file) => (file.startsWith(dir) ? 'EACCES' : null);
  }
}

function canWrite(file: string): boolean {
  try {
    writeFileSync(file, '');
    rmSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EACCES') throw error;
    return false;
  }
}

describe('a damaged state.sqlite', () => {
  const workspace = useWorkspace();

  it('stops the bot at start-up with one sentence naming the file and what it holds (exit 1), and leaves the file as it was', async () => {
    const ws = workspace();
    const state = path.join(ws.dataDir, 'state.sqlite');
    mkdirSync(ws.dataDir, { recursive: true });
    const damaged = Buffer.from('SQLite format 3\0'.padEnd(4096, '\u0001'), 'latin1');
    writeFileSync(state, damaged);
    const stderr: string[] = [];
    const code = await runCommand((context) => runBot({ app: context.app, stop: new AbortController().signal }), {
      argv: [],
      stdout: process.stdout,
      stderr: { write: (text: string) => stderr.push(text) } as unknown as NodeJS.WritableStream,
      stdin: process.stdin,
      // A Discord address nothing listens on: the bot must stop before it would log in.
      readConfig: () => parseConfig({ ...ws.env, DISCORD_TOKEN: 'x'.repeat(59), DISCORD_API_URL: 'http://127.0.0.1:9/api' }, ws.dir),
      makeLogger: () => silentLogger,
    });
    expect(code, stderr.join('')).toBe(1);
    expect(stderr.join('').trim()).toMatch(
      /^The state database .*data\/state\.sqlite is damaged \(.+\): it holds the digest subscriptions and the feedback on answers, so paperbot leaves it as it is; restore it from a backup, or move it away to start with an empty one\.$/,
    );
    expect(readFileSync(state).equals(damaged)).toBe(true);
    expect(existsSync(`${state}-wal`) ? statSync(`${state}-wal`).size : 0).toBe(0);
  }, 60_000);
});
