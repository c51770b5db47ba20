/**
 * "Post in a thread" under a private answer about a message (the "Ask paperbot" context menu): the answer,
 * rebuilt from the state database (its text and, from its evidence, its citations), is posted publicly in a
 * thread started from the message it is about; where no thread can be started (in a thread, a DM) it is
 * posted as a reply to that message. When the bot may not post there (403), the presser is told why,
 * privately, and nothing is posted.
 */
import { ChannelType, DiscordAPIError, MessageFlags, ThreadAutoArchiveDuration, type ButtonInteraction, type SendableChannels } from 'discord.js';
import { NO_CITATION_WARNING, type AnswerMode, type AnswerResult } from '../../core/answering/answer-question.ts';
import type { ButtonHandler } from '../command.ts';
import { replyPrivately } from '../commands/slash-command.ts';
import { threadName } from '../conversation.ts';
import { parsePublishId } from '../custom-ids.ts';
import { isMissingPermission } from '../errors.ts';
import { renderAnswer } from '../render/answer-message.ts';
import { NO_PINGS, type OutgoingMessage } from '../render/outgoing-message.ts';

export const PUBLISH_NOT_KEPT = 'paperbot no longer has this answer, so it cannot post it: ask again.';
export const PUBLISH_FORBIDDEN = '🔒 paperbot may not post here: it needs **Send Messages**, **Create Public Threads** and **Send Messages in Threads** in this channel. Ask a server admin, or copy the answer yourself.';

/** Discord's "A thread has already been created for this message". */
const THREAD_EXISTS = 160004;

export const publishButton = {
  kind: 'publish',
  async execute(interaction, services) {
    const parsed = parsePublishId(interaction.customId);
    const stored = parsed === null ? undefined : await services.feedback.getAnswer(parsed.answerId);
    if (parsed === null || stored === undefined) {
      await replyPrivately(interaction, PUBLISH_NOT_KEPT);
      return;
    }
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const evidence = (await services.feedback.evidence(parsed.answerId)) ?? [];
    const result: AnswerResult = {
      question: stored.question,
      mode: stored.mode as AnswerMode,
      answer: stored.answer,
      citations: evidence.map(({ n, paperId, label, title, url, source }) => ({ n, paperId, label, title, url, source })),
      passages: [],
      warnings: stored.mode === 'llm' && evidence.length === 0 ? [NO_CITATION_WARNING] : [],
    };
    const [first, ...rest] = renderAnswer(result, { answerId: parsed.answerId });
    if (first === undefined) return;
    const header = `-# <@${interaction.user.id}> asked paperbot about https://discord.com/channels/${interaction.guildId ?? '@me'}/${interaction.channelId}/${parsed.messageId}`;
    try {
      const channel = await postAnswer(interaction, parsed.messageId, stored.question, [{ ...first, content: `${header}\n${first.content ?? ''}` }, ...rest]);
      services.logger.info({ answerId: parsed.answerId, channelId: channel.id }, 'answer posted publicly');
      await interaction.editReply({ content: `Posted in <#${channel.id}>.`, allowedMentions: NO_PINGS });
    } catch (error) {
      if (!isMissingPermission(error)) throw error;
      services.logger.info({ answerId: parsed.answerId, channelId: interaction.channelId, code: error.code }, 'could not post the answer publicly: no permission');
      await interaction.editReply({ content: PUBLISH_FORBIDDEN, allowedMentions: NO_PINGS });
    }
  },
} satisfies ButtonHandler;

/** Posts the messages in a thread from message `messageId` (or its existing thread), else as replies in place; returns where. */
async function postAnswer(interaction: ButtonInteraction, messageId: string, question: string, messages: OutgoingMessage[]): Promise<SendableChannels> {
  const channel = await interaction.client.channels.fetch(interaction.channelId);
  if (channel === null || !channel.isSendable()) throw new Error(`channel ${interaction.channelId} cannot be posted in`);
  let where: SendableChannels = channel;
  let replyTo: string | null = messageId;
  if (channel.type === ChannelType.GuildText || channel.type === ChannelType.GuildAnnouncement) {
    const name = threadName(question.replace(/^What do the papers say about this\?\s*>?\s*/, ''));
    try {
      where = await channel.threads.create({ startMessage: messageId, name, autoArchiveDuration: ThreadAutoArchiveDuration.OneDay });
    } catch (error) {
      // The message has a thread already (its id is the message's): the answer goes there.
      if (!(error instanceof DiscordAPIError) || error.code !== THREAD_EXISTS) throw error;
      const thread = await interaction.client.channels.fetch(messageId);
      if (thread === null || !thread.isSendable()) throw error;
      where = thread;
    }
    replyTo = null;
  }
  for (const [i, message] of messages.entries()) {
    const reply = i === 0 && replyTo !== null ? { reply: { messageReference: replyTo, failIfNotExists: false } } : {};
    await where.send({ ...message, ...reply, allowedMentions: NO_PINGS });
  }
  return where;
}

