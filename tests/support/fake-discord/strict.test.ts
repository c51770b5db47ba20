/**
 * The fake Discord refuses what Discord refuses and simulates what a bot meets only in production: invalid
 * payloads (50035 with the field's path), 429s that discord.js waits out, interaction tokens that expire,
 * the bot's channel permissions (403 50013), guild commands absent from DMs, 4014 for a privileged intent not
 * enabled, and a reply to the bot listed as a mention without being one. Real discord.js Client and REST.
 */
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  OverwriteType,
  PermissionFlagsBits,
  Routes,
  type Message,
  type TextChannel,
} from 'discord.js';
import { startFakeDiscord, type FakeDiscord } from '../fake-discord.ts';

const TOKEN = 'fake-bot-token';
let fake: FakeDiscord;
let client: Client;
let clock = 0;
const received: Message[] = [];

beforeAll(async () => {
  fake = await startFakeDiscord({ token: TOKEN, now: () => clock, guilds: [{ id: '1', channels: ['general', 'quiet'] }] });
  client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages], rest: { api: fake.apiUrl, retries: 0, timeout: 2000 } });
  client.on(Events.MessageCreate, (message) => received.push(message));
  const ready = once(client, Events.ClientReady);
  await client.login(TOKEN);
  await ready;
}, 20_000);

afterAll(async () => {
  await fake?.close();
  await client?.destroy();
});

/** The field errors Discord answered a refused call with, as `path code` lines. */
async function refusal(call: Promise<unknown>): Promise<{ status: number; code: number | string; fields: string[] }> {
  const error = await call.then(() => null, (e: unknown) => e);
  if (!(error instanceof DiscordAPIError)) throw new Error(`expected a DiscordAPIError, got ${String(error)}`);
  const fields: string[] = [];
  const walk = (node: unknown, path: string[]): void => {
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '_errors') for (const e of value as Array<{ code: string }>) fields.push(`${path.join('.')} ${e.code}`);
      else walk(value, [...path, key]);
    }
  };
  walk((error.rawError as { errors?: unknown }).errors, []);
  return { status: error.status, code: error.code, fields };
}

const button = (fields: Record<string, unknown>) => ({ type: 1, components: [{ type: 2, style: 1, label: 'Go', ...fields }] });
const post = (body: unknown) => client.rest.post(Routes.channelMessages(fake.channel('general').id), { body });

describe('payloads Discord rejects (400 Invalid Form Body, 50035)', () => {
  it.each([
    ['a duplicate custom_id', { components: [button({ custom_id: 'a' }), button({ custom_id: 'a' })] }, 'components.1.components.0.custom_id COMPONENT_CUSTOM_ID_DUPLICATED'],
    ['a link button to javascript:', { components: [button({ style: 5, url: 'javascript:alert(1)' })] }, 'components.0.components.0.url URL_TYPE_INVALID_SCHEME'],
    ['a link button URL over 512 characters', { components: [button({ style: 5, url: `https://example.org/${'a'.repeat(500)}` })] }, 'components.0.components.0.url BASE_TYPE_MAX_LENGTH'],
    ['a button with neither label nor emoji', { components: [button({ custom_id: 'x', label: undefined })] }, 'components.0.components.0.label BASE_TYPE_REQUIRED'],
    ['an embed field without a name', { embeds: [{ fields: [{ name: '', value: 'v' }] }] }, 'embeds.0.fields.0.name BASE_TYPE_REQUIRED'],
    ['an embed field without a value', { embeds: [{ fields: [{ name: 'n', value: '' }] }] }, 'embeds.0.fields.0.value BASE_TYPE_REQUIRED'],
    ['a nonce over 25 characters', { content: 'hi', nonce: 'n'.repeat(26) }, 'nonce BASE_TYPE_MAX_LENGTH'],
    ['a lone surrogate', { content: 'cut emoji \ud83d' }, 'content STRING_TYPE_INVALID_UNICODE'],
    ['a lone surrogate in an embed', { embeds: [{ title: '\udca9 title' }] }, 'embeds.0.title STRING_TYPE_INVALID_UNICODE'],
  ])('refuses %s', async (_name, body, field) => {
    const before = fake.messagesIn(fake.channel('general').id).length;
    expect(await refusal(post(body))).toEqual({ status: 400, code: 50035, fields: [field] });
    expect(fake.messagesIn(fake.channel('general').id)).toHaveLength(before);
  });

  it('accepts the valid forms of the same payloads', async () => {
    await expect(post({ content: 'ok 🙂', nonce: 'n'.repeat(25), embeds: [{ fields: [{ name: 'n', value: 'v' }] }], components: [button({ custom_id: 'a' }), button({ style: 5, url: 'https://arxiv.org/abs/2401.00001' }), { type: 1, components: [{ type: 2, style: 2, emoji: { name: '👍' }, custom_id: 'b' }] }] })).resolves.toMatchObject({ content: 'ok 🙂' });
  });

  it('refuses a thread auto_archive_duration outside 60/1440/4320/10080', async () => {
    const message = (await post({ content: 'start here' })) as { id: string };
    const route = Routes.threads(fake.channel('general').id, message.id);
    expect(await refusal(client.rest.post(route, { body: { name: 'q', auto_archive_duration: 120 } }))).toEqual({ status: 400, code: 50035, fields: ['auto_archive_duration BASE_TYPE_CHOICES'] });
    await expect(client.rest.post(route, { body: { name: 'q', auto_archive_duration: 1440 } })).resolves.toMatchObject({ name: 'q' });
  });

  it('refuses unknown contexts and integration_types and a number as default_member_permissions in command registration', async () => {
    const command = { name: 'ask', description: 'Ask', type: 1 };
    const put = (fields: object) => client.rest.put(Routes.applicationCommands(fake.applicationId), { body: [{ ...command, ...fields }] });
    expect((await refusal(put({ contexts: [0, 3] }))).fields).toEqual(['0.contexts.1 BASE_TYPE_CHOICES']);
    expect((await refusal(put({ integration_types: [2] }))).fields).toEqual(['0.integration_types.0 BASE_TYPE_CHOICES']);
    expect((await refusal(put({ default_member_permissions: 32 }))).fields).toEqual(['0.default_member_permissions STRING_TYPE_CONVERT']);
    await expect(put({ contexts: [0, 1, 2], integration_types: [0, 1], default_member_permissions: '32' })).resolves.toHaveLength(1);
  });
});

