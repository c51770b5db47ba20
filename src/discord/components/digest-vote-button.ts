/**
 * 👍/👎 under a digest entry: one vote per person per paper per channel, kept in the state database; the
 * channel's votes shape its next digests (papers like the upvoted ones rank higher, like the downvoted ones
 * lower). The voter alone is told it was recorded, and what it changes.
 */
import type { ButtonHandler } from '../command.ts';
import { replyPrivately } from '../commands/slash-command.ts';
import { parseDigestVoteId } from '../custom-ids.ts';
import { paperById } from '../paper-by-id.ts';

const EMOJI = { up: '👍', down: '👎' } as const;

export const digestVoteButton = {
  kind: 'digest-vote',
  async execute(interaction, services) {
    const reply = (content: string) => replyPrivately(interaction, content);
    const parsed = parseDigestVoteId(interaction.customId);
    if (parsed === null || services.digest === null) {
      await reply('This button is not valid any more.');
      return;
    }
    const voted = await services.digest.vote({ channelId: interaction.channelId, localDate: parsed.localDate, n: parsed.n, userId: interaction.user.id, vote: parsed.vote });
    if (voted === null) {
      await reply(`paperbot has no record of entry ${parsed.n} of this channel's digest of ${parsed.localDate}: the vote was not recorded.`);
      return;
    }
    services.logger.info({ channelId: interaction.channelId, paperId: voted.paperId, vote: parsed.vote, replaced: voted.previous }, 'digest vote recorded');
    const paper = await paperById(services.assistant, voted.paperId);
    const name = paper !== undefined ? `“${paper.title ?? paper.label}”` : `entry ${parsed.n}`;
    const emoji = EMOJI[parsed.vote];
    const effect = parsed.vote === 'up' ? 'papers like it will rank higher' : 'papers like it will rank lower';
    const content =
      voted.previous === parsed.vote
        ? `Your ${emoji} on ${name} was already recorded.`
        : voted.previous === null
          ? `Thanks! Your ${emoji} on ${name} is recorded: in this channel's next digests, ${effect}.`
          : `Changed your vote on ${name} from ${EMOJI[voted.previous]} to ${emoji}: in this channel's next digests, ${effect}.`;
    await reply(content);
  },
} satisfies ButtonHandler;
