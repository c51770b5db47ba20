/**
 * The one answering flow every Discord entry point shares (/ask, mentions, thread follow-ups, DMs): check
 * the question (length, the user's rate limit) before any work; stream the answer with throttled progress
 * edits; post the rendered answer (split over several messages when long); record it for feedback. Errors
 * end here too: the person sees a short message with the error id, the log gets the stack under that id.
 * A part already posted is never overwritten by that notice (it follows the part instead), and when Discord
 * refuses for lack of permission the notice goes where it can: privately to a slash command's asker.
 */
import { MessageFlags, PermissionFlagsBits, type APIButtonComponent, type Message, type RepliableInteraction, type SendableChannels } from 'discord.js';
import type { AnswerResult } from '../core/answering/answer-question.ts';
import { validateQuestion } from '../core/answering/answer-question.ts';
import type { ChatMessage } from '../core/answering/chat-model.ts';
import { isUserError } from '../core/errors.ts';
import { answerEvidence } from '../core/feedback/answer-evidence.ts';
import type { BotServices } from './command.ts';
import { describeForLog } from '../core/redact-secrets.ts';
import { cannotPostNotice, incompleteAnswerNotice, isMissingPermission, missingPermissionNames, userFacingMessage } from './errors.ts';
import { ProgressEditor } from './progress-editor.ts';
import { currentRequestId, newRequestId } from '../core/request-context.ts';
import { renderAnswer, renderProgress } from './render/answer-message.ts';
import { INTERRUPTED_NOTICE, rateLimitNotice } from './render/info-messages.ts';
import { LIMITS } from './render/limits.ts';
import { NO_PINGS, toRows, type OutgoingMessage } from './render/outgoing-message.ts';

/** Where an answer goes: one message written (and rewritten), then possibly more after it. */
export interface AnswerTarget {
  /** Writes the answer's message: progress first, then the answer (or its first part). */
  write(message: OutgoingMessage): Promise<void>;
  /** Sends one more message after it: the rest of a long answer. */
  append(message: OutgoingMessage): Promise<void>;
  /** Discord refused to post for lack of permission: tell the asker where they can see it (privately), if anywhere. */
  cannotPost?(): Promise<void>;
}

export type QuestionCheck = { ok: true; question: string } | { ok: false; notice: string; firstRefusal: boolean };

/**
 * Length first (a refused question does not count), then the user's rate limit. Nothing slow, no LLM.
 * `visible`: a refusal would be seen by everyone (not ephemeral), so only the first in a window is worth it.
 */
export async function checkQuestion(question: string, userId: string, services: BotServices, { visible = false }: { visible?: boolean } = {}): Promise<QuestionCheck> {
  let trimmed: string;
  try {
    trimmed = validateQuestion(question, services.settings.maxQuestionLength);
  } catch (error) {
    if (isUserError(error)) return { ok: false, notice: error.message, firstRefusal: true };
    throw error;
  }
  // In memory this is a value at once; counted in the shared state (shards, PostgreSQL), a query.
  const decision = await services.limiter.take(userId, { visible });
  if (!decision.allowed) {
    services.logger.info({ userId, retryAfterMs: decision.retryAfterMs }, 'question refused by the rate limit');
    return { ok: false, notice: rateLimitNotice(services.settings.rateLimit, decision.retryAfterMs), firstRefusal: decision.firstRefusal };
  }
  return { ok: true, question: trimmed };
}

export interface DeliverAnswerOptions {
  question: string;
  target: AnswerTarget;
  services: BotServices;
  /** Earlier turns (thread follow-ups, DMs), oldest first. */
  history?: ChatMessage[];
  /** What to search for when it differs from the question (a follow-up plus its context). */
  retrievalQuery?: string;
  /** Stored with the answer, for reading feedback later. */
  origin: { source: 'slash' | 'mention' | 'thread' | 'dm' | 'context-menu' | 'paper-modal'; guildId: string | null; channelId: string | null };
  /** A question about this paper ("Ask about this paper"): its passages are ranked first. */
  paperFirst?: string;
  /** More buttons for the answer's last message, in a row of their own (e.g. "Post in a thread" under a private answer). */
  extraButtons?: (answerId: string) => APIButtonComponent[];
  /** When the target's message was last written (the deferral): progress edits start an interval after it. */
  startedAt?: number;
}

