/**
 * The promises that must hold whichever backend keeps the data, written once and run on each: `npm run
 * index` then `ask --json` and `chat` on the shipped corpus (the extractive FaMUS answer citing
 * seed-papers.jsonl:7, an off-topic question refused without calling the language model), incremental
 * builds (only new or changed papers embedded), a build killed half way (the previous build keeps
 * answering, the next build completes), and a 👍 in Discord stored in the state. The commands are the real ones (in this process, as the scripts run
 * them; the killed build is a real process), the bot the real discord.js client against the fake Discord.
 * A backend differs only in what it starts and the environment the commands get (BACKENDS below); each runs
 * the suite from its own file (sqlite-backend.test.ts, postgres-backend.test.ts), so the two run side by side.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InteractionType, MessageFlags } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../src/dev/fake-openai.ts';
import { syntheticAbstracts } from '../../src/dev/synthetic-corpus.ts';
import { askSlash, buttonsOf, startHarness } from '../discord/harness.ts';
import { startPgliteServer } from '../support/pglite-server.ts';
import { makeWorkspace, type Workspace } from '../support/workspace.ts';

const FAMUS = 'What does FaMUS approximate to save training time?';
const AUSTRALIA = 'What is the capital of Australia?';

/** What a backend needs running, and how a test tells which build answers (to see that a killed build changed nothing). */
interface RunningBackend {
  /** Added to the environment of every command and of the bot. */
  env: Record<string, string>;
  /** The build that answers now. */
  currentBuild(ws: Workspace): Promise<string | null>;
  /** What a build that did not finish left behind, once the next build completed with `papers` papers (nothing, on every backend). */
  leftovers(ws: Workspace, expected: { papers: number }): Promise<string[]>;
  close(): Promise<void>;
}

export interface Backend {
  name: string;
  /** Papers in the corpus of the build that is killed: enough that it is still embedding a second after its first progress line. */
  killedBuildPapers: number;
  start(): Promise<RunningBackend>;
}

export const BACKENDS = {
  sqlite: {
    name: 'SQLite and hnswlib',
    killedBuildPapers: 6_000,
    start: async () => ({
      env: {},
      currentBuild: (ws) => readFile(path.join(ws.dataDir, 'index', 'CURRENT'), 'utf8'),
      leftovers: async (ws) => (await readdir(path.join(ws.dataDir, 'index', 'builds'))).filter((d) => d.endsWith('.partial')),
      close: async () => {},
    }),
  },
  postgres: {
    // DATABASE_URL: papers, passages, vectors and the state in one PostgreSQL with pgvector (PGlite on the
    // wire, the real pg client); the data folder holds no index. Readers see the previous build until a
    // build's one transaction commits; a killed build's connection drops and the server rolls it back.
    name: 'PostgreSQL with pgvector',
    // Each paper is written into PGlite (single-threaded WebAssembly) before embedding starts: 2,000 already
    // keep the build embedding for 15 s on this machine.
    killedBuildPapers: 2_000,
    start: async () => {
      const server = await startPgliteServer({ maxConnections: 20 });
      const one = async (sql: string): Promise<Record<string, unknown> | undefined> => (await server.db.query<Record<string, unknown>>(sql)).rows[0];
      return {
        env: { DATABASE_URL: server.url, DATABASE_POOL_SIZE: '3' },
        currentBuild: async () => ((await one('SELECT build_id FROM index_catalog'))?.['build_id'] as string | undefined) ?? null,
        leftovers: async (ws, { papers }) => {
          const rows = Number((await one('SELECT count(*) AS n FROM papers'))?.['n']);
          return [...(existsSync(path.join(ws.dataDir, 'index')) ? ['an index folder in DATA_DIR'] : []), ...(rows === papers ? [] : [`${rows} rows in papers`])];
        },
        close: () => server.close(),
      };
    },
  },
} satisfies Record<string, Backend>;

interface AskJson {
  mode: 'llm' | 'extractive' | 'refused';
  answer: string;
  citations: { n: number; title: string | null; source: string }[];
  passages: { n: number }[];
}

function parseOneJson(stdout: string): AskJson {
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] ?? '') as AskJson;
}

