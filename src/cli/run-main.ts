/**
 * The outermost layer of every terminal command: the only code that touches process.argv and
 * process.exit. Commands throw; here a UserError becomes its sentence on stderr and exit code 1, and
 * anything else a short message plus the stack for the bug report.
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

export async function runMain(command: Command): Promise<void> {
  let code = 0;
  try {
    const config = loadConfig();
    const logger = createLogger({ level: config.logLevel ?? 'warn' });
    code = (await command({ argv: process.argv.slice(2), config, logger, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin })) ?? 0;
  } catch (error) {
    if (isUserError(error)) {
      process.stderr.write(`${error.message}\n`);
      code = 1;
    } else {
      process.stderr.write(`paperbot failed unexpectedly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      code = 2;
    }
  }
  // Let pending writes flush; ONNX Runtime and sockets may otherwise keep the process alive.
  process.stdout.write('', () => process.exit(code));
}
