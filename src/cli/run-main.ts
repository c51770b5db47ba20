/**
 * The error boundary of every terminal command. `runCommand` is the testable part: it reads the config,
 * runs the command and turns what it throws into an exit code (a UserError: its sentence on stderr and 1;
 * anything else: a short message plus the stack for the bug report, and 2). `runMain` is the only code
 * that touches process.argv and process.exit: it runs a command with the real process.
 */
import { isUserError } from '../core/errors.ts';
import { loadConfig, type Config } from '../config.ts';
import { createLogger } from '../adapters/logger.ts';
import type { Logger } from '../core/logger.ts';

export interface CommandContext {
  argv: string[];
  config: Config;
  logger: Logger;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

export type Command = (context: CommandContext) => Promise<number | void>;

/** What a command runs with, before the config is read: reading it is part of the command, so its problems are reported like any other. */
export interface CommandSetup extends Omit<CommandContext, 'config' | 'logger'> {
  /** `loadConfig()` in a process; tests pass `() => parseConfig(env, dir)`. */
  readConfig: () => Config;
  makeLogger: (config: Config) => Logger;
}

export async function runCommand(command: Command, { readConfig, makeLogger, ...io }: CommandSetup): Promise<number> {
  try {
    const config = readConfig();
    return (await command({ ...io, config, logger: makeLogger(config) })) ?? 0;
  } catch (error) {
    if (isUserError(error)) {
      io.stderr.write(`${error.message}\n`);
      return 1;
    }
    io.stderr.write(`paperbot failed unexpectedly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 2;
  }
}

export async function runMain(command: Command): Promise<void> {
  const code = await runCommand(command, {
    argv: process.argv.slice(2),
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    readConfig: loadConfig,
    // Terminal commands log only what needs attention; the bot sets its own level.
    makeLogger: (config) => createLogger({ level: config.logLevel ?? 'warn' }),
  });
  // Let pending writes flush; ONNX Runtime and sockets may otherwise keep the process alive.
  process.stdout.write('', () => process.exit(code));
}
