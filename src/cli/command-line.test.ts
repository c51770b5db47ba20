import { describe, expect, it } from 'vitest';
import { isUserError } from '../core/errors.ts';
import { defineCommandLine, helpText, parseCommandLine, usageLine } from './command-line.ts';

const EXAMPLE = defineCommandLine({
  command: 'npm run example --',
  summary: 'Does an example thing.',
  options: {
    json: { type: 'boolean', description: 'one JSON object on stdout' },
    questions: { type: 'string', value: 'file', default: 'q.jsonl', description: 'the question set' },
    guild: { type: 'string', value: 'server id', description: 'one server only' },
    size: { type: 'string', value: 'size', multiple: true, default: ['1k'], description: 'corpus sizes' },
    seed: { type: 'whole', value: 'number', default: 1, description: 'the sample' },
    port: { type: 'whole', value: 'port', min: 1, max: 65_535, description: 'where to listen' },
  },
  positionals: { name: 'question', description: 'what to ask', required: false, several: true },
  notes: ['A note after the options.'],
});

function usageMessage(argv: string[]): string {
  try {
    parseCommandLine(EXAMPLE, argv);
  } catch (error) {
    expect(isUserError(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(argv)} to be refused`);
}

describe('parseCommandLine', () => {
  it('gives every declared option its value or its default, and keeps the positionals in order', () => {
    expect(parseCommandLine(EXAMPLE, [])).toEqual({
      help: false,
      options: { json: false, questions: 'q.jsonl', guild: undefined, size: ['1k'], seed: 1, port: undefined },
      positionals: [],
    });
    const line = parseCommandLine(EXAMPLE, ['--json', 'what', '--guild=42', '--size', '10k', '--size', '100k', '--seed', '7', 'is', '--port', '8080', 'VaSSO?']);
    expect(line).toEqual({
      help: false,
      options: { json: true, questions: 'q.jsonl', guild: '42', size: ['10k', '100k'], seed: 7, port: 8080 },
      positionals: ['what', 'is', 'VaSSO?'],
    });
  });

  it('treats everything after -- as positionals', () => {
    expect(parseCommandLine(EXAMPLE, ['--', '--json'])).toMatchObject({ options: { json: false }, positionals: ['--json'] });
  });

  it('asks for help with --help or -h, whatever else is on the line', () => {
    expect(parseCommandLine(EXAMPLE, ['--help'])).toEqual({ help: true });
    expect(parseCommandLine(EXAMPLE, ['--bogus', '-h'])).toEqual({ help: true });
  });

  it('names an unknown option and points at --help', () => {
    const message = usageMessage(['--jsn', 'question']);
    expect(message).toMatch(/^Unknown option --jsn\.\nUsage: npm run example -- \[--json\] \[--questions <file>\]/);
    expect(message).toContain('`npm run example -- --help` says what each option does.');
    expect(usageMessage(['-x'])).toMatch(/^Unknown option -x\./);
  });

  it('names an option whose value is missing, also when the next word is another option', () => {
    expect(usageMessage(['--guild'])).toMatch(/^--guild needs a server id\./);
    expect(usageMessage(['--guild', '--json'])).toMatch(/^--guild needs a server id\./);
    expect(usageMessage(['--json=yes'])).toMatch(/^--json takes no value \(given "yes"\)\./);
  });

  it('refuses a whole number that is not one or is out of range', () => {
    expect(usageMessage(['--seed', 'x'])).toMatch(/^--seed must be a whole number, got "x"\./);
    expect(usageMessage(['--seed', '-1'])).toMatch(/^--seed needs a number\./);
    expect(usageMessage(['--port', '0'])).toMatch(/^--port must be a whole number from 1 to 65535, got "0"\./);
    expect(usageMessage(['--port', '1.5'])).toMatch(/^--port must be a whole number from 1 to 65535/);
  });

  it('refuses words a command does not take, and requires a required positional', () => {
    const none = defineCommandLine({ command: 'npm run index --', summary: 'Builds.', options: {} });
    expect(() => parseCommandLine(none, ['extra'])).toThrow(/^Unexpected argument "extra"\.\nUsage: npm run index\n/);
    const one = defineCommandLine({ command: 'tsx make.ts', summary: 'Makes.', options: {}, positionals: { name: 'dir', description: 'where', required: true, several: false } });
    expect(() => parseCommandLine(one, ['a', 'b'])).toThrow(/^Unexpected argument "b": tsx make.ts takes one <dir>\./);
    expect(() => parseCommandLine(one, [])).toThrow(/^tsx make.ts needs a dir\./);
    expect(() => parseCommandLine(one, ['  '])).toThrow(/needs a dir/);
  });
});

describe('the generated usage and help', () => {
  it('lists every option with its value and default, the positionals and the notes', () => {
    expect(usageLine(EXAMPLE)).toBe('npm run example -- [--json] [--questions <file>] [--guild <server id>] [--size <size>]... [--seed <number>] [--port <port>] [<question>...]');
    const help = helpText(EXAMPLE);
    expect(help.split('\n').slice(0, 3)).toEqual([`Usage: ${usageLine(EXAMPLE)}`, '', 'Does an example thing.']);
    expect(help).toMatch(/^ {2}<question> +what to ask$/m);
    expect(help).toMatch(/^ {2}--questions <file> +the question set \(default: q\.jsonl\)$/m);
    expect(help).toMatch(/^ {2}--size <size> +corpus sizes \(default: 1k\)$/m);
    expect(help).toMatch(/^ {2}--port <port> +where to listen$/m);
    expect(help).toMatch(/^ {2}-h, --help +show this text$/m);
    expect(help.endsWith('\n\nA note after the options.')).toBe(true);
  });
});
