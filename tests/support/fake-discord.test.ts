/**
 * The fake Discord against the real discord.js Client: login, slash commands with subcommands, autocomplete,
 * buttons, mentions answered in threads, DMs, command registration, failure injection, Discord's limits,
 * resuming after a dropped connection, the Message Content intent, and a clean shutdown. The handlers here
 * are tiny stand-ins for the bot's; what matters is that the fake records what discord.js sends.
 */
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChannelType,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  Partials,
  PermissionFlagsBits,
  Routes,
  type Interaction,
  type Message,
  type TextChannel,
} from 'discord.js';
import { startFakeDiscord, type FakeDiscord, type RecordedCall } from './fake-discord.ts';

const TOKEN = 'fake-bot-token';
const NO_PINGS = { parse: [] } as const;

let fake: FakeDiscord;
let client: Client;
let loginMs = 0;
/** What the handlers saw or got back, for assertions on the discord.js side. */
const seen = { editedReply: null as Message | null, buttonMessageId: '', respondError: null as unknown };

const ALL_INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages, GatewayIntentBits.MessageContent];

function newClient(intents: GatewayIntentBits[] = ALL_INTENTS): Client {
  return new Client({ intents, partials: [Partials.Channel], rest: { api: fake.apiUrl, retries: 0, timeout: 2000 } });
}

async function login(target: Client): Promise<number> {
  const started = performance.now();
  const ready = once(target, Events.ClientReady);
  await target.login(TOKEN);
  await ready;
  return performance.now() - started;
}

