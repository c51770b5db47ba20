/**
 * `npm start`: builds the index when there is none, then runs the Discord bot when DISCORD_TOKEN is set, else
 * the same assistant in the terminal. The parts come from the one composition root, src/app.ts (through the
 * command context).
 */
import { runMain } from './cli/run-main.ts';
import { chat } from './cli/chat-command.ts';
import { botCommand } from './discord/run-bot.ts';

const isBot = (config: { discord: { token: string | undefined } }): boolean => config.discord.token !== undefined;

await runMain((context) => (isBot(context.config) ? botCommand(context) : chat(context, { buildIfMissing: true })), {
  defaultLogLevel: (config) => (isBot(config) ? 'info' : 'warn'),
});
