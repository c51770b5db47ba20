/**
 * The permissions paperbot needs in a server, and the invite URL that asks for exactly those, with the
 * `bot` and `applications.commands` scopes; and the user-install URL, which adds paperbot's commands to a
 * person's account (usable in any DM or server they are in) without a bot user or permissions.
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

/** Installs the app to the person's account (integration type 1: User Install, enabled in the Developer Portal → Installation). */
export function userInstallUrl(applicationId: string): string {
  const params = new URLSearchParams({ client_id: applicationId, integration_type: '1', scope: 'applications.commands' });
  return `https://discord.com/oauth2/authorize?${params.toString()}`;
}