/** The suite, on one backend. */
export function backendSuite(backend: Backend): void {
  describe(`on ${backend.name}`, () => {
    let running: RunningBackend;
    let ws: Workspace;
    let llm: FakeOpenAI;

    beforeAll(async () => {
      [running, ws, llm] = await Promise.all([backend.start(), makeWorkspace(), startFakeOpenAI()]);
      const first = await ws.run('index', [], { env: running.env });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('Indexed 11 papers');
      expect(first.stdout).toContain('embedded 11 papers');
    }, 120_000);

    afterAll(async () => {
      await llm?.close();
      await ws?.cleanup();
      await running?.close();
    });

    it('answers extractively with no LLM configured, citing the FaMUS paper (line 7) first', async () => {
      const result = await ws.run('ask', ['--json', FAMUS], { env: running.env });
      expect(result.code, result.stderr).toBe(0);
      const json = parseOneJson(result.stdout);
      expect(json.mode).toBe('extractive');
      expect(json.citations[0]?.source).toBe('seed-papers.jsonl:7');
      expect(json.citations[0]?.title).toBe('Faster Meta Update Strategy for Noise-Robust Deep Learning');
      expect(json.answer).toContain('FaMUS');
      for (const c of json.citations) expect(json.passages.map((p) => p.n)).toContain(c.n);
    });

    it('refuses an off-topic question without calling the LLM, naming no citations', async () => {
      const before = llm.requests.length;
      const result = await ws.run('ask', ['--json', AUSTRALIA], { env: { ...running.env, OPENAI_BASE_URL: llm.url } });
      expect(result.code, result.stderr).toBe(0);
      const json = parseOneJson(result.stdout);
      expect(json.mode).toBe('refused');
      expect(json.citations).toEqual([]);
      expect(json.answer).toMatch(/do not seem to cover/);
      expect(llm.requests.length).toBe(before);
    });

    it('chat answers a piped question from the same index, citing line 7', async () => {
      const result = await ws.run('chat', [], { stdin: `${FAMUS}\n`, env: running.env });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/\[1\] Faster Meta Update Strategy for Noise-Robust Deep Learning — seed-papers\.jsonl:7/);
    });

    it('embeds nothing when nothing changed, exactly the paper that was added, and drops the one removed', async () => {
      const again = await ws.run('index', [], { env: running.env });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain('embedded 0 papers');

      const [extra] = syntheticAbstracts(1, { seed: 7 });
      await writeFile(path.join(ws.corpusDir, 'extra.txt'), `${extra}\n`);
      const added = await ws.run('index', [], { env: running.env });
      expect(added.stdout).toContain('1 added');
      expect(added.stdout).toContain('embedded 1 paper (1 passage)');
      expect(added.stdout).toContain('Indexed 12 papers');

      await writeFile(path.join(ws.corpusDir, 'extra.txt'), '');
      const removed = await ws.run('index', [], { env: running.env });
      expect(removed.stdout).toContain('1 removed');
      expect(removed.stdout).toContain('embedded 0 papers');
      expect(removed.stdout).toContain('Indexed 11 papers');
    }, 120_000);

    it('keeps the previous index answering when a build is killed half way (a real process, SIGKILL)', async () => {
      const current = await running.currentBuild(ws);
      expect(current).not.toBeNull();
      const papers = backend.killedBuildPapers;
      await writeFile(path.join(ws.corpusDir, 'big.txt'), `${syntheticAbstracts(papers, { seed: 3 }).join('\n')}\n`);

      const build = ws.start('index', [], { env: running.env });
      await build.waitForStderr(new RegExp(`embedding [1-9]\\d*/${papers}`), 60_000);
      await build.killGroup();
      expect((await build.exited).signal).toBe('SIGKILL');

      expect(await running.currentBuild(ws)).toBe(current);
      const answer = await ws.run('ask', ['--json', FAMUS], { env: running.env });
      expect(answer.code, answer.stderr).toBe(0);
      expect(parseOneJson(answer.stdout).citations[0]?.source).toBe('seed-papers.jsonl:7');

      // The next build cleans up the killed one's leftovers and completes.
      await writeFile(path.join(ws.corpusDir, 'big.txt'), `${syntheticAbstracts(50, { seed: 3 }).join('\n')}\n`);
      const next = await ws.run('index', [], { env: running.env });
      expect(next.code, next.stderr).toBe(0);
      expect(next.stdout).toContain('Indexed 61 papers');
      expect(await running.leftovers(ws, { papers: 61 })).toEqual([]);
    }, 180_000);

    it('stores the answer and a 👍 pressed on it in Discord', async () => {
      const h = await startHarness({ llm: false, env: running.env });
      try {
        const { final } = await askSlash(h.fake, FAMUS);
        const up = buttonsOf(final).find((b) => b.custom_id?.startsWith('feedback:up:') ?? false);
        const customId = up?.custom_id ?? '';
        const answerId = customId.split(':')[2] ?? '';
        const press = await h.fake.interaction({ type: InteractionType.MessageComponent, customId, messageId: (final.response as { id: string }).id, user: { id: '4242', username: 'carol' } });
        const ack = await h.fake.waitForCall({ interactionId: press.id });
        expect(ack.message).toMatchObject({ flags: MessageFlags.Ephemeral, content: expect.stringContaining('👍 is recorded') });
        expect(await h.state.feedback.votes(answerId)).toEqual([expect.objectContaining({ answerId, userId: '4242', vote: 'up' })]);
        expect(await h.state.feedback.getAnswer(answerId)).toMatchObject({ question: FAMUS, source: 'slash', mode: 'extractive' });
      } finally {
        await h.close();
      }
    }, 120_000);
  });
}
