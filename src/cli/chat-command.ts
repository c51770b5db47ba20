/**
 * `npm run chat` (and `npm start` without a Discord token): an interactive session in the terminal. Lines are
 * questions, or `/paper <query>`, `/similar <paper>`, `/about`, `/help`, `/quit`. When stdin is not a
 * terminal it answers each line and exits at end of input, so it can be scripted.
 */
import { createInterface } from 'node:readline';
import { HISTORY_TURNS, type ChatMessage } from '../core/answering/chat-model.ts';
import { isUserError } from '../core/errors.ts';
import type { Assistant } from '../assistant/assistant.ts';
import { defineCommandLine, parseCommandLine, printHelp } from './command-line.ts';
import { progressReporter } from './progress-bar.ts';
import { renderAnswer, renderPaper, renderSimilar } from './render-answer.ts';
import type { CommandContext } from './run-main.ts';

const HELP = `Ask a question about the papers, or:
  /paper <query>     look a paper up by title, method name, author or id
  /similar <paper>   papers similar to one (title, method name or id)
  /about             what is indexed and how answers are made
  /help              this text
  /quit              leave (or Ctrl-D)`;


export const CHAT_COMMAND_LINE = defineCommandLine({
  command: 'npm run chat --',
  summary: 'An interactive session with the assistant. When its input is not a terminal it answers each line and exits at the end of input.',
  options: {},
  notes: HELP.split('\n'),
});

/** `npm run chat`: the session, after reading the (option-less) command line. */
export async function chatCommand(context: CommandContext): Promise<number> {
  const line = parseCommandLine(CHAT_COMMAND_LINE, context.argv);
  if (line.help) return printHelp(CHAT_COMMAND_LINE, context.stdout);
  return chat(context);
}

/** The session itself; `npm start` without a Discord token runs it with `buildIfMissing`. */
export async function chat(context: CommandContext, options: { buildIfMissing?: boolean } = {}): Promise<number> {
  const { app, stdin, stdout, stderr } = context;
  const interactive = stdin.isTTY === true;
  const assistant = await app.assistant({
    buildIfMissing: options.buildIfMissing ?? false,
    notify: (line) => stderr.write(`${line}\n`),
    onProgress: progressReporter(stderr),
  });
  if (interactive) {
    const about = await assistant.about();
    stdout.write(`paperbot: ${about.papers} papers, ${about.retrieval} retrieval, ${about.llm === null ? 'extractive answers (no LLM configured)' : `answers by ${about.llm}`}.\n${HELP}\n\n`);
  }
  const rl = createInterface({ input: stdin, output: interactive ? stdout : undefined, terminal: interactive });
  const history: ChatMessage[] = [];
  if (interactive) rl.setPrompt('> ');
  if (interactive) rl.prompt();
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === '/quit' || line === '/exit') break;
    if (line !== '') {
      try {
        stdout.write(`${await respond(assistant, line, history)}\n\n`);
      } catch (error) {
        if (!isUserError(error)) throw error;
        stdout.write(`${error.message}\n\n`);
      }
    }
    if (interactive) rl.prompt();
  }
  rl.close();
  return 0;
}

async function respond(assistant: Assistant, line: string, history: ChatMessage[]): Promise<string> {
  const [command, ...words] = line.split(/\s+/);
  const argument = words.join(' ');
  switch (command) {
    case '/help':
      return HELP;
    case '/about': {
      const a = await assistant.about();
      return [
        `${a.papers} papers, ${a.passages} passages, index built ${a.builtAt}`,
        `embeddings: ${a.embeddings}; retrieval: ${a.retrieval}${a.lexicalReason === null ? '' : ` (${a.lexicalReason})`}`,
        `answers: ${a.llm === null ? 'extractive (no LLM configured)' : a.llm}`,
      ].join('\n');
    }
    case '/paper': {
      if (argument === '') return 'Usage: /paper <title, method name, author or id>';
      const { papers: [best, ...others], byContent } = await assistant.lookupPapers(argument, 6);
      if (best === undefined) return noPaper(argument);
      const more = others.length > 0 ? `\n\nAlso matching${byContent ? ' by content' : ''}: ${others.map((p) => p.label).join('; ')}` : '';
      return (byContent ? `${byContentNote(argument)}\n\n` : '') + renderPaper(best) + more;
    }
    case '/similar': {
      if (argument === '') return 'Usage: /similar <title, method name or id>';
      const found = await assistant.lookupPaper(argument, 0);
      if (found === undefined) return noPaper(argument);
      return (found.byContent ? `${byContentNote(argument)}\n\n` : '') + renderSimilar(found.paper, await assistant.similar(found.paper.id, 5));
    }
    default: {
      if (line.startsWith('/')) return `Unknown command ${command}. ${HELP}`;
      const result = await assistant.ask(line, { history: history.slice(-HISTORY_TURNS * 2) });
      if (result.mode !== 'refused') history.push({ role: 'user', content: line }, { role: 'assistant', content: result.answer });
      return renderAnswer(result);
    }
  }
}

function noPaper(query: string): string {
  return `No paper matches "${query}", by title, method name, author, id or abstract.`;
}

/** Said before papers found by their abstracts, so nobody takes them for a match of the title or the authors. */
function byContentNote(query: string): string {
  return `No title, method name, author or id matches "${query}"; matched by the content of the abstracts:`;
}
