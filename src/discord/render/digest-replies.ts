/**
 * The texts of `/digest` (pure): the confirmation of a subscription, the status of a server's digests with
 * each next run in local and UTC time, the note above a preview. Times are spelled out in the subscription's
 * zone and in UTC rather than as Discord timestamps, so what the bot says matches what its settings say.
 * A preview is its note followed by the very messages the post would be.
 */
import { escapeText } from './discord-markdown.ts';
import type { DigestSubscription } from '../../core/digest/digest-store.ts';
import { formatInZone } from '../../core/digest/schedule.ts';
import type { DigestMessage } from '../../core/digest/digest-message.ts';
import type { SubscriptionStatus } from '../../digest/digest-service.ts';
import { renderDigestPost } from './digest-post.ts';
import { LIMITS } from './limits.ts';

export const MANAGE_SERVER_NEEDED = '🔒 Managing digests needs the **Manage Server** permission in this server.';
export const GUILD_ONLY = 'Digests are set up for a server’s channels: use `/digest` in a server.';
export const DIGESTS_UNAVAILABLE = 'Daily digests are not running in this paperbot process.';

/** "09:00 Europe/Berlin (08:00 UTC)" style: both clocks, with dates. */
export function bothClocks(instant: Date, timeZone: string): string {
  const local = `${formatInZone(instant, timeZone)} ${timeZone}`;
  return timeZone === 'UTC' ? local : `${local} (${formatInZone(instant, 'UTC')} UTC)`;
}

function describeSettings(s: Pick<DigestSubscription, 'time' | 'timeZone' | 'count' | 'topic'>): string {
  const topic = s.topic === null ? '' : `, topic “${escapeText(s.topic)}”`;
  return `${s.count} paper${s.count === 1 ? '' : 's'} every day at ${s.time} ${s.timeZone}${topic}`;
}

export function renderSubscribed({
  subscription,
  created,
  nextRun,
  botCanPost,
}: {
  subscription: DigestSubscription;
  created: boolean;
  nextRun: Date;
  /** null when it could not be worked out. */
  botCanPost: boolean | null;
}): string {
  const channel = `<#${subscription.channelId}>`;
  const lines = [
    created ? `✅ Daily digest for ${channel}: ${describeSettings(subscription)}.` : `✅ Updated the daily digest of ${channel}: ${describeSettings(subscription)}.`,
    `${created ? 'First' : 'Next'} digest: ${bothClocks(nextRun, subscription.timeZone)}. \`/digest preview\` shows what it would look like now.`,
  ];
  if (botCanPost === false) {
    lines.push(`⚠️ paperbot cannot post in ${channel} yet: give it **View Channel** and **Send Messages** there, or each day’s attempt fails (shown in \`/digest status\`).`);
  }
  return lines.join('\n');
}

export function renderUnsubscribed(channelId: string, removed: boolean): string {
  return removed
    ? `Stopped the daily digest of <#${channelId}>. What it posted is remembered: subscribing again continues where it left off, without repeats.`
    : `<#${channelId}> has no daily digest.`;
}

export function renderStatus(statuses: readonly SubscriptionStatus[]): string {
  if (statuses.length === 0) return 'No channel of this server has a daily digest. Start one with `/digest subscribe`.';
  const blocks = statuses.map(({ subscription: s, nextRun, lastPost, interrupted, votes }) => {
    const lines = [`**<#${s.channelId}>** · ${describeSettings(s)}`, `Next: ${bothClocks(nextRun, s.timeZone)}`];
    lines.push(lastPost === null ? 'Last post: none yet' : `Last post: the digest of ${lastPost.localDate}, posted ${bothClocks(new Date(lastPost.postedAt), s.timeZone)}`);
    if (interrupted !== null) {
      // Claimed, then the process stopped before Discord's answer was recorded: whether it arrived is unknown.
      lines.push(
        `⚠️ The digest of ${interrupted.localDate} was being posted ${bothClocks(new Date(interrupted.startedAt), s.timeZone)} when paperbot stopped: it may have been posted, in part or whole. It is not posted again, so that no digest is ever posted twice.`,
      );
    }
    if (votes !== null && votes.up + votes.down > 0) lines.push(`Votes on its entries: 👍 ${votes.up} · 👎 ${votes.down} (papers like the upvoted ones rank higher in its next digests, like the downvoted ones lower)`);
    if (s.lastError !== null) {
      const when = s.lastErrorAt === null ? '' : ` (${bothClocks(new Date(s.lastErrorAt), s.timeZone)})`;
      lines.push(`⚠️ Last error${when}: ${escapeText(s.lastError)}. It is tried again at the next run.`);
    }
    return lines.join('\n');
  });
  return [`**Daily digests in this server** (${statuses.length})`, ...blocks].join('\n\n');
}

/** The preview's messages: its note, then the digest's messages (the note joins the first one when it fits). */
export function renderPreview({ channelId, subscription, message }: { channelId: string; subscription: DigestSubscription | undefined; message: DigestMessage }): string[] {
  const note =
    subscription === undefined
      ? `👀 Preview for <#${channelId}>, which has no digest yet (shown with 5 papers, no topic, dated in UTC). Nothing was posted.`
      : `👀 Preview of what <#${channelId}> would get now. Nothing was posted, and these papers still count as not yet featured.`;
  const [first = '', ...rest] = renderDigestPost(message);
  return note.length + 2 + first.length <= LIMITS.content ? [`${note}\n\n${first}`, ...rest] : [note, first, ...rest];
}
