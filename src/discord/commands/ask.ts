/**
 * `/ask question [private]`: acknowledged at once (deferReply; ephemeral when private), then answered by
 * editing, with progress while the model writes. Too long or over the rate limit: an ephemeral explanation
 * instead, before any work. Without `question` it opens a modal with a paragraph box (for long, multi-line
 * questions), whose submission is answered the same way; `question` declares `max_length`, so Discord's
 * client enforces MAX_QUESTION_LENGTH itself.
 */
import {
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  TextInputBuilder,
  TextInputStyle,
  type ChatInputCommandInteraction,
  type ModalSubmitInteraction,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { settingsFor } from '../../core/settings/guild-settings.ts';
import type { BotServices, Command, DefinitionSettings } from '../command.ts';
import { askModalId, ASK_MODAL_QUESTION } from '../custom-ids.ts';
import { checkQuestion, deliverAnswer, interactionTarget } from '../deliver-answer.ts';
import { replyPrivately, slashCommand } from './slash-command.ts';

const data = slashCommand('ask', 'Ask a question about the indexed papers; the answer cites them')
  .addStringOption((option) => option.setName('question').setDescription('Your question, e.g. "What does FaMUS approximate?" (leave empty for a bigger box)'))
  .addBooleanOption((option) => option.setName('private').setDescription('Show the answer to you only (default: the server’s /settings, else public)'));

/**
 * A modal of one paragraph box (field ASK_MODAL_QUESTION), as long as a question may be: /ask's and "Ask
 * about this paper"'s, so their submissions are read the same way.
 */
export function questionModal({ customId, title, label, description, maxQuestionLength }: { customId: string; title: string; label: string; description: string; maxQuestionLength: number }): ModalBuilder {
  return new ModalBuilder()
    .setCustomId(customId)
    .setTitle(title)
    .addLabelComponents(
      new LabelBuilder()
        .setLabel(label)
        .setDescription(description)
        .setTextInputComponent(
          new TextInputBuilder().setCustomId(ASK_MODAL_QUESTION).setStyle(TextInputStyle.Paragraph).setRequired(true).setMinLength(1).setMaxLength(maxQuestionLength),
        ),
    );
}

/** The modal `/ask` opens without a question. */
export function askModal(maxQuestionLength: number, ephemeral: boolean): ModalBuilder {
  return questionModal({
    customId: askModalId(ephemeral),
    title: 'Ask paperbot',
    label: 'Your question about the papers',
    description: `Up to ${maxQuestionLength.toLocaleString('en')} characters; the answer cites the papers it used.`,
    maxQuestionLength,
  });
}

/**
 * Checks the question, defers (ephemeral when private), and answers by editing: /ask, its modal and "Ask
 * about this paper"'s modal (`paperFirst`) alike.
 */
export async function answerInteraction(
  interaction: ChatInputCommandInteraction | ModalSubmitInteraction,
  question: string,
  ephemeral: boolean,
  services: BotServices,
  { source = 'slash', paperFirst }: { source?: 'slash' | 'paper-modal'; paperFirst?: string } = {},
): Promise<void> {
  const check = await checkQuestion(question, interaction.user.id, services);
  if (!check.ok) {
    await replyPrivately(interaction, check.notice);
    return;
  }
  await interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
  await deliverAnswer({
    question: check.question,
    target: interactionTarget(interaction, ephemeral),
    services,
    ...(paperFirst === undefined ? {} : { paperFirst }),
    origin: { source, guildId: interaction.guildId, channelId: interaction.channelId },
    startedAt: services.now(),
  });
}

export const ask = {
  data,

  define({ maxQuestionLength }: DefinitionSettings): RESTPostAPIChatInputApplicationCommandsJSONBody {
    const json = data.toJSON();
    // Discord's client then refuses a longer question itself, before the bot sees it.
    return { ...json, options: (json.options ?? []).map((o) => (o.name === 'question' && o.type === 3 ? { ...o, max_length: maxQuestionLength } : o)) };
  },

  async execute(interaction, services) {
    // The server's /settings decide when `private:` is not given (public where nothing is set, and in DMs).
    const ephemeral = interaction.options.getBoolean('private') ?? (await settingsFor(services.guildSettings, interaction.guildId)).answersPrivate;
    const question = interaction.options.getString('question');
    if (question === null) {
      await interaction.showModal(askModal(services.settings.maxQuestionLength, ephemeral));
      return;
    }
    await answerInteraction(interaction, question, ephemeral, services);
  },
} satisfies Command;
