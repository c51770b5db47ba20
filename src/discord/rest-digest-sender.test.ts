/**
 * The Discord side of posting a digest: one POST per part to the channel, pinging nobody, with a nonce that
 * Discord accepts (at most 25 characters) and enforces, the same for the same part and different for every
 * other; and Discord's refusals told in words a server admin can act on.
 */
import { DiscordAPIError, HTTPError, Routes } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { NOTHING_NEW_TEXT } from '../core/digest/digest-message.ts';
import { RestDigestSender, describeDigestFailure, digestNonce } from './rest-digest-sender.ts';

function apiError(status: 403 | 404 | 400): DiscordAPIError {
  const body = status === 403 ? { code: 50001, message: 'Missing Access' } : status === 404 ? { code: 10003, message: 'Unknown Channel' } : { code: 50035, message: 'Invalid Form Body' };
  return new DiscordAPIError(body, body.code, status, 'POST', '/channels/c/messages', { body: undefined, files: undefined });
}

describe('RestDigestSender', () => {
  it('posts each part to its channel with allowed_mentions pinging nobody and an enforced nonce', async () => {
    const posts: Array<{ route: string; body: unknown }> = [];
    const sender = new RestDigestSender({
      post: async (route, options) => {
        posts.push({ route, body: options?.body });
        return { id: `m${posts.length}` };
      },
    });
    expect(await sender.send({ channelId: 'c1', localDate: '2026-03-02', index: 0, content: 'hello @everyone', entries: [] })).toEqual({ id: 'm1' });
    expect(await sender.send({ channelId: 'c1', localDate: '2026-03-02', index: 1, content: 'part two', entries: [] })).toEqual({ id: 'm2' });
    expect(posts[0]).toEqual({
      route: Routes.channelMessages('c1'),
      body: { content: 'hello @everyone', allowed_mentions: { parse: [] }, nonce: digestNonce('c1', '2026-03-02', 0), enforce_nonce: true },
    });
    const nonces = posts.map((p) => (p.body as { nonce: string }).nonce);
    for (const nonce of nonces) expect(nonce.length).toBeLessThanOrEqual(25);
    expect(new Set(nonces).size).toBe(2);
    expect(digestNonce('c1', '2026-03-02', 0)).toBe(nonces[0]);
    expect(digestNonce('c1', '2026-03-03', 0)).not.toBe(nonces[0]);
    expect(digestNonce('c2', '2026-03-02', 0)).not.toBe(nonces[0]);
  });

  it('renders a digest as Discord messages', () => {
    const sender = new RestDigestSender({ post: async () => ({ id: 'm' }) });
    const message = { localDate: '2026-03-02', title: 'Paper digest · 2026-03-02', topic: null, notes: [], entries: [], emptyText: NOTHING_NEW_TEXT };
    expect(sender.render(message)).toEqual([{ content: `📚 **Paper digest · 2026-03-02**\n${NOTHING_NEW_TEXT}`, entries: [] }]);
  });

  it('says why a post failed in words a server admin can act on', () => {
    const sender = new RestDigestSender({ post: async () => ({ id: 'm' }) });
    expect(sender.describeFailure(apiError(403))).toBe('paperbot may not post in this channel (403 Missing Access): give it View Channel and Send Messages there');
    expect(describeDigestFailure(apiError(404))).toMatch(/^Discord says the channel does not exist \(404 Unknown Channel\): it was deleted, or paperbot cannot see it/);
    expect(describeDigestFailure(apiError(400))).toBe('Discord refused the message (400 Invalid Form Body)');
    expect(describeDigestFailure(new HTTPError(503, 'Service Unavailable', 'POST', '/channels/c/messages', { body: undefined, files: undefined }))).toBe(
      'Discord failed to answer (503 Service Unavailable)',
    );
    expect(describeDigestFailure(new Error('connect ECONNREFUSED'))).toBe('could not reach Discord (connect ECONNREFUSED)');
  });
});
