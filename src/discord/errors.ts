/**
 * What a person or the operator is told when something fails: a UserError's own sentence, else a short
 * notice with the error id (the log has the full error under that id, scrubbed by src/core/redact-secrets.ts);
 * which Discord refusals mean "paperbot may not post here" (told privately, never retried in public); and
 * the one sentence for each gateway close code after which discord.js gives up for good.
 */
import { DiscordAPIError, GatewayCloseCodes, PermissionFlagsBits } from 'discord.js';
import { isUserError } from '../core/errors.ts';
import { errorNotice } from './render/info-messages.ts';

/** What the person sees for an error: the UserError's sentence, else a generic notice with the id. */
export function userFacingMessage(error: unknown, errorId: string): string {
  return isUserError(error) ? error.message : errorNotice(errorId);
}

/** Discord refused because the bot may not see or post in the channel: 403 Missing Access (50001) or Missing Permissions (50013). */
export function isMissingPermission(error: unknown): error is DiscordAPIError {
  return error instanceof DiscordAPIError && (error.code === 50001 || error.code === 50013);
}

/** The permissions a bot needs to answer in a channel, by name as the Discord UI shows them. */
const PERMISSION_NAMES: ReadonlyArray<[bigint, string]> = [
  [PermissionFlagsBits.ViewChannel, 'View Channel'],
  [PermissionFlagsBits.SendMessages, 'Send Messages'],
  [PermissionFlagsBits.SendMessagesInThreads, 'Send Messages in Threads'],
  [PermissionFlagsBits.CreatePublicThreads, 'Create Public Threads'],
  [PermissionFlagsBits.ReadMessageHistory, 'Read Message History'],
  [PermissionFlagsBits.EmbedLinks, 'Embed Links'],
];

/** "Send Messages, Read Message History": the permissions of `needed` that `held` lacks. */
export function missingPermissionNames(held: { has(bit: bigint): boolean } | null, needed: bigint): string[] {
  return PERMISSION_NAMES.filter(([bit]) => (needed & bit) !== 0n && !(held?.has(bit) ?? false)).map(([, name]) => name);
}

/** Posted after the parts of an answer already delivered when the rest could not be posted. */
export function incompleteAnswerNotice(errorId: string): string {
  return `⚠️ The rest of this answer could not be posted. If it keeps happening, tell the bot's maintainers this error id: \`${errorId}\`.`;
}

/** Told privately to the asker of a slash command whose answer Discord refused to post in the channel. */
export function cannotPostNotice(missing: readonly string[]): string {
  const what = missing.length > 0 ? `the ${missing.join(', ')} permission${missing.length === 1 ? '' : 's'}` : 'a permission';
  return `⚠️ I could not post the answer in this channel: paperbot lacks ${what} here. Ask with \`private: True\` to get it privately, or ask a moderator to grant the permission to paperbot's role (Server Settings → Roles, or the channel's permission overrides).`;
}

/**
 * The sentence for a gateway close code after which discord.js does not reconnect, null for the others
 * (they are resumed). 4004 also ends a running bot when the token is reset in the Developer Portal.
 */
export function fatalCloseSentence(code: number): string | null {
  switch (code) {
    case GatewayCloseCodes.AuthenticationFailed:
      return 'Discord rejected the bot token (gateway close code 4004: it was reset or revoked): put the current token in DISCORD_TOKEN (Developer Portal → your application → Bot → Reset Token) and start paperbot again.';
    case GatewayCloseCodes.DisallowedIntents:
      return 'Discord refused the gateway intents (close code 4014: a privileged intent is not enabled for this application): enable Message Content Intent in the Developer Portal (your application → Bot → Privileged Gateway Intents) or set DISCORD_MESSAGE_CONTENT=false, then start paperbot again.';
    case GatewayCloseCodes.InvalidIntents:
      return 'Discord refused the gateway intents as invalid (close code 4013): this version of paperbot asks for intents Discord does not know; update paperbot or report it to its maintainers.';
    case GatewayCloseCodes.InvalidShard:
      return 'Discord closed the gateway connection with code 4010 (invalid shard: the shard count does not fit the bot): set DISCORD_SHARDS=auto, or a count of at least what Discord recommends.';
    case GatewayCloseCodes.ShardingRequired:
      return 'Discord closed the gateway connection with code 4011 (sharding required: the bot is in too many servers for one connection): set DISCORD_SHARDS=auto and start paperbot again.';
    case GatewayCloseCodes.InvalidAPIVersion:
      return 'Discord closed the gateway connection with code 4012 (API version no longer supported): update paperbot.';
    default:
      return null;
  }
}
