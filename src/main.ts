/**
 * `npm start`: the composition root. Builds the index when there is none, then runs the Discord bot when
 * DISCORD_TOKEN is set, else the same assistant in the terminal.
 */
import { runMain } from './cli/run-main.ts';
import { chat } from './cli/chat-command.ts';
import { botCommand } from './discord/run-bot.ts';

await runMain((context) => (context.config.discord.token === undefined ? chat(context, { buildIfMissing: true }) : botCommand(context)));
