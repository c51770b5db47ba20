/** `/about`: corpus size, embedding model, when the index was built, retrieval mode, how answers are made. */
import type { Command } from '../command.ts';
import { renderAbout } from '../render/info-messages.ts';
import { renderFetchStatus } from '../render/source-messages.ts';
import { replyPrivately, slashCommand } from './slash-command.ts';

export const about = {
  data: slashCommand('about', 'What paperbot has indexed and how it answers'),

  async execute(interaction, services) {
    const arxiv = services.arxiv;
    const fetches = arxiv === null ? [] : renderFetchStatus(arxiv.status(), arxiv.dailyCategories, await arxiv.lastDailyFetch?.());
    await replyPrivately(interaction, [renderAbout(await services.assistant.about()), ...fetches].join('\n'));
  },
} satisfies Command;
