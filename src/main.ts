/**
 * `npm start`: builds the index when there is none, then runs the Discord bot when DISCORD_TOKEN is set (one
 * process per shard with DISCORD_SHARDS), else the same assistant in the terminal. The parts come from the one
 * composition root, src/app.ts (through the command context).
 */
import { runMain, type Command } from './cli/run-main.ts';
import { chat } from './cli/chat-command.ts';
import { botCommand } from './discord/run-bot.ts';
import { shardsCommand } from './discord/run-shards.ts';

const isBot = (config: { discord: { token: string | undefined } }): boolean => config.discord.token !== undefined;

const bot: Command = (context) => (context.config.discord.shards === undefined ? botCommand(context) : shardsCommand(context));

await runMain((context) => (isBot(context.config) ? bot(context) : chat(context, { buildIfMissing: true })), {
  defaultLogLevel: (config) => (isBot(config) ? 'info' : 'warn'),
});
