/**
 * The error boundary of every terminal command. `runCommand` is the testable part: it reads the config,
 * runs the command and turns what it throws into an exit code (a UserError: its sentence on stderr and 1;
 * anything else: a short message plus the stack for the bug report, and 2). `runMain` is the only code
 * that touches process.argv and process.exit: it runs a command with the real process.
 */
import { isUserError } from '../core/errors.ts';
import { loadConfig, type Config } from '../config.ts';
import { createLogger } from '../adapters/logger.ts';
import { createApp, type App } from '../app.ts';
import type { Logger } from '../core/logger.ts';
import { withRequestIds } from '../core/request-context.ts';

export interface CommandContext {
  argv: string[];
  config: Config;
  logger: Logger;
  /** Every part of paperbot, built on first use from `config` (src/app.ts) and closed when the command returns. */
  app: App;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

export type Command = (context: CommandContext) => Promise<number | void>;

/** What a command runs with, before the config is read: reading it is part of the command, so its problems are reported like any other. */
export interface CommandSetup extends Omit<CommandContext, 'config' | 'logger' | 'app'> {
  /** `loadConfig()` in a process; tests pass `() => parseConfig(env, dir)`. */
  readConfig: () => Config;
  makeLogger: (config: Config) => Logger;
}

export async function runCommand(command: Command, { readConfig, makeLogger, ...io }: CommandSetup): Promise<number> {
  let app: App | undefined;
  try {
    const config = readConfig();
    const logger = withRequestIds(makeLogger(config));
    app = createApp(config, { logger });
    const code = (await command({ ...io, config, logger, app })) ?? 0;
    await app.close();
    return code;
  } catch (error) {
    await app?.close().catch((closeError: unknown) => io.stderr.write(`paperbot could not close cleanly: ${String(closeError)}\n`));
    if (isUserError(error)) {
      io.stderr.write(`${error.message}\n`);
      return 1;
    }
    io.stderr.write(`paperbot failed unexpectedly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 2;
  }
}

export interface RunMainOptions {
  /** The log level when LOG_LEVEL is unset: terminal commands log only what needs attention (warn), the bot more (info). */
  defaultLogLevel?: (config: Config) => string;
}

export async function runMain(command: Command, { defaultLogLevel = () => 'warn' }: RunMainOptions = {}): Promise<void> {
  const code = await runCommand(command, {
    argv: process.argv.slice(2),
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    readConfig: loadConfig,
    makeLogger: (config) => createLogger({ level: config.logLevel ?? defaultLogLevel(config) }),
  });
  // Let pending writes flush; ONNX Runtime and sockets may otherwise keep the process alive.
  process.stdout.write('', () => process.exit(code));
}
