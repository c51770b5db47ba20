/**
 * The port through which a digest reaches a channel. The scheduler knows nothing of the platform: its
 * messages, limits, markup and errors belong to the sender (for Discord: src/discord/rest-digest-sender.ts).
 */
import type { DigestMessage } from '../core/digest/digest-message.ts';

/** One message of a day's digest as the platform renders it: its text and the entries it shows. */
export interface RenderedDigestPart {
  content: string;
  /** The numbers (`n`) of the entries this message shows: their 👍/👎 go with it. */
  entries: readonly number[];
}

/** One message of a day's digest: which channel, which day, which part (0-based), its text and entries. */
export interface DigestPart extends RenderedDigestPart {
  channelId: string;
  /** The local date the digest is for: with `index`, the part's identity. */
  localDate: string;
  index: number;
}

export interface DigestSender {
  /** The digest as the messages to send, in order (the platform's markup and length limit). */
  render(message: DigestMessage): RenderedDigestPart[];
  /**
   * Posts one part (pinging nobody) and resolves with the platform's message id. The same part sent again
   * soon after (an HTTP retry) must not post twice where the platform allows it (Discord: a nonce).
   */
  send(part: DigestPart): Promise<{ id: string }>;
  /** Why sending failed, as a sentence a server admin can act on (shown by `/digest status`). */
  describeFailure(error: unknown): string;
}
