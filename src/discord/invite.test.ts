import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PermissionsBitField } from 'discord.js';
import { INVITE_PERMISSIONS, inviteUrl, userInstallUrl } from './invite.ts';
import { gatewayIntents } from './bot.ts';

describe('invite', () => {
  it('asks for exactly the permissions the bot uses', () => {
    expect(new PermissionsBitField(INVITE_PERMISSIONS).toArray().sort()).toEqual(
      ['CreatePublicThreads', 'EmbedLinks', 'ReadMessageHistory', 'SendMessages', 'SendMessagesInThreads', 'ViewChannel'].sort(),
    );
    expect(INVITE_PERMISSIONS).toBe(309237730304n);
  });

  it('builds the URL with both scopes, and the README shows the same permission integer', () => {
    expect(inviteUrl('123')).toBe('https://discord.com/oauth2/authorize?client_id=123&scope=bot%20applications.commands&permissions=309237730304');
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    expect(readme).toContain('scope=bot%20applications.commands&permissions=309237730304');
  });

  it('builds the user-install URL: integration type 1, commands only, no bot user and no permissions', () => {
    expect(userInstallUrl('123')).toBe('https://discord.com/oauth2/authorize?client_id=123&integration_type=1&scope=applications.commands');
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    expect(readme).toContain(userInstallUrl('YOUR_APPLICATION_ID'));
  });

  it('requests Message Content only when enabled', () => {
    expect(gatewayIntents(false)).toHaveLength(3);
    expect(gatewayIntents(true)).toHaveLength(4);
  });
});
