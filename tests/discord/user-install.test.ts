/**
 * paperbot as a user-installable app, end to end against the fake Discord: /ask, /paper, /similar and /cite
 * are registered for both install types and every context, so a member who added paperbot to their account
 * uses them in any DM (a channel the bot cannot see: everything goes through the interaction); /digest and
 * /add stay guild-only. A user-installed app gets at most 5 follow-ups per interaction: a long answer fits.
 */
import { describe, expect, it } from 'vitest';
import { ApplicationIntegrationType, InteractionContextType, InteractionType, MessageFlags, Routes } from 'discord.js';
import { commandDefinitions } from '../../src/discord/commands/index.ts';
import { carriesFeedback, type Harness, useHarness } from './harness.ts';

let h: Harness;
const { acceptCallsSoFar } = useHarness({}, {
  started: async (started) => {
    h = started;
    // Outside a server only global commands exist: register them as `npm run deploy-commands` (no --guild) does.
    await h.bot.client.rest.put(Routes.applicationCommands(h.fake.applicationId), { body: commandDefinitions({ maxQuestionLength: h.config.retrieval.maxQuestionLength }) });
  },
});

const EVERYWHERE = [InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel];
const BOTH_INSTALLS = [ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall];

describe('a user-installable app', () => {
  it('registers /ask, /paper, /similar, /cite and the Ask paperbot message menu for guild and user installs in every context; /digest and /add for servers only', () => {
    const commands = new Map(h.fake.commands().map((c) => [c.name, c]));
    for (const name of ['ask', 'paper', 'similar', 'cite', 'Ask paperbot']) {
      expect(commands.get(name)?.integration_types, name).toEqual(BOTH_INSTALLS);
      expect(commands.get(name)?.contexts, name).toEqual(EVERYWHERE);
    }
    for (const name of ['digest', 'add']) {
      expect(commands.get(name)?.integration_types ?? [ApplicationIntegrationType.GuildInstall], name).toEqual([ApplicationIntegrationType.GuildInstall]);
      expect(commands.get(name)?.contexts, name).toEqual([InteractionContextType.Guild]);
    }
  });

  it('answers /ask in a DM between two people (context 2, user install), through the interaction only', async () => {
    const ix = await h.fake.interaction({ name: 'ask', options: { question: 'What does FaMUS approximate?' }, privateChannel: true });
    const final = await h.fake.waitForCall((c) => c.interactionId === ix.id && carriesFeedback(c), 8000);
    expect(final.message?.content).toContain('Faster Meta Update Strategy for Noise-Robust Deep Learning');
    // Nothing went to the channel itself: the bot is not in it.
    expect(h.fake.findCalls({ channelId: ix.channelId }).filter((c) => c.interactionId === null)).toEqual([]);
  });

  it('a long answer fits in the 5 follow-ups a user-installed app may send', async () => {
    h.llm!.enqueue({ content: Array.from({ length: 400 }, (_, i) => `Sentence ${i} of a very long answer about meta gradients [1].`).join(' ') });
    const ix = await h.fake.interaction({ name: 'ask', options: { question: 'How does FaMUS approximate the meta gradient to save training time?' }, privateChannel: true });
    const final = await h.fake.waitForCall((c) => c.interactionId === ix.id && carriesFeedback(c), 8000);
    const followUps = h.fake.findCalls({ interactionId: ix.id, route: 'POST /webhooks/:applicationId/:token' });
    expect(followUps.length).toBeGreaterThan(0);
    expect(followUps.length).toBeLessThanOrEqual(5);
    expect(final.status).toBe(200);
    expect(followUps.every((c) => c.status === 200)).toBe(true);
  });

  it('looks papers up and cites them in a private channel', async () => {
    const paper = await h.fake.interaction({ name: 'paper', options: { query: 'VaSSO' }, privateChannel: true });
    expect((await h.fake.waitForCall({ interactionId: paper.id })).message?.embeds?.[0]?.title).toBe('Enhancing Sharpness-Aware Optimization Through Variance Suppression');
    const cite = await h.fake.interaction({ name: 'cite', options: { paper: 'VaSSO' }, privateChannel: true });
    expect((await h.fake.waitForCall({ interactionId: cite.id })).files.map((f) => f.name)).toEqual(['li2023enhancing.bib']);
    const similar = await h.fake.interaction({ name: 'similar', options: { paper: 'VaSSO' }, privateChannel: true });
    expect((await h.fake.waitForCall({ interactionId: similar.id })).message?.content).toMatch(/^\*\*Papers similar to/);
  });

  it('does not offer /digest through a user install (Discord would not show it)', async () => {
    await expect(h.fake.interaction({ name: 'digest', subcommand: 'status', privateChannel: true })).rejects.toThrow(/integration_types \[0\]/);
  });

  it('the fake enforces the limit: a 6th follow-up of a user-installed interaction is refused with 40094', async () => {
    const ix = await h.fake.interaction({ name: 'help', userInstall: true, dm: true });
    await h.fake.waitForCall({ interactionId: ix.id });
    const post = (n: number) =>
      fetch(`${h.fake.apiUrl}/v10/webhooks/${h.fake.applicationId}/${ix.token}?wait=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ content: `follow-up ${n}`, flags: MessageFlags.Ephemeral }),
      });
    for (let n = 1; n <= 5; n += 1) expect((await post(n)).status).toBe(200);
    const sixth = await post(6);
    expect(sixth.status).toBe(400);
    expect(await sixth.json()).toMatchObject({ code: 40094 });
    // Refused on purpose here: not a defect of the bot.
    acceptCallsSoFar();
  });

  it('a follow-up within the server install is not limited (the server installed the app)', async () => {
    const ix = await h.fake.interaction({ name: 'help', type: InteractionType.ApplicationCommand });
    await h.fake.waitForCall({ interactionId: ix.id });
    for (let n = 1; n <= 6; n += 1) {
      const response = await fetch(`${h.fake.apiUrl}/v10/webhooks/${h.fake.applicationId}/${ix.token}?wait=true`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: `follow-up ${n}` }) });
      expect(response.status).toBe(200);
    }
  });
});
