/**
 * `npm start`: the composition root. Builds the index when there is none, then runs the Discord bot when
 * DISCORD_TOKEN is set, else the same assistant in the terminal.
 */
import { runMain } from './cli/run-main.ts';
import { chatCommand } from './cli/chat-command.ts';

await runMain(async (context) => {
  if (context.config.discord.token !== undefined) {
    context.stderr.write('DISCORD_TOKEN is set, but the Discord bot is not part of this version yet; starting the terminal chat instead.\n');
  }
  return chatCommand(context, { buildIfMissing: true });
});
