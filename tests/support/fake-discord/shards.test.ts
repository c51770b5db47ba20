/**
 * The fake Discord shards as Discord does, against real discord.js Clients each running one shard (as the
 * processes of a ShardingManager do): GET /gateway/bot recommends the configured count, each shard is told of
 * its own guilds only, a guild's interactions and messages reach only the shard `(guild_id >> 22) % count`,
 * DMs reach shard 0, and an IDENTIFY with a shard that does not exist is closed with 4010.
 */
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Client, Events, GatewayIntentBits, GatewayOpcodes, Partials, Routes, REST, type Interaction, type Message } from 'discord.js';
import { startFakeDiscord, type FakeDiscord } from '../fake-discord.ts';
import { waitUntil } from '../script-process.ts';
import { guildIdOnShard, shardOfGuild } from './shards.ts';

const TOKEN = 'fake-bot-token';
const GUILD_0 = guildIdOnShard(0, 2);
const GUILD_1 = guildIdOnShard(1, 2);

let fake: FakeDiscord;
const clients: Client[] = [];
/** What each shard's client received: interactions and messages, by guild (null: DM). */
const received: Array<Array<string | null>> = [[], []];

function shardClient(id: number): Client {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages, GatewayIntentBits.MessageContent],
    partials: [Partials.Channel],
    shards: [id],
    shardCount: 2,
    rest: { api: fake.apiUrl, retries: 0, timeout: 2000 },
  });
  const log = received[id] as Array<string | null>;
  client.on(Events.InteractionCreate, (interaction: Interaction) => void log.push(interaction.guildId));
  client.on(Events.MessageCreate, (message: Message) => void log.push(message.guildId));
  clients.push(client);
  return client;
}

beforeAll(async () => {
  fake = await startFakeDiscord({ token: TOKEN, recommendedShards: 2, guilds: [{ id: GUILD_0, name: 'Zero' }, { id: GUILD_1, name: 'One' }] });
  await Promise.all([0, 1].map(async (id) => {
    const client = shardClient(id);
    const ready = once(client, Events.ClientReady);
    await client.login(TOKEN);
    await ready;
  }));
}, 20_000);

afterAll(async () => {
  await fake?.close();
  for (const client of clients) await client.destroy();
});

describe('the fake Discord shards a bot as Discord does', () => {
  it('recommends the configured shard count on GET /gateway/bot', async () => {
    const rest = new REST({ api: fake.apiUrl, retries: 0, timeout: 2000 }).setToken(TOKEN);
    expect(await rest.get(Routes.gatewayBot())).toMatchObject({ shards: 2, session_start_limit: { max_concurrency: 1 } });
  });

  it('tells each shard of its own guilds only', () => {
    expect(shardOfGuild(GUILD_1, 2)).toBe(1);
    expect(fake.sessionShards().sort()).toEqual([[0, 2], [1, 2]]);
    expect(clients.map((client) => [...client.guilds.cache.keys()])).toEqual([[GUILD_0], [GUILD_1]]);
  });

  it('sends a guild\'s interactions and messages to that guild\'s shard only, and DMs to shard 0', async () => {
    await fake.interaction({ name: 'ask', channelId: fake.guilds[1]?.channels[0]?.id ?? '', options: { question: 'q' } });
    await fake.message({ channelId: fake.guilds[0]?.channels[0]?.id ?? '', content: 'hello zero' });
    await fake.message({ dm: true, content: 'a DM' });
    await waitUntil(() => received[0]?.length === 2 && received[1]?.length === 1, 'both shards\' events', { timeoutMs: 2000, log: () => JSON.stringify(received) });
    expect(received).toEqual([[GUILD_0, null], [GUILD_1]]);
    expect(fake.dispatches.filter((d) => d.event === 'INTERACTION_CREATE' || d.event === 'MESSAGE_CREATE').map((d) => [d.event, d.shard[0]])).toEqual([
      ['INTERACTION_CREATE', 1],
      ['MESSAGE_CREATE', 0],
      ['MESSAGE_CREATE', 0],
    ]);
  });

  it('closes an IDENTIFY with a shard that does not exist with 4010 Invalid shard', async () => {
    for (const shard of [[2, 2], [0, 0], [-1, 2], 'zero']) {
      const ws = new WebSocket(fake.gatewayUrl);
      await once(ws, 'message');
      ws.send(JSON.stringify({ op: GatewayOpcodes.Identify, d: { token: TOKEN, intents: GatewayIntentBits.Guilds, properties: {}, shard } }));
      const [code] = (await once(ws, 'close')) as [number];
      expect(code, JSON.stringify(shard)).toBe(4010);
    }
  });
});