describe('what a bot meets only in production', () => {
  it('answers 429 with retry_after, which discord.js waits out before sending again (route and global)', async () => {
    const general = client.channels.cache.get(fake.channel('general').id) as TextChannel;
    for (const global of [false, true]) {
      fake.rateLimit({ route: 'POST /channels/:channelId/messages' }, { retryAfterS: 0.2, global });
      const before = fake.calls.length;
      const started = performance.now();
      await expect(general.send(`after the limit (global: ${global})`)).resolves.toMatchObject({ content: `after the limit (global: ${global})` });
      const calls = fake.calls.slice(before).filter((c) => c.route === 'POST /channels/:channelId/messages');
      expect(calls.map((c) => c.status)).toEqual([429, 200]);
      expect(calls[0]?.response).toMatchObject({ retry_after: 0.2, global });
      expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    }
  });

  it('expires interaction tokens after 15 minutes on its clock (401 50027)', async () => {
    const ix = await fake.interaction({ name: 'ask', options: { question: 'q' } });
    await client.rest.post(Routes.interactionCallback(ix.id, ix.token), { body: { type: 5 }, auth: false });
    const edit = (content: string) => client.rest.patch(Routes.webhookMessage(fake.applicationId, ix.token, '@original'), { body: { content }, auth: false });
    clock += 14 * 60_000;
    await expect(edit('in time')).resolves.toMatchObject({ content: 'in time' });
    clock += 2 * 60_000;
    expect(await refusal(edit('too late'))).toMatchObject({ status: 401, code: 50027 });
  });

  it("refuses posts where the bot's role or the channel's overwrites withhold Send Messages (403 50013), as discord.js computes too", async () => {
    const quiet = client.channels.cache.get(fake.channel('quiet').id) as TextChannel;
    const botRole = fake.guilds[0]!.roles[1]!.id;
    await fake.setPermissionOverwrites(quiet.id, [{ id: botRole, type: OverwriteType.Role, allow: '0', deny: PermissionFlagsBits.SendMessages.toString() }]);
    await expect.poll(() => quiet.permissionsFor(client.user!)?.has(PermissionFlagsBits.SendMessages)).toBe(false);
    expect(await refusal(quiet.send('hello'))).toMatchObject({ status: 403, code: 50013 });
    await fake.setPermissionOverwrites(quiet.id, [{ id: '1', type: OverwriteType.Role, allow: '0', deny: PermissionFlagsBits.ViewChannel.toString() }]);
    expect(await refusal(quiet.send('hello'))).toMatchObject({ status: 403, code: 50001 });
    await fake.setPermissionOverwrites(quiet.id, []);
    await expect(quiet.send('hello')).resolves.toMatchObject({ content: 'hello' });
  });

  it('does not offer a guild-only command in a DM', async () => {
    await client.rest.put(Routes.applicationGuildCommands(fake.applicationId, '1'), { body: [{ name: 'digest', description: 'Digests', type: 1 }] });
    await expect(fake.interaction({ name: 'digest', dm: true })).rejects.toThrow(/registered only in a guild/);
  });

  it('closes the gateway with 4014 when a privileged intent is not enabled for the application', async () => {
    const strict = await startFakeDiscord({ token: TOKEN, privilegedIntents: 0 });
    const other = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.MessageContent], rest: { api: strict.apiUrl, retries: 0, timeout: 2000 } });
    try {
      await expect(other.login(TOKEN)).rejects.toThrow(/disallowed intents/i);
      expect(strict.gatewayLog.some((p) => p.op === 2)).toBe(true);
    } finally {
      await strict.close();
      await other.destroy();
    }
  });

  it('lists the replied-to bot among the mentions of a reply, without a mention in the text', async () => {
    const mine = (await post({ content: 'an answer' })) as { id: string };
    const reply = await fake.message({ content: 'thanks', replyTo: mine.id });
    await expect.poll(() => received.find((m) => m.id === reply.id)).toBeDefined();
    const message = received.find((m) => m.id === reply.id)!;
    expect(message.mentions.users.has(client.user!.id)).toBe(true);
    expect(message.mentions.repliedUser?.id).toBe(client.user!.id);
    expect(message.mentions.has(client.user!, { ignoreRepliedUser: true })).toBe(false);
  });
});
