/**
 * Runs the test suite's fake OpenAI-compatible server on its own, for manual checks of the bot or the CLI
 * without a real provider: `tsx scripts/fake-openai.ts [--port N] [--cite 9]`, then point OPENAI_BASE_URL at
 * the printed URL. Every chat request gets a short answer citing [1], plus the invented [N] given by --cite,
 * which the citation check should remove from what the user sees.
 */
import { parseArgs } from 'node:util';
import { startFakeOpenAI, type FakeOpenAI } from '../src/dev/fake-openai.ts';

interface Options {
  port: number;
  cite: number | undefined;
}

const USAGE = 'usage: tsx scripts/fake-openai.ts [--port N] [--cite N]';

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' }, cite: { type: 'string' } }, strict: true });
  const port = wholeNumber(values.port ?? '0', '--port', 0, 65_535);
  const cite = values.cite === undefined ? undefined : wholeNumber(values.cite, '--cite', 1, 999);
  return { port, cite };
}

function wholeNumber(text: string, name: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new Error(`${name} expects a whole number from ${min} to ${max}, got "${text}"`);
  return value;
}

async function startFromArgs(argv: string[]): Promise<FakeOpenAI> {
  const { port, cite } = parseOptions(argv);
  const invented = cite === undefined ? '' : ` A related result is reported elsewhere [${cite}].`;
  const fake = await startFakeOpenAI({ port });
  fake.setDefault((request) => {
    const body = typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
    const messages = Array.isArray(body['messages']) ? body['messages'].length : 0;
    console.log(`${new Date().toISOString()} ${request.method} ${request.path} model=${String(body['model'])} messages=${messages}${body['stream'] === true ? ' stream' : ''}`);
    return { content: `This is a short answer from the fake server, based on the first passage [1].${invented}` };
  });
  return fake;
}

async function main(): Promise<void> {
  let fake: FakeOpenAI;
  try {
    fake = await startFromArgs(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    console.error(USAGE);
    process.exitCode = 1;
    return;
  }
  console.log(`Fake OpenAI-compatible server listening at ${fake.url}`);
  console.log(`Point paperbot at it with OPENAI_BASE_URL=${fake.url} (any OPENAI_API_KEY works); Ctrl+C stops it.`);
  const stop = (): void => {
    void fake.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();