/** Answers and posts. Never throws: failures are logged and told to the person. Returns the result when answered. */
export async function deliverAnswer({ question, target, services, history, retrievalQuery, origin, startedAt, extraButtons, paperFirst }: DeliverAnswerOptions): Promise<AnswerResult | null> {
  const { logger } = services;
  const answerId = currentRequestId() ?? newRequestId();
  const progress = new ProgressEditor<OutgoingMessage>({
    send: (message) => target.write(message),
    intervalMs: services.settings.progressIntervalMs,
    onError: (error) => logger.warn({ err: describeForLog(error, services.secrets) }, 'a progress edit failed'),
    now: services.now,
    startedAt: startedAt ?? services.now(),
  });
  const started = services.now();
  /** Parts of the final answer posted so far: a failure after them must not overwrite them. */
  let delivered = 0;
  try {
    let result: AnswerResult | null = null;
    let raw = '';
    let passages = 0;
    try {
      const stream = services.assistant.stream(question, {
        ...(history && history.length > 0 ? { history } : {}),
        ...(retrievalQuery !== undefined ? { retrievalQuery } : {}),
        ...(paperFirst !== undefined ? { paperFirst } : {}),
        signal: services.shutdownSignal,
      });
      for await (const event of stream) {
        if (event.type === 'retrieved') {
          passages = event.retrieval.passages.length;
          const papers = new Set(event.retrieval.passages.map((p) => p.paper.id)).size;
          if (event.retrieval.gate.passed) progress.update(renderProgress({ stage: 'retrieved', passages, papers }));
        } else if (event.type === 'delta') {
          raw += event.text;
          progress.update(renderProgress({ stage: 'writing', text: raw, passages }));
        } else {
          result = event.result;
        }
      }
    } finally {
      await progress.finish();
    }
    if (result === null) throw new Error('the answer stream ended without a result');

    // With a model configured, an extractive answer means it failed; the core logged why under this request id.
    const llmFailed = services.llmConfigured && result.mode === 'extractive';
    if (llmFailed) logger.warn({ errorId: answerId, warnings: result.warnings }, 'the language model failed; answered extractively');
    const messages = withExtraButtons(renderAnswer(result, { answerId, errorId: llmFailed ? answerId : undefined }), extraButtons?.(answerId) ?? []);
    await recordAnswer(services, answerId, result, origin);
    const [first, ...rest] = messages;
    if (first !== undefined) await target.write(first);
    delivered += 1;
    for (const message of rest) {
      await target.append(message);
      delivered += 1;
    }
    logger.info(
      { answerId, mode: result.mode, citations: result.citations.length, messages: messages.length, progressEdits: progress.sent, ms: services.now() - started, source: origin.source },
      'answered',
    );
    return result;
  } catch (error) {
    const interrupted = services.shutdownSignal.aborted;
    if (interrupted) logger.warn({ answerId }, 'answer interrupted by shutdown');
    else if (isUserError(error)) logger.info({ code: error.code }, 'question refused');
    else logger.error({ errorId: answerId, err: describeForLog(error, services.secrets) }, 'answering failed');
    const tell = async (): Promise<void> => {
      if (isMissingPermission(error)) {
        logger.warn({ channelId: origin.channelId, delivered }, 'Discord refused to post the answer: paperbot lacks a permission in the channel');
        await target.cannotPost?.();
      } else if (delivered > 0) {
        await target.append({ content: interrupted ? INTERRUPTED_NOTICE : incompleteAnswerNotice(answerId), components: [], embeds: [] });
      } else {
        await target.write({ content: interrupted ? INTERRUPTED_NOTICE : userFacingMessage(error, answerId), components: [], embeds: [] });
      }
    };
    await tell().catch(async (writeError: unknown) => {
      logger.warn({ err: describeForLog(writeError, services.secrets) }, 'could not tell the user that answering failed');
      if (isMissingPermission(writeError) && !isMissingPermission(error)) await target.cannotPost?.().catch(() => undefined);
    });
    return null;
  }
}

async function recordAnswer(services: BotServices, id: string, result: AnswerResult, origin: DeliverAnswerOptions['origin']): Promise<void> {
  try {
    await services.feedback.recordAnswer({
      id,
      createdAt: new Date(services.now()).toISOString(),
      source: origin.source,
      guildId: origin.guildId,
      channelId: origin.channelId,
      mode: result.mode,
      question: result.question,
      answer: result.answer,
      paperIds: [...new Set(result.citations.map((c) => c.paperId))],
      evidence: answerEvidence(result),
    });
  } catch (error) {
    // Feedback on this answer still works (votes are keyed by id); only the record of what was said is lost.
    services.logger.error({ errorId: id, err: describeForLog(error, services.secrets) }, 'could not store the answer');
  }
}

/** The last message gets the extra buttons in a row of its own, when there is room for one. */
function withExtraButtons(messages: OutgoingMessage[], buttons: APIButtonComponent[]): OutgoingMessage[] {
  const last = messages.at(-1);
  if (last === undefined || buttons.length === 0 || (last.components?.length ?? 0) >= LIMITS.rows) return messages;
  return [...messages.slice(0, -1), { ...last, components: [...(last.components ?? []), ...toRows(buttons, 1)] }];
}

/** Answering a command or a modal: the deferred reply is edited; more parts are follow-ups (ephemeral when private). */
export function interactionTarget(interaction: RepliableInteraction, ephemeral: boolean): AnswerTarget {
  return {
    write: async (message) => {
      await interaction.editReply({ ...message, allowedMentions: NO_PINGS });
    },
    append: async (message) => {
      await interaction.followUp({ ...message, allowedMentions: NO_PINGS, ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}) });
    },
    cannotPost: async () => {
      const send = interaction.channel?.isThread() ? PermissionFlagsBits.SendMessagesInThreads : PermissionFlagsBits.SendMessages;
      const missing = missingPermissionNames(interaction.appPermissions, PermissionFlagsBits.ViewChannel | send | PermissionFlagsBits.EmbedLinks);
      await interaction.followUp({ content: cannotPostNotice(missing), flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
    },
  };
}

/**
 * Answering in a channel: the first write sends the message (a reply to `replyTo`, or a plain message in
 * `channel`), later writes edit it, more parts follow in the channel.
 */
export function channelTarget(channel: SendableChannels, replyTo: Message | null): AnswerTarget {
  let sent: Message | null = null;
  return {
    write: async (message) => {
      const payload = { ...message, allowedMentions: NO_PINGS };
      if (sent !== null) await sent.edit(payload);
      else sent = replyTo !== null ? await replyTo.reply(payload) : await channel.send(payload);
    },
    append: async (message) => {
      await channel.send({ ...message, allowedMentions: NO_PINGS });
    },
  };
}
