/**
 * The bot's permissions in a channel, computed the way Discord documents it (Permissions → "Permission
 * Overwrites"): @everyone's and the member's roles, Administrator and ownership grant everything, then the
 * channel's overwrites (@everyone, the member's roles together, the member) deny before they allow. Threads
 * take their parent's. The fake uses it to refuse what Discord refuses (403 50001 / 50013), and discord.js
 * computes the same numbers from the roles and overwrites the fake serves, so a bot can check before it acts.
 */
import { OverwriteType, PermissionFlagsBits, type APIOverwrite, type APIRole } from 'discord.js';

const ALL = Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n);

export interface PermissionSubject {
  guildId: string;
  ownerId: string;
  roles: readonly APIRole[];
  userId: string;
  memberRoleIds: readonly string[];
}

export function channelPermissions(subject: PermissionSubject, overwrites: readonly APIOverwrite[]): bigint {
  const { guildId, ownerId, roles, userId, memberRoleIds } = subject;
  if (userId === ownerId) return ALL;
  const held = roles.filter((role) => role.id === guildId || memberRoleIds.includes(role.id));
  let permissions = held.reduce((all, role) => all | BigInt(role.permissions), 0n);
  if ((permissions & PermissionFlagsBits.Administrator) !== 0n) return ALL;
  const apply = (list: readonly APIOverwrite[]): void => {
    const deny = list.reduce((all, o) => all | BigInt(o.deny), 0n);
    const allow = list.reduce((all, o) => all | BigInt(o.allow), 0n);
    permissions = (permissions & ~deny) | allow;
  };
  apply(overwrites.filter((o) => o.id === guildId));
  apply(overwrites.filter((o) => o.type === OverwriteType.Role && o.id !== guildId && memberRoleIds.includes(o.id)));
  apply(overwrites.filter((o) => o.type === OverwriteType.Member && o.id === userId));
  // Without View Channel nothing else applies (Discord's "implicit permissions").
  return (permissions & PermissionFlagsBits.ViewChannel) === 0n ? 0n : permissions;
}

/** The names of the flags of `needed` that `held` lacks, e.g. ['SendMessagesInThreads']. */
export function missingPermissions(held: bigint, needed: bigint): string[] {
  return Object.entries(PermissionFlagsBits)
    .filter(([, bit]) => (needed & bit) !== 0n && (held & bit) === 0n)
    .map(([name]) => name);
}
