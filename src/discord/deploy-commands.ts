/**
 * `npm run deploy-commands [-- --guild ID]`: registers the slash commands with Discord, in one server
 * (instant; for development) or globally (every server the bot is in). Separate from start-up on purpose:
 * registering is rate-limited by Discord and only needed when the commands change.
 */
import { DiscordAPIError, REST, Routes, type RESTGetCurrentApplicationResult } from 'discord.js';
import { UserError } from '../core/errors.ts';
import type { CommandContext } from '../cli/run-main.ts';
import { commandDefinitions } from './commands/index.ts';
import { scrubSecrets } from '../core/redact-secrets.ts';
import { inviteUrl } from './invite.ts';

const USAGE = 'Usage: npm run deploy-commands [-- --guild <server id>]';

export function parseDeployArgs(argv: readonly string[]): { guildId: string | null } | { help: true } {
  let guildId: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return { help: true };
    if (arg === '--guild' || arg.startsWith('--guild=')) {
      const value = arg === '--guild' ? argv[++i] : arg.slice('--guild='.length);
      if (value === undefined || !/^\d{1,20}$/.test(value)) throw new UserError('E_USAGE', `--guild needs a server id (a number; in Discord: right-click the server → Copy Server ID).\n${USAGE}`);
      guildId = value;
    } else {
      throw new UserError('E_USAGE', `Unknown argument ${JSON.stringify(arg)}.\n${USAGE}`);
    }
  }
  return { guildId };
}

export async function deployCommandsCommand({ argv, config, stdout }: CommandContext): Promise<number> {
  const args = parseDeployArgs(argv);
  if ('help' in args) {
    stdout.write(`${USAGE}\nWithout --guild the commands are registered globally.\n`);
    return 0;
  }
  const token = config.discord.token;
  if (token === undefined) throw new UserError('E_DISCORD_TOKEN', 'DISCORD_TOKEN is not set: registering commands needs the bot token (see "Discord" in the README).');
  const rest = new REST({ api: config.discord.apiUrl, timeout: 15_000 }).setToken(token);
  const definitions = commandDefinitions();
  try {
    const application = (await rest.get(Routes.currentApplication())) as RESTGetCurrentApplicationResult;
    const route = args.guildId === null ? Routes.applicationCommands(application.id) : Routes.applicationGuildCommands(application.id, args.guildId);
    const registered = (await rest.put(route, { body: definitions })) as Array<{ name: string }>;
    const names = registered.map((c) => `/${c.name}`).join(', ');
    stdout.write(
      args.guildId === null
        ? `Registered ${registered.length} commands globally: ${names}.\n`
        : `Registered ${registered.length} commands in server ${args.guildId}: ${names}.\n`,
    );
    stdout.write(`Invite the bot with: ${inviteUrl(application.id)}\n`);
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
