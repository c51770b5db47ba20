/**
 * The per-user rate limit when several bot processes share one state: each process here is a whole app as
 * `npm start` (or a shard's process) makes one, on the same state, and `replaceBot()` hands the user over to
 * another one. With the state shared (DISCORD_SHARDS on state.sqlite, or the state on PostgreSQL), a user's
 * questions count across them and a mention's visible refusal is shown once per window across them; one
 * unsharded process on SQLite (the default) counts in memory, from zero after a restart, and writes
 * nothing to the state's rate_limits table.
 */
import Database from 'better-sqlite3';
import { MessageFlags } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgliteServer, type PgliteServer } from '../support/pglite-server.ts';
import { askSlash, startHarness, type Harness } from './harness.ts';

const user = { id: '888', username: 'busy' };

/** Asks /ask and returns the first reply: the answer's deferral, or the private refusal. */
async function ask(h: Harness, question: string): Promise<string> {
  const ix = await h.fake.interaction({ name: 'ask', options: { question }, user });
  const reply = await h.fake.waitForCall({ interactionId: ix.id });
  await h.settle();
  return reply.message?.flags === MessageFlags.Ephemeral ? (reply.message.content ?? '') : 'answered';
}

/** The rows of the state's rate_limits table (state.sqlite, or `postgres` when the state is there). */
async function rateLimitRows(h: Harness, postgres?: PgliteServer): Promise<number> {
  if (postgres !== undefined) return Number((await postgres.db.query<{ n: string }>('SELECT count(*) AS n FROM rate_limits')).rows[0]?.n);
  const db = new Database(h.config.stateFile, { readonly: true });
  try {
    return db.prepare<[], { n: number }>('SELECT count(*) AS n FROM rate_limits').get()?.n ?? 0;
  } finally {
    db.close();
  }
}

// One suite, two shared states: shard processes on state.sqlite, and processes on PostgreSQL (PGlite on the wire).
describe.each([
  { backend: 'shard processes on state.sqlite', postgres: false },
  { backend: 'bot processes on PostgreSQL', postgres: true },
])('a user’s questions counted together by $backend', ({ postgres }) => {
  let h: Harness;
  let server: PgliteServer | undefined;
  beforeAll(async () => {
    server = postgres ? await startPgliteServer() : undefined;
    const env = { RATE_LIMIT_QUESTIONS: '2', RATE_LIMIT_WINDOW_S: '60', ...(server === undefined ? { DISCORD_SHARDS: '2' } : { DATABASE_URL: server.url }) };
    h = await startHarness({ llm: false, env });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await server?.close();
  });

  it('holds the limit when the user’s next question reaches another process, and shows a mention’s refusal once across them', async () => {
    await askSlash(h.fake, 'What is VaSSO?', { user });
    await h.replaceBot();
    expect(await ask(h, 'What does FaMUS approximate?')).toBe('answered');
    expect(await ask(h, 'What is GAMD?')).toMatch(/limit of 2 questions per minute\. Please try again in \d+ s\./);
    expect(await rateLimitRows(h, server)).toBe(1);

    const calls = h.fake.calls.length;
    const first = await h.fake.message({ content: 'What is VaSSO?', mentionsBot: true, author: user });
    await h.settle({ messageId: first.id });
    await h.replaceBot();
    const second = await h.fake.message({ content: 'What is VaSSO, again?', mentionsBot: true, author: user });
    await h.settle({ messageId: second.id });
    const posted = h.fake.calls.slice(calls).filter((c) => c.route === 'POST /channels/:channelId/messages');
    expect(posted.map((c) => c.message?.content)).toEqual([expect.stringMatching(/limit of 2 questions/)]);
  });
});

describe('one unsharded bot process counts in memory', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ llm: false, env: { RATE_LIMIT_QUESTIONS: '1', RATE_LIMIT_WINDOW_S: '60' } });
  }, 60_000);
  afterAll(async () => h.close());

  it('forgives a user in a new process and writes nothing to the state', async () => {
    expect(await ask(h, 'What is VaSSO?')).toBe('answered');
    expect(await ask(h, 'What is GAMD?')).toMatch(/limit of 1 question/);
    await h.replaceBot();
    expect(await ask(h, 'What does FaMUS approximate?')).toBe('answered');
    expect(await rateLimitRows(h)).toBe(0);
  });
});
