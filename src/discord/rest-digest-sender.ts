/**
 * How a digest reaches a Discord channel (src/digest's DigestSender): rendered into messages of at most
 * 2,000 characters (render/digest-post.ts), each posted with one REST call to the channel, pinging nobody
 * whatever a paper says, with Discord's idempotency nonce; and Discord's errors told as sentences a server
 * admin can act on. No channel fetch first: a deleted channel answers the POST with 404.
 */
import { createHash } from 'node:crypto';
import { DiscordAPIError, HTTPError, Routes, type APIMessage, type REST } from 'discord.js';
import type { DigestMessage } from '../core/digest/digest-message.ts';
import type { DigestPart, DigestSender, RenderedDigestPart } from '../digest/digest-sender.ts';
import { digestVoteRows, renderDigestParts } from './render/digest-post.ts';

export class RestDigestSender implements DigestSender {
  /** `rest`: a discord.js REST client with the bot's token (the bot's own, or one made for digests). */
  constructor(private readonly rest: Pick<REST, 'post'>) {}

  render(message: DigestMessage): RenderedDigestPart[] {
    return renderDigestParts(message);
  }

  /** Each message carries the 👍/👎 of the entries it shows (render/digest-post.ts says how they are laid out). */
  async send({ channelId, localDate, index, content, entries }: DigestPart): Promise<{ id: string }> {
    const components = digestVoteRows(localDate, entries);
    const message = (await this.rest.post(Routes.channelMessages(channelId), {
      body: { content, allowed_mentions: { parse: [] }, nonce: digestNonce(channelId, localDate, index), enforce_nonce: true, ...(components.length > 0 ? { components } : {}) },
    })) as APIMessage;
    return { id: message.id };
  }

  describeFailure(error: unknown): string {
    return describeDigestFailure(error);
  }
}

/**
 * A nonce per message of a day's digest (at most 25 characters, as Discord requires). With `enforce_nonce`,
 * Discord answers a repeated send of the same nonce within minutes with the first message instead of a copy.
 */
export function digestNonce(channelId: string, localDate: string, part: number): string {
  return `d${createHash('sha256').update(`${channelId}:${localDate}:${part}`).digest('base64url').slice(0, 24)}`;
}

/** Why a digest could not be posted, as a sentence for `/digest status`. */
export function describeDigestFailure(error: unknown): string {
  if (error instanceof DiscordAPIError) {
    if (error.status === 404) {
      return `Discord says the channel does not exist (404 ${error.message}): it was deleted, or paperbot cannot see it. Unsubscribe it, or let paperbot see it again`;
    }
    if (error.status === 403) {
      return `paperbot may not post in this channel (403 ${error.message}): give it View Channel and Send Messages there`;
    }
    return `Discord refused the message (${error.status} ${error.message})`;
  }
  if (error instanceof HTTPError) return `Discord failed to answer (${error.status} ${error.message})`;
  return `could not reach Discord (${error instanceof Error ? error.message : String(error)})`;
}
