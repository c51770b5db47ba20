/**
 * `npm run ask -- [--json] "question"`: one answer with its numbered sources, or with --json exactly one
 * JSON object on stdout ({question, mode, answer, citations, passages, warnings}).
 */
import { UserError } from '../core/errors.ts';
import { startAssistant } from '../assistant/start-assistant.ts';
import { renderAnswer } from './render-answer.ts';
import type { CommandContext } from './run-main.ts';

export async function askCommand({ argv, config, logger, stdout, stderr }: CommandContext): Promise<number> {
  const json = argv.includes('--json');
  const rest = argv.filter((a) => a !== '--json');
  const option = rest.find((a) => a.startsWith('--'));
  if (option !== undefined) throw new UserError('E_USAGE', `Unknown option ${option}. Usage: npm run ask -- [--json] "your question"`);
  const question = rest.join(' ');
  if (question.trim() === '') throw new UserError('E_USAGE', 'Usage: npm run ask -- [--json] "your question"');

  const assistant = await startAssistant({ config, logger, notify: (line) => stderr.write(`${line}\n`) });
  try {
    const result = await assistant.ask(question);
    stdout.write(json ? `${JSON.stringify(result)}\n` : `${renderAnswer(result)}\n`);
    return 0;
  } finally {
    assistant.close();
  }
}
