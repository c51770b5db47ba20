/**
 * The permissions paperbot needs in a server, and the invite URL that asks for exactly those, with the
 * `bot` and `applications.commands` scopes.
 */
import { PermissionFlagsBits } from 'discord.js';

export const BOT_PERMISSIONS = {
  ViewChannel: PermissionFlagsBits.ViewChannel,
  SendMessages: PermissionFlagsBits.SendMessages,
  SendMessagesInThreads: PermissionFlagsBits.SendMessagesInThreads,
  CreatePublicThreads: PermissionFlagsBits.CreatePublicThreads,
  EmbedLinks: PermissionFlagsBits.EmbedLinks,
  ReadMessageHistory: PermissionFlagsBits.ReadMessageHistory,
} as const;

/** 309237730304: the sum of the flags above, the `permissions` of the invite URL. */
export const INVITE_PERMISSIONS: bigint = Object.values(BOT_PERMISSIONS).reduce((all, flag) => all | flag, 0n);

export function inviteUrl(applicationId: string): string {
  const params = new URLSearchParams({ client_id: applicationId, scope: 'bot applications.commands', permissions: INVITE_PERMISSIONS.toString() });
  return `https://discord.com/oauth2/authorize?${params.toString().replace(/\+/g, '%20')}`;
}
