/**
 * The slash commands end to end: the real discord.js Client in PaperBot against the fake Discord, the real
 * assistant over a temp index of the shipped corpus, and the fake OpenAI server; assertions on the REST
 * traffic the fake recorded.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GatewayIntentBits, InteractionResponseType, InteractionType, MessageFlags } from 'discord.js';
import { askSlash, buttonsOf, restErrors, startHarness, TOKEN, type Harness } from './harness.ts';

let h: Harness;
let startMs = 0;

beforeAll(async () => {
  const started = performance.now();
  h = await startHarness();
  startMs = performance.now() - started;
}, 120_000);

afterAll(async () => {
  await h?.close();
});

let callsBefore = 0;
let logsBefore = 0;
beforeEach(() => {
  callsBefore = h.fake.calls.length;
  logsBefore = h.logs.length;
});

afterEach(() => {
  expect(restErrors(h.fake.calls.slice(callsBefore))).toEqual([]);
  const logged = JSON.stringify(h.logs.slice(logsBefore));
  expect(logged).not.toContain(TOKEN);
  expect(logged).not.toMatch(/fake-interaction-[0-9a-f]{24}/);
});

describe('slash commands against the fake Discord', () => {
  it('logs in and becomes ready, asking for no privileged intent by default', () => {
    expect(h.bot.client.isReady()).toBe(true);
    const identify = h.fake.gatewayLog.find((frame) => frame.op === 2)?.d as { intents: number };
    expect(identify.intents & GatewayIntentBits.MessageContent).toBe(0);
    expect(identify.intents & GatewayIntentBits.GuildMessages).toBe(GatewayIntentBits.GuildMessages);
    expect(h.fake.findCalls({ route: 'GET /gateway/bot' })).toHaveLength(1);
    console.info(`harness start (workspace, index, login): ${startMs.toFixed(0)} ms`);
  });

  it('/ask defers at once, then edits in the answer citing sources that exist', async () => {
    const { final, calls, dispatchedAt } = await askSlash(h.fake, 'What does FaMUS approximate to save training time?');
    const [deferral] = calls();
    expect(deferral?.callback?.type).toBe(InteractionResponseType.DeferredChannelMessageWithSource);
    expect((deferral?.callback?.data?.flags ?? 0) & MessageFlags.Ephemeral).toBe(0);
    const deferMs = deferral!.at - dispatchedAt;
    expect(deferMs).toBeLessThan(1000);
    console.info(`/ask: deferred after ${deferMs.toFixed(0)} ms, answered after ${(final.at - dispatchedAt).toFixed(0)} ms`);

    expect(final.path).toMatch(/\/messages\/@original$/);
    const content = final.message?.content ?? '';
    expect(content).toMatch(/\[1\]/);
    expect(content).toContain('**Sources**');
    expect(content).toContain('Faster Meta Update Strategy for Noise-Robust Deep Learning');
    // Every cited number has a source line, and every source line names a real corpus line.
    const cited = new Set([...content.split('**Sources**')[0]!.matchAll(/\[(\d+)\]/g)].map((m) => m[1]));
    for (const n of cited) expect(content).toMatch(new RegExp(`\`\\[${n}\\]\` .* — \`seed-papers\\.jsonl:\\d+\``));
    // Links are wrapped in <> (no previews), and there are link buttons and feedback buttons.
    expect(content).toMatch(/<https:\/\/openaccess\.thecvf\.com\/[^>]+>/);
    const buttons = buttonsOf(final);
    expect(buttons.some((b) => b.style === 5 && b.url?.startsWith('https://openaccess.thecvf.com/'))).toBe(true);
    expect(buttons.filter((b) => b.custom_id?.startsWith('feedback:')).map((b) => b.custom_id?.split(':')[1])).toEqual(['up', 'down']);
    expect(final.status).toBe(200);
  });

  it('/ask private:true defers ephemerally', async () => {
    const { calls, final } = await askSlash(h.fake, 'What is VaSSO?', { private: true });
    const deferral = calls()[0];
    expect((deferral?.callback?.data?.flags ?? 0) & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect((final.response as { flags: number }).flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
  });

  it('/ask works in a DM with the bot too', async () => {
    const { final } = await askSlash(h.fake, 'What is VaSSO?', { dm: true });
    expect(final.message?.content).toMatch(/\[\d\]/);
    expect(final.status).toBe(200);
  });

  it('/ask answers an off-topic question with a clear refusal, without calling the model', async () => {
    const before = h.llm!.requests.length;
    const { final } = await askSlash(h.fake, 'What is the capital of Australia?');
    expect(final.message?.content).toMatch(/do not seem to cover this question/);
    expect(final.message?.content).toMatch(/no answer was generated/);
    expect(h.llm!.requests.length).toBe(before);
  });

  it('/paper autocomplete gives at most 25 choices of at most 100 characters, for a prefix and for an acronym', async () => {
    const choicesFor = async (typed: string) => {
      const ix = await h.fake.interaction({ type: InteractionType.ApplicationCommandAutocomplete, name: 'paper', options: { query: typed }, focused: 'query' });
      const call = await h.fake.waitForCall({ interactionId: ix.id });
      expect(call.status).toBe(204);
      expect(call.callback?.type).toBe(InteractionResponseType.ApplicationCommandAutocompleteResult);
      const choices = call.callback?.data?.choices ?? [];
      expect(choices.length).toBeLessThanOrEqual(25);
      for (const c of choices) {
        expect(c.name.length).toBeGreaterThan(0);
        expect(c.name.length).toBeLessThanOrEqual(100);
        expect(String(c.value).length).toBeLessThanOrEqual(100);
      }
      return choices;
    };
    const prefix = await choicesFor('Fast');
    expect(prefix[0]?.name).toMatch(/^Faster Meta Update Strategy/);
    const acronym = await choicesFor('VaSSO');
    expect(acronym[0]?.name).toMatch(/Sharpness-Aware Optimization Through Variance Suppression/);
    const everything = await choicesFor('');
    expect(everything.length).toBeGreaterThan(5);
  });

  it('/paper replies with an embed within every embed limit and a "Similar papers" button that works', async () => {
    const ix = await h.fake.interaction({ name: 'paper', options: { query: 'FaMUS' } });
    const reply = await h.fake.waitForCall({ interactionId: ix.id });
    expect(reply.status).toBe(204);
    const embed = reply.message?.embeds?.[0];
    expect(embed?.title).toBe('Faster Meta Update Strategy for Noise-Robust Deep Learning');
    expect(embed?.url).toMatch(/^https:\/\/openaccess\.thecvf\.com\//);
    expect(embed?.fields?.map((f) => f.name)).toEqual(expect.arrayContaining(['Authors', 'Year', 'Venue', 'Source', 'Id']));
    expect(embed?.title?.length ?? 0).toBeLessThanOrEqual(256);
    expect(embed?.description?.length ?? 0).toBeLessThanOrEqual(4096);
    expect(embed?.description).toMatch(/FaMUS/);
    for (const f of embed?.fields ?? []) expect(f.value.length).toBeLessThanOrEqual(1024);
    const total = (embed?.title?.length ?? 0) + (embed?.description?.length ?? 0) + (embed?.fields ?? []).reduce((s, f) => s + f.name.length + f.value.length, 0);
    expect(total).toBeLessThanOrEqual(6000);

    const similar = buttonsOf(reply).find((b) => b.custom_id?.startsWith('similar:'));
    expect(similar?.label).toBe('Similar papers');
    const press = await h.fake.interaction({ type: InteractionType.MessageComponent, customId: similar!.custom_id!, messageId: (reply.response as { id?: string } | undefined)?.id ?? h.fake.messagesIn(ix.channelId).at(-1)!.id, channelId: ix.channelId });
    const list = await h.fake.waitForCall({ interactionId: press.id });
    expect(list.message?.flags).toBe(MessageFlags.Ephemeral);
    expect(list.message?.content).toMatch(/^\*\*Papers similar to Faster Meta Update Strategy/);
    expect(list.message?.content?.match(/^\d\. /gm)).toHaveLength(5);
  });

  it('/paper says so, privately, when nothing matches', async () => {
    const ix = await h.fake.interaction({ name: 'paper', options: { query: 'zzzzqqqq' } });
    const reply = await h.fake.waitForCall({ interactionId: ix.id });
    expect(reply.message).toMatchObject({ flags: MessageFlags.Ephemeral, content: expect.stringMatching(/^No paper matches “zzzzqqqq”/) });
  });

  it('/paper of a quote or an asterisk alone matches no paper, and its autocomplete offers none', async () => {
    for (const typed of ['"', '*']) {
      const ix = await h.fake.interaction({ name: 'paper', options: { query: typed } });
      const reply = await h.fake.waitForCall({ interactionId: ix.id });
      expect(reply.message).toMatchObject({ flags: MessageFlags.Ephemeral, content: expect.stringMatching(/^No paper matches “\\?[*"]”/) });
      const typing = await h.fake.interaction({ type: InteractionType.ApplicationCommandAutocomplete, name: 'paper', options: { query: typed }, focused: 'query' });
      expect((await h.fake.waitForCall({ interactionId: typing.id })).callback?.data?.choices).toEqual([]);
    }
  });

  it('/paper falls back to the abstracts when no title, name, author or id matches, and says so', async () => {
    const ix = await h.fake.interaction({ name: 'paper', options: { query: 'label noise' } });
    const reply = await h.fake.waitForCall({ interactionId: ix.id });
    const shown = reply.message?.embeds?.[0]?.title;
    const titles = ['Faster Meta Update Strategy for Noise-Robust Deep Learning', 'Enhancing Sharpness-Aware Optimization Through Variance Suppression'];
    expect(titles).toContain(shown);
    expect(reply.message?.content).toMatch(/No title, method name, author or id matches “label noise”; this paper matched by the content of its abstract/);
    expect(reply.message?.content).toContain(`Also matching by content: **${titles.find((t) => t !== shown)}**`);
    expect(reply.message?.flags ?? 0).not.toBe(MessageFlags.Ephemeral);
  });

  it('/paper autocomplete marks papers found by their abstracts', async () => {
    const ix = await h.fake.interaction({ type: InteractionType.ApplicationCommandAutocomplete, name: 'paper', options: { query: 'label noise' }, focused: 'query' });
    const choices = (await h.fake.waitForCall({ interactionId: ix.id })).callback?.data?.choices ?? [];
    expect(choices.map((c) => c.name)).toEqual(
      expect.arrayContaining(['Faster Meta Update Strategy for Noise-Robust Deep Learning (2021) · abstract', 'Enhancing Sharpness-Aware Optimization Through Variance Suppression (2023) · abstract']),
    );
    for (const c of choices) expect(c.name.length).toBeLessThanOrEqual(100);
    const byTitle = await h.fake.interaction({ type: InteractionType.ApplicationCommandAutocomplete, name: 'paper', options: { query: 'pruning' }, focused: 'query' });
    const titled = (await h.fake.waitForCall({ interactionId: byTitle.id })).callback?.data?.choices ?? [];
    expect(titled.map((c) => c.name)).toEqual(['Towards Meta-Pruning via Optimal Transport (2024)']);
  });

  it('/similar takes a topic too, saying the paper was found by its abstract', async () => {
    const ix = await h.fake.interaction({ name: 'similar', options: { paper: 'permutation loss' } });
    const reply = await h.fake.waitForCall({ interactionId: ix.id });
    expect(reply.message?.content).toMatch(/^-# No title, method name, author or id matches “permutation loss”; this paper matched by the content of its abstract\.\n\*\*Papers similar to Sound Source Separation/);
  });

  it('/similar lists five other papers, never the paper itself', async () => {
    const famus = (await h.assistant.findPapers('FaMUS', 1))[0]!;
    const ix = await h.fake.interaction({ name: 'similar', options: { paper: famus.id } });
    const reply = await h.fake.waitForCall({ interactionId: ix.id });
    const lines = (reply.message?.content ?? '').split('\n').filter((l) => /^\d\. /.test(l));
    expect(lines).toHaveLength(5);
    for (const line of lines) {
      expect(line).not.toContain(famus.title!);
      expect(line).not.toContain(`\`${famus.source}\``);
    }
    const sources = lines.map((l) => /`(seed-papers\.jsonl:\d+)`/.exec(l)?.[1]);
    expect(new Set(sources).size).toBe(5);
  });

  it('/help and /about answer privately; /about tells the corpus size, model, build time and retrieval mode', async () => {
    const helpIx = await h.fake.interaction({ name: 'help' });
    const helpReply = await h.fake.waitForCall({ interactionId: helpIx.id });
    expect(helpReply.message).toMatchObject({ flags: MessageFlags.Ephemeral, content: expect.stringContaining('/ask question') });
    for (const command of ['/ask', '/paper', '/similar', '/digest', '/about']) expect(helpReply.message?.content).toContain(command);
    const aboutIx = await h.fake.interaction({ name: 'about' });
    const about = (await h.fake.waitForCall({ interactionId: aboutIx.id })).message?.content ?? '';
    expect(about).toMatch(/Corpus: 11 papers, 11 passages; index built <t:\d+:f>/);
    expect(about).toMatch(/Embeddings: local:test-model \(32 dims, mean pooling/);
    expect(about).toMatch(/Retrieval: hybrid/);
    expect(about).toMatch(/written by fake-model/);
  });

  it('stores a 👍 and acknowledges it privately; a second press by the same user replaces the vote', async () => {
    const { final } = await askSlash(h.fake, 'How does VaSSO stabilize the adversary?');
    const [up, down] = buttonsOf(final).filter((b) => b.custom_id?.startsWith('feedback:'));
    const answerId = up!.custom_id!.split(':')[2]!;
    const messageId = (final.response as { id: string }).id;
    const voter = { id: '4242', username: 'carol' };

    const first = await h.fake.interaction({ type: InteractionType.MessageComponent, customId: up!.custom_id!, messageId, user: voter });
    const ack = await h.fake.waitForCall({ interactionId: first.id });
    expect(ack.message).toMatchObject({ flags: MessageFlags.Ephemeral, content: expect.stringContaining('👍 is recorded') });
    expect(await h.state.feedback.votes(answerId)).toEqual([expect.objectContaining({ answerId, userId: '4242', vote: 'up' })]);

    const second = await h.fake.interaction({ type: InteractionType.MessageComponent, customId: down!.custom_id!, messageId, user: voter });
    const ack2 = await h.fake.waitForCall({ interactionId: second.id });
    expect(ack2.message?.content).toBe('Changed your vote from 👍 to 👎.');
    expect(await h.state.feedback.votes(answerId)).toEqual([expect.objectContaining({ answerId, userId: '4242', vote: 'down' })]);

    const other = await h.fake.interaction({ type: InteractionType.MessageComponent, customId: up!.custom_id!, messageId, user: { id: '4343', username: 'dave' } });
    await h.fake.waitForCall({ interactionId: other.id });
    expect(await h.state.feedback.feedbackSummary(answerId)).toEqual({ up: 1, down: 1 });
    expect(await h.state.feedback.getAnswer(answerId)).toMatchObject({ question: 'How does VaSSO stabilize the adversary?', source: 'slash', mode: 'llm' });
  });

  it('never logs the bot token, not even while logging in', () => {
    // The other tests check their own log lines after they end; these are the start-up's.
    expect(h.logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(h.logs)).not.toContain(TOKEN);
    expect(JSON.stringify(h.logs)).not.toMatch(/fake-interaction-[0-9a-f]{24}/);
  });
});
