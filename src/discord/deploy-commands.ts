/**
 * `npm run deploy-commands [-- --guild ID]`: registers the slash commands with Discord, in one server
 * (instant; for development) or globally (every server the bot is in). Separate from start-up on purpose:
 * registering is rate-limited by Discord and only needed when the commands change.
 */
import { DiscordAPIError, Routes, type RESTGetCurrentApplicationResult } from 'discord.js';
import { UserError } from '../core/errors.ts';
import type { CommandContext } from '../cli/run-main.ts';
import { defineCommandLine, parseCommandLine, printHelp, usageError } from '../cli/command-line.ts';
import { commandDefinitions } from './commands/index.ts';
import { scrubSecrets } from '../core/redact-secrets.ts';
import { inviteUrl, userInstallUrl } from './invite.ts';

export const DEPLOY_COMMAND_LINE = defineCommandLine({
  command: 'npm run deploy-commands --',
  summary: 'Registers the slash commands with Discord: in one server with --guild (instant), else globally (every server the bot is in; may take minutes to appear).',
  options: {
    guild: { type: 'string', value: 'server id', description: 'register in this server only; its id: Developer Mode on, then right-click the server → Copy Server ID' },
  },
});

export function parseDeployArgs(argv: readonly string[]): { guildId: string | null } | { help: true } {
  const line = parseCommandLine(DEPLOY_COMMAND_LINE, argv);
  if (line.help) return line;
  const guildId = line.options.guild ?? null;
  if (guildId !== null && !/^\d{1,20}$/.test(guildId)) {
    throw usageError(DEPLOY_COMMAND_LINE, '--guild needs a server id (a number; in Discord: right-click the server → Copy Server ID).');
  }
  return { guildId };
}

export async function deployCommandsCommand({ argv, config, app, stdout }: CommandContext): Promise<number> {
  const args = parseDeployArgs(argv);
  if ('help' in args) return printHelp(DEPLOY_COMMAND_LINE, stdout);
  const token = config.discord.token;
  if (token === undefined) throw new UserError('E_DISCORD_TOKEN', 'DISCORD_TOKEN is not set: registering commands needs the bot token (see "Discord" in the README).');
  const rest = app.discordRest();
  const definitions = commandDefinitions({ maxQuestionLength: config.retrieval.maxQuestionLength });
  try {
    const application = (await rest.get(Routes.currentApplication())) as RESTGetCurrentApplicationResult;
    const route = args.guildId === null ? Routes.applicationCommands(application.id) : Routes.applicationGuildCommands(application.id, args.guildId);
    const registered = (await rest.put(route, { body: definitions })) as Array<{ name: string; type?: number }>;
    // Type 3: a message context-menu command (right-click a message → Apps), named as Discord shows it.
    const names = registered.map((c) => (c.type === 3 ? `“${c.name}” (message menu)` : `/${c.name}`)).join(', ');
    stdout.write(
      args.guildId === null
        ? `Registered ${registered.length} commands globally: ${names}.\n`
        : `Registered ${registered.length} commands in server ${args.guildId}: ${names}.\n`,
    );
    stdout.write(`Invite the bot to a server with: ${inviteUrl(application.id)}\n`);
    stdout.write(`Or add its commands to your own account (any DM or server) with: ${userInstallUrl(application.id)}\n`);
    return 0;
  } catch (error) {
    throw explain(error, token, args.guildId);
  }
}

function explain(error: unknown, token: string, guildId: string | null): unknown {
  if (!(error instanceof DiscordAPIError)) {
    if (error instanceof Error) return new UserError('E_DISCORD_UNREACHABLE', `Could not reach Discord (${scrubSecrets(error.message, [token])}): check the network and DISCORD_API_URL.`, { cause: error });
    return error;
  }
  if (error.status === 401) return new UserError('E_DISCORD_TOKEN', 'Discord refused the token: check DISCORD_TOKEN (Developer Portal → your application → Bot → Reset Token).');
  if (guildId !== null && (error.code === 50001 || error.code === 10004)) {
    return new UserError('E_DISCORD_GUILD', `The bot is not in server ${guildId} (or cannot see it): invite it first with the URL from the README, then run this again.`);
  }
  return new UserError('E_DISCORD_API', `Discord refused the commands (${error.status} ${scrubSecrets(error.message, [token])}).`);
}
