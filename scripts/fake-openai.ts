/**
 * Runs the test suite's fake OpenAI-compatible server on its own, for manual checks of the bot or the CLI
 * without a real provider: `tsx scripts/fake-openai.ts [--port N] [--cite 9]`, then point OPENAI_BASE_URL at
 * the printed URL. Every chat request gets a short answer citing [1], plus the invented [N] given by --cite,
 * which the citation check should remove from what the user sees.
 */
import { once } from 'node:events';
import { startFakeOpenAI } from '../src/dev/fake-openai.ts';
import { defineCommandLine, parseCommandLine, printHelp } from '../src/cli/command-line.ts';
import { runMain } from '../src/cli/run-main.ts';

const COMMAND_LINE = defineCommandLine({
  command: 'tsx scripts/fake-openai.ts',
  summary: 'A fake OpenAI-compatible server on 127.0.0.1 that answers every chat request citing passage [1]; Ctrl+C stops it.',
  options: {
    port: { type: 'whole', value: 'port', default: 0, max: 65_535, description: 'where to listen (0: any free port)' },
    cite: { type: 'whole', value: 'number', min: 1, max: 999, description: 'also cite this passage number, which the answer was not given' },
  },
});

await runMain(async ({ argv, stdout }) => {
  const line = parseCommandLine(COMMAND_LINE, argv);
  if (line.help) return printHelp(COMMAND_LINE, stdout);
  const { port, cite } = line.options;
  const invented = cite === undefined ? '' : ` A related result is reported elsewhere [${cite}].`;
  const fake = await startFakeOpenAI({ port });
  fake.setDefault((request) => {
    const body = typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
    const messages = Array.isArray(body['messages']) ? body['messages'].length : 0;
    stdout.write(`${new Date().toISOString()} ${request.method} ${request.path} model=${String(body['model'])} messages=${messages}${body['stream'] === true ? ' stream' : ''}\n`);
    return { content: `This is a short answer from the fake server, based on the first passage [1].${invented}` };
  });
  stdout.write(`Fake OpenAI-compatible server listening at ${fake.url}\n`);
  stdout.write(`Point paperbot at it with OPENAI_BASE_URL=${fake.url} (any OPENAI_API_KEY works); Ctrl+C stops it.\n`);
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  await fake.close();
  return 0;
});
