/**
 * `npm run ask -- [--json] "question"`: one answer with its numbered sources, or with --json exactly one
 * JSON object on stdout ({question, mode, answer, citations, passages, warnings}).
 */
import { defineCommandLine, parseCommandLine, printHelp } from './command-line.ts';
import { renderAnswer } from './render-answer.ts';
import type { CommandContext } from './run-main.ts';

export const ASK_COMMAND_LINE = defineCommandLine({
  command: 'npm run ask --',
  summary: 'Answers one question about the indexed papers, citing the papers it used.',
  options: {
    json: { type: 'boolean', description: 'print exactly one JSON object on stdout: {question, mode, answer, citations, passages, warnings}' },
  },
  positionals: { name: 'question', description: 'the question, in quotes (several words are joined with spaces)', required: true, several: true },
});

export async function askCommand({ argv, app, stdout, stderr }: CommandContext): Promise<number> {
  const line = parseCommandLine(ASK_COMMAND_LINE, argv);
  if (line.help) return printHelp(ASK_COMMAND_LINE, stdout);
  const question = line.positionals.join(' ');

  const assistant = await app.assistant({ notify: (text) => stderr.write(`${text}\n`) });
  const result = await assistant.ask(question);
  stdout.write(line.options.json ? `${JSON.stringify(result)}\n` : `${renderAnswer(result)}\n`);
  return 0;
}
