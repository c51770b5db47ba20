/**
 * The paper a button, menu or modal carried the id of, when it is still in the index. `resolvePaper` alone
 * would fall back to a title match for an id that is gone, and show the wrong paper.
 */
import type { Paper } from '../core/corpus/paper.ts';
import type { BotAssistant } from './command.ts';

/** The reply to a button, menu or modal whose paper is gone. */
export const PAPER_GONE = 'That paper is no longer in the index.';

export async function paperById(assistant: Pick<BotAssistant, 'resolvePaper'>, paperId: string): Promise<Paper | undefined> {
  const found = await assistant.resolvePaper(paperId);
  return found?.id === paperId ? found : undefined;
}
