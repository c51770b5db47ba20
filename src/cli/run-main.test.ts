import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { UserError } from '../core/errors.ts';
import { silentLogger } from '../core/logger.ts';
import { runCommand, type Command, type CommandContext } from './run-main.ts';

async function run(command: Command, env: Record<string, string> = {}, argv: string[] = []) {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) => new Writable({ write: (chunk: Buffer, _encoding, done) => (append(chunk.toString()), done()) });
  const code = await runCommand(command, {
    argv,
    stdout: sink((t) => (stdout += t)),
    stderr: sink((t) => (stderr += t)),
    stdin: new PassThrough(),
    readConfig: () => parseConfig(env, '/tmp'),
    makeLogger: () => silentLogger,
  });
  return { code, stdout, stderr };
}

describe('runCommand', () => {
  it("passes the command its argv and config, and returns the command's exit code (0 when it returns nothing)", async () => {
    let seen: CommandContext | undefined;
    const result = await run(
      async (context) => {
        seen = context;
        context.stdout.write('out\n');
        return 3;
      },
      { TOP_K: '4' },
      ['--json', 'q'],
    );
    expect(result).toEqual({ code: 3, stdout: 'out\n', stderr: '' });
    expect(seen?.argv).toEqual(['--json', 'q']);
    expect(seen?.config.retrieval.topK).toBe(4);
    expect((await run(async () => {})).code).toBe(0);
  });

  it('prints a UserError as its sentence alone on stderr, exit code 1', async () => {
    const result = await run(async () => {
      throw new UserError('E_TEST', 'There is no index yet: run `npm run index`.');
    });
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'There is no index yet: run `npm run index`.\n' });
  });

  it('reports a bad configuration like any other UserError, before the command runs', async () => {
    let ran = false;
    const result = await run(
      async () => {
        ran = true;
      },
      { TOP_K: 'many' },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Invalid configuration .*\n- TOP_K = "many": expected a whole number/s);
    expect(ran).toBe(false);
  });

  it('prints anything else with its stack for the bug report, exit code 2', async () => {
    const result = await run(async () => {
      throw new TypeError('Cannot read properties of undefined');
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^paperbot failed unexpectedly: TypeError: Cannot read properties of undefined\n\s+at /);
  });
});