async function onInteraction(interaction: Interaction): Promise<void> {
  if (interaction.isAutocomplete()) {
    const typed = interaction.options.getFocused();
    if (interaction.commandName === 'too-many') {
      const choices = Array.from({ length: 26 }, (_, i) => ({ name: `paper ${i}`, value: `p${i}` }));
      seen.respondError = await interaction.respond(choices).then(() => null, (error: unknown) => error);
      return;
    }
    await interaction.respond([{ name: `Attention (${typed})`, value: 'p1' }]);
  } else if (interaction.isButton()) {
    seen.buttonMessageId = interaction.message.id;
    await interaction.reply({ content: `Vote ${interaction.customId} stored`, flags: MessageFlags.Ephemeral });
  } else if (interaction.isChatInputCommand() && interaction.commandName === 'ask') {
    const isPrivate = interaction.options.getBoolean('private') ?? false;
    await interaction.deferReply(isPrivate ? { flags: MessageFlags.Ephemeral, withResponse: true } : {});
    const question = interaction.options.getString('question', true);
    seen.editedReply = await interaction.editReply({ content: `You asked: ${question} @everyone`, allowedMentions: NO_PINGS });
  } else if (interaction.isChatInputCommand() && interaction.commandName === 'digest') {
    if (!interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) {
      await interaction.reply({ content: 'You need the Manage Server permission.', flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
      return;
    }
    const channel = interaction.options.getChannel('channel', true);
    const summary = [
      interaction.options.getSubcommand(),
      channel.name,
      interaction.options.getString('time', true),
      interaction.options.getString('timezone', true),
      interaction.options.getInteger('count') ?? 5,
    ].join(' ');
    await interaction.reply({ content: summary, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
  }
}

async function onMessage(message: Message): Promise<void> {
  if (message.author.bot) return;
  if (message.channel.type === ChannelType.DM) {
    await message.reply({ content: `DM answer to: ${message.content}`, allowedMentions: NO_PINGS });
  } else if (message.channel.isThread() && message.channel.ownerId === client.user?.id) {
    await message.channel.send({ content: `Follow-up answer to: ${message.content}`, allowedMentions: NO_PINGS });
  } else if (client.user && message.mentions.has(client.user)) {
    const thread = await message.startThread({ name: message.content.replace(/<@!?\d+>/g, '').trim().slice(0, 100) || 'question' });
    await thread.send({ content: 'Answer in the thread', allowedMentions: NO_PINGS });
  }
}

beforeAll(async () => {
  fake = await startFakeDiscord({
    token: TOKEN,
    guilds: [{ name: 'Paper Club', channels: ['general', 'digest', 'locked'], roles: [{ name: 'Mods', permissions: PermissionFlagsBits.ManageGuild }] }],
  });
  client = newClient();
  client.on(Events.InteractionCreate, (interaction) => void onInteraction(interaction));
  client.on(Events.MessageCreate, (message) => void onMessage(message));
  loginMs = await login(client);
}, 10_000);

afterAll(async () => {
  await fake?.close();
  await client?.destroy();
});

describe('fake Discord driven by the real discord.js Client', () => {
  it('lets the client log in and become ready with the configured guild and channels', () => {
    expect(client.isReady()).toBe(true);
    expect(client.user?.id).toBe(fake.botUser.id);
    expect(client.application?.id).toBe(fake.applicationId);
    const guild = client.guilds.cache.get(fake.guilds[0]?.id ?? '');
    expect(guild?.name).toBe('Paper Club');
    expect(guild?.channels.cache.map((c) => c.name).sort()).toEqual(['digest', 'general', 'locked']);
    expect(guild?.members.me?.permissions.has(PermissionFlagsBits.SendMessages)).toBe(true);
    expect(fake.findCalls({ route: 'GET /gateway/bot' })[0]?.authorization).toBe(`Bot ${TOKEN}`);
    expect(loginMs).toBeLessThan(2000);
  });

  it('records the deferral and the edit that answer a slash command', async () => {
    const ix = await fake.interaction({ name: 'ask', options: { question: 'What is VaSSO?' } });

    const deferral = await fake.waitForCall({ interactionId: ix.id, route: 'POST /interactions/:interactionId/:token/callback' });
    expect(deferral.callback?.type).toBe(InteractionResponseType.DeferredChannelMessageWithSource);
    expect(deferral.status).toBe(204);

    const edit = await fake.waitForCall({ interactionId: ix.id, method: 'PATCH' });
    expect(edit.path).toBe(`/webhooks/${fake.applicationId}/${ix.token}/messages/@original`);
    expect(edit.route).toBe('PATCH /webhooks/:applicationId/:token/messages/:messageId');
    expect(edit.message).toMatchObject({ content: 'You asked: What is VaSSO? @everyone', allowed_mentions: { parse: [] } });
    expect(edit.channelId).toBe(ix.channelId);
    expect(edit.response).toMatchObject({ mention_everyone: false, mentions: [] });
    await expect.poll(() => seen.editedReply?.content).toBe('You asked: What is VaSSO? @everyone');
    expect(seen.editedReply?.author.id).toBe(fake.botUser.id);
  });

  it('marks a private deferral ephemeral', async () => {
    const ix = await fake.interaction({ name: 'ask', options: { question: 'secret?', private: true } });
    const deferral = await fake.waitForCall({ interactionId: ix.id, route: 'POST /interactions/:interactionId/:token/callback' });
    expect((deferral.callback?.data?.flags ?? 0) & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(deferral.query.with_response).toBe('true');
    expect(deferral.response).toMatchObject({ interaction: { id: ix.id, response_message_ephemeral: true } });
    await fake.waitForCall({ interactionId: ix.id, method: 'PATCH' });
  });

  it('delivers subcommands with channel options and the member permissions', async () => {
    const digest = fake.channel('digest');
    const subscribe = { subcommand: 'subscribe', name: 'digest', options: { channel: { channel: digest.id }, time: '09:00', timezone: 'Europe/Berlin', count: 3 } };

    const allowed = await fake.interaction({ ...subscribe, memberPermissions: PermissionFlagsBits.ManageGuild });
    const reply = await fake.waitForCall({ interactionId: allowed.id });
    expect(reply.callback?.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(reply.message?.content).toBe('subscribe digest 09:00 Europe/Berlin 3');

    const refused = await fake.interaction(subscribe);
    const refusal = await fake.waitForCall({ interactionId: refused.id });
    expect(refusal.message?.content).toBe('You need the Manage Server permission.');
    expect(refusal.message?.flags).toBe(MessageFlags.Ephemeral);
  });

  it('records autocomplete choices and refuses more than 25, as Discord does', async () => {
    const ix = await fake.interaction({ type: InteractionType.ApplicationCommandAutocomplete, name: 'paper', options: { query: 'att' }, focused: 'query' });
    const answer = await fake.waitForCall({ interactionId: ix.id });
    expect(answer.callback).toEqual({ type: InteractionResponseType.ApplicationCommandAutocompleteResult, data: { choices: [{ name: 'Attention (att)', value: 'p1' }] } });

    const tooMany = await fake.interaction({ type: InteractionType.ApplicationCommandAutocomplete, name: 'too-many', options: { query: '' }, focused: 'query' });
    const refused = await fake.waitForCall({ interactionId: tooMany.id });
    expect(refused.status).toBe(400);
    await expect.poll(() => (seen.respondError as DiscordAPIError | null)?.code).toBe(50035);
  });

  it('records an ephemeral reply to a button press on its message', async () => {
    const ix = await fake.interaction({ type: InteractionType.MessageComponent, customId: 'vote:up:a1' });
    const reply = await fake.waitForCall({ interactionId: ix.id });
    expect(reply.callback?.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(reply.message).toMatchObject({ content: 'Vote vote:up:a1 stored', flags: MessageFlags.Ephemeral });
    expect(seen.buttonMessageId).toBe(ix.messageId);
  });

  it('answers a mention in a thread started from it, and a follow-up in that thread', async () => {
    const general = fake.channel('general');
    const question = await fake.message({ content: 'what is sharpness-aware minimization?', mentionsBot: true });

    const start = await fake.waitForCall({ route: 'POST /channels/:channelId/messages/:messageId/threads', path: `/channels/${general.id}/messages/${question.id}/threads` });
    expect(start.body).toMatchObject({ name: 'what is sharpness-aware minimization?' });
    expect(start.response).toMatchObject({ id: question.id, type: ChannelType.PublicThread, parent_id: general.id });

    const answer = await fake.waitForCall({ route: 'POST /channels/:channelId/messages', channelId: question.id });
    expect(answer.message).toMatchObject({ content: 'Answer in the thread', allowed_mentions: { parse: [] } });

    const followUp = await fake.message({ channelId: question.id, content: 'and for transformers?' });
    const second = await fake.waitForCall((c) => c.channelId === question.id && c.message?.content === 'Follow-up answer to: and for transformers?');
    expect(second.status).toBe(200);
    expect(fake.messagesIn(question.id).map((m) => m.id)).toContain(followUp.id);
  });

  it('answers a DM with a reply, and ignores its own echoed message', async () => {
    const dm = await fake.message({ dm: true, content: 'hello bot' });
    const reply = await fake.waitForCall({ route: 'POST /channels/:channelId/messages', channelId: dm.channelId });
    expect(reply.message).toMatchObject({ content: 'DM answer to: hello bot', message_reference: { message_id: dm.id } });
    expect(reply.response).toMatchObject({ type: 19, referenced_message: { id: dm.id } });
    await sleep(50);
    expect(fake.findCalls({ channelId: dm.channelId, method: 'POST' })).toHaveLength(1);
  });

  it('records command registration and echoes the commands with ids', async () => {
    const guildId = fake.guilds[0]?.id ?? '';
    const commands = [
      { name: 'ask', description: 'Ask about the papers', options: [{ type: 3, name: 'question', description: 'Your question', required: true }] },
      {
        name: 'digest',
        description: 'Daily digest',
        default_member_permissions: PermissionFlagsBits.ManageGuild.toString(),
        options: [{ type: 1, name: 'subscribe', description: 'Subscribe a channel', options: [{ type: 7, name: 'channel', description: 'Where', required: true }] }],
      },
    ];
    const echoed = (await client.rest.put(Routes.applicationGuildCommands(fake.applicationId, guildId), { body: commands })) as Array<{ id: string; name: string }>;
    const call = await fake.waitForCall({ route: 'PUT /applications/:applicationId/guilds/:guildId/commands' });
    expect(call.body).toEqual(commands);
    expect(echoed.map((c) => c.name)).toEqual(['ask', 'digest']);
    expect(echoed.every((c) => /^\d+$/.test(c.id))).toBe(true);
    expect(fake.commands(guildId).map((c) => c.id)).toEqual(echoed.map((c) => c.id));

    // A registered command gives option types: a bare channel id becomes a channel option.
    const ix = await fake.interaction({ name: 'digest', subcommand: 'subscribe', options: { channel: fake.channel('general').id, time: '08:00', timezone: 'UTC' }, memberPermissions: PermissionFlagsBits.ManageGuild });
    expect((await fake.waitForCall({ interactionId: ix.id })).message?.content).toBe('subscribe general 08:00 UTC 5');
  });

  it('makes a failing channel reject channel.send with the Discord error', async () => {
    const locked = (await client.channels.fetch(fake.channel('locked').id)) as TextChannel;
    fake.failChannel(locked.id, 403);
    const forbidden = await locked.send('digest').then(() => null, (error: unknown) => error);
    expect(forbidden).toBeInstanceOf(DiscordAPIError);
    expect(forbidden).toMatchObject({ code: 50001, status: 403, message: 'Missing Access' });
    fake.failChannel(locked.id, 404);
    await expect(locked.send('digest')).rejects.toBeInstanceOf(DiscordAPIError);
    expect(fake.findCalls({ channelId: locked.id }).at(-1)?.response).toEqual({ message: 'Unknown Channel', code: 10003 });
    fake.failChannel(locked.id, null);
    await expect(locked.send({ content: 'digest', allowedMentions: NO_PINGS })).resolves.toMatchObject({ content: 'digest' });
  });

  it("enforces Discord's message limits and records files sent as multipart", async () => {
    const general = client.channels.cache.get(fake.channel('general').id) as TextChannel;
    await expect(general.send('x'.repeat(2001))).rejects.toMatchObject({ code: 50035, status: 400 });

    const sent = await general.send({ content: 'today', files: [{ attachment: Buffer.from('paper list'), name: 'papers.txt' }], allowedMentions: NO_PINGS });
    const call = fake.findCalls({ route: 'POST /channels/:channelId/messages', channelId: general.id }).at(-1);
    expect(call?.message).toMatchObject({ content: 'today', allowed_mentions: { parse: [] } });
    expect(call?.files.map((f) => [f.name, f.data.toString()])).toEqual([['papers.txt', 'paper list']]);
    expect(sent.attachments.first()?.name).toBe('papers.txt');
  });

  it('answers and records an unknown route with a Discord-shaped 404', async () => {
    await expect(client.rest.get('/nothing/here')).rejects.toMatchObject({ status: 404 });
    expect(fake.findCalls({ route: null }).map((c) => [c.method, c.path, c.response])).toEqual([['GET', '/nothing/here', { message: '404: Not Found', code: 0 }]]);
  });

  it('resumes after a dropped connection and replays what the client missed, once', async () => {
    const resumed = once(client, Events.ShardResume);
    await fake.disconnect(4000);
    // Dispatched while the client is away: kept by the session and replayed on RESUME.
    const dm = await fake.message({ dm: true, content: 'still there?' });
    await resumed;
    expect(fake.gatewayLog.some((frame) => frame.op === 6)).toBe(true);
    expect(fake.connections.at(-1)?.path).toBe('/resume');

    const isAnswer = (call: RecordedCall): boolean => call.channelId === dm.channelId && call.message?.content === 'DM answer to: still there?';
    await fake.waitForCall(isAnswer, 3000);
    await sleep(50);
    expect(fake.findCalls(isAnswer)).toHaveLength(1);
  });

  it('blanks guild messages without a mention for a client lacking the Message Content intent', async () => {
    const limited = newClient([GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages]);
    const contents: string[] = [];
    limited.on(Events.MessageCreate, (message) => {
      if (!message.author.bot) contents.push(message.content);
    });
    try {
      await login(limited);
      await fake.message({ content: 'just chatting' });
      await fake.message({ content: 'a question', mentionsBot: true });
      await expect.poll(() => contents.length).toBe(2);
      expect(contents).toEqual(['', `<@${fake.botUser.id}> a question`]);
    } finally {
      await limited.destroy();
    }
  });

  it('shuts down without the client reconnecting', async () => {
    const attempts: string[] = [];
    client.on(Events.Debug, (line) => {
      if (line.includes('Connecting to')) attempts.push(line);
    });
    await fake.close();
    await client.destroy();
    await sleep(700); // longer than the 500 ms discord.js waits before reconnecting
    expect(attempts).toEqual([]);
  });
});
