/**
 * "Ask paperbot", a message context-menu command (right-click a message → Apps): the message's text is the
 * question; when it is not a question (a link, a pasted abstract, a claim), paperbot is asked what the
 * papers say about it. Discord gives the bot the target message's text in the interaction itself, so this
 * works without the Message Content intent. The answer is private, with a "Post in a thread" button
 * (components/publish-button.ts) that makes it public.
 *
 * The rule for "is a question" (documented in the README): after mentions and links are removed, the text
 * is at most QUESTION_MAX_CHARS long and ends with "?" or starts with a question word (what, how, why, …).
 */
import { ApplicationCommandType, ApplicationIntegrationType, ButtonStyle, ContextMenuCommandBuilder, InteractionContextType, MessageFlags, type Message } from 'discord.js';
import type { BotAssistant, MessageCommand } from '../command.ts';
import { publishId } from '../custom-ids.ts';
import { checkQuestion, deliverAnswer, interactionTarget } from '../deliver-answer.ts';
import { truncate } from '../render/limits.ts';
import { actionButton } from '../render/outgoing-message.ts';
import { replyPrivately } from './slash-command.ts';

export const ASK_ABOUT_MESSAGE = 'Ask paperbot';
/** Longer than this, a text that ends in "?" is a pasted passage with a question in it, not a question. */
export const QUESTION_MAX_CHARS = 300;
export const ABOUT_THIS = 'What do the papers say about this?';
export const NO_TEXT_NOTICE = 'That message has no text to ask about (only attachments, stickers or an embed without text).';

const QUESTION_START = /^(what|how|why|which|who|whom|whose|when|where|is|are|was|were|does|do|did|can|could|should|would|will|has|have|explain|compare|describe|summari[sz]e)\b/i;
const URL = /https?:\/\/\S+/gi;
const MENTION = /<(?:@[!&]?|#)\d+>/g;

export interface MessageQuestion {
  /** What the model is asked. */
  question: string;
  /** What is searched, when it differs from the question (the message's words, or a linked paper's title). */
  retrievalQuery?: string;
  isQuestion: boolean;
}

/** The question a message's text asks; null when the text is empty. Pure. */
export function questionFromMessage(text: string, maxLength: number): MessageQuestion | null {
  const clean = text.replace(MENTION, ' ').replace(/\s+/g, ' ').trim();
  const words = clean.replace(URL, ' ').replace(/\s+/g, ' ').trim();
  if (clean === '') return null;
  const isQuestion = words !== '' && words.length <= QUESTION_MAX_CHARS && (words.endsWith('?') || QUESTION_START.test(words));
  if (isQuestion) return { question: words, isQuestion };
  const prefix = `${ABOUT_THIS}\n\n> `;
  const question = `${prefix}${truncate(clean, Math.max(1, maxLength - prefix.length))}`;
  // A bare link is searched by the words of its address (CVF and ACL addresses hold the title's words).
  const linkWords = [...clean.matchAll(URL)].map((m) => m[0].replace(/^https?:\/\/(www\.)?/i, '').split(/[/?#=&._-]+/).join(' ')).join(' ');
  return { question, retrievalQuery: truncate(words === '' ? linkWords : words, maxLength), isQuestion };
}

/** An arXiv link or id in the text, resolved to the paper when it is in the index: its title then leads the search. */
export async function linkedPaperTitle(text: string, assistant: Pick<BotAssistant, 'findPapers'>): Promise<string | null> {
  for (const match of text.matchAll(/(?:arxiv\.org\/(?:abs|pdf)\/|arXiv:)(\d{4}\.\d{4,5})/gi)) {
    const id = match[1] ?? '';
    const [paper] = await assistant.findPapers(id, 1);
    if (paper !== undefined && (paper.id.includes(id) || (paper.url ?? '').includes(id))) return paper.title ?? paper.label;
  }
  return null;
}

/** The text a message shows: its content, else its embeds' titles and descriptions (a link preview, a bot's card). */
function messageText(message: Message): string {
  if (message.content.trim() !== '') return message.content;
  return message.embeds.flatMap((e) => [e.title ?? '', e.description ?? '']).join('\n').trim();
}

export const askAboutMessage = {
  data: new ContextMenuCommandBuilder()
    .setName(ASK_ABOUT_MESSAGE)
    .setType(ApplicationCommandType.Message)
    // Like /ask: installable to an account too, so it works on messages in any DM.
    .setIntegrationTypes(ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall)
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel),

  async execute(interaction, services) {
    const target = interaction.targetMessage;
    const text = messageText(target);
    const asked = questionFromMessage(text, services.settings.maxQuestionLength);
    if (asked === null) {
      await replyPrivately(interaction, NO_TEXT_NOTICE);
      return;
    }
    const check = await checkQuestion(asked.question, interaction.user.id, services);
    if (!check.ok) {
      await replyPrivately(interaction, check.notice);
      return;
    }
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const title = await linkedPaperTitle(text, services.assistant);
    const retrievalQuery = title === null ? asked.retrievalQuery : `${title}\n${asked.retrievalQuery ?? asked.question}`;
    services.logger.info({ messageId: target.id, isQuestion: asked.isQuestion, linkedPaper: title !== null }, 'asked about a message');
    await deliverAnswer({
      question: check.question,
      target: interactionTarget(interaction, true),
      services,
      ...(retrievalQuery === undefined ? {} : { retrievalQuery }),
      origin: { source: 'context-menu', guildId: interaction.guildId, channelId: interaction.channelId },
      startedAt: services.now(),
      extraButtons: (answerId) => [actionButton(publishId(answerId, target.id), 'Post in a thread', { emoji: '📣', style: ButtonStyle.Primary })],
    });
  },
} satisfies MessageCommand;
